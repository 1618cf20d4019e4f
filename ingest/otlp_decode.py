"""OTLP/HTTP trace requests (protobuf or JSON) -> neutral ``OtelSpan`` objects. Pure; no I/O.

OTLP JSON differs from protobuf's JSON mapping in places (ids are hex, not base64; enums are
integers), so both encodings are read field by field into the same shape.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from spyglass.core.errors import InvalidInput


class OtlpError(InvalidInput):
    """The body is not an OTLP ExportTraceServiceRequest."""


@dataclass
class OtelSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    start_ns: int
    end_ns: int
    status_code: int  # 0 unset, 1 ok, 2 error
    status_message: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    scope: str = ""
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


# ---------------------------------------------------------------- protobuf

def _pb_value(value: Any) -> Any:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_pb_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _pb_value(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, which)


def _pb_attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _pb_value(kv.value) for kv in kvs}


def spans_from_protobuf(body: bytes) -> list[OtelSpan]:
    """Decode an ``application/x-protobuf`` ExportTraceServiceRequest."""
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise OtlpError(f"body is not an OTLP protobuf ExportTraceServiceRequest: {exc}") from None
    out = []
    for resource_spans in request.resource_spans:
        resource = _pb_attrs(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for s in scope_spans.spans:
                out.append(OtelSpan(
                    trace_id=s.trace_id.hex(), span_id=s.span_id.hex(), parent_span_id=s.parent_span_id.hex(),
                    name=s.name, start_ns=s.start_time_unix_nano, end_ns=s.end_time_unix_nano,
                    status_code=s.status.code, status_message=s.status.message,
                    attributes=_pb_attrs(s.attributes), resource=resource, scope=scope_spans.scope.name,
                    events=[(e.name, _pb_attrs(e.attributes)) for e in s.events]))
    return out


# ---------------------------------------------------------------- JSON

def _json_value(value: dict[str, Any]) -> Any:
    if not isinstance(value, dict) or not value:
        return None
    (kind, inner), = value.items()
    if kind == "arrayValue":
        return [_json_value(v) for v in inner.get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: _json_value(kv.get("value", {})) for kv in inner.get("values", [])}
    if kind == "intValue":
        return int(inner)  # int64 travels as a string in OTLP JSON
    if kind == "doubleValue":
        return float(inner)
    if kind == "bytesValue":
        return base64.b64decode(inner).hex()
    return inner


def _json_attrs(kvs: Any) -> dict[str, Any]:
    if not isinstance(kvs, list):
        return {}
    return {kv["key"]: _json_value(kv.get("value", {})) for kv in kvs if isinstance(kv, dict) and "key" in kv}


def _json_id(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def spans_from_json(doc: Any) -> list[OtelSpan]:
    """Decode an ``application/json`` ExportTraceServiceRequest (OTLP JSON encoding)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans", []), list):
        raise OtlpError('expected an OTLP JSON object with "resourceSpans"')
    out = []
    try:
        for resource_spans in doc.get("resourceSpans", []):
            resource = _json_attrs(resource_spans.get("resource", {}).get("attributes"))
            for scope_spans in resource_spans.get("scopeSpans", []):
                scope = scope_spans.get("scope", {}).get("name", "")
                for s in scope_spans.get("spans", []):
                    status = s.get("status") or {}
                    out.append(OtelSpan(
                        trace_id=_json_id(s.get("traceId")), span_id=_json_id(s.get("spanId")),
                        parent_span_id=_json_id(s.get("parentSpanId")), name=s.get("name", ""),
                        start_ns=int(s.get("startTimeUnixNano", 0)), end_ns=int(s.get("endTimeUnixNano", 0)),
                        status_code=int(status.get("code", 0)), status_message=status.get("message", ""),
                        attributes=_json_attrs(s.get("attributes")), resource=resource, scope=scope,
                        events=[(e.get("name", ""), _json_attrs(e.get("attributes"))) for e in s.get("events", [])]))
    except (AttributeError, TypeError, ValueError) as exc:
        raise OtlpError(f"malformed OTLP JSON: {exc}") from None
    return out
