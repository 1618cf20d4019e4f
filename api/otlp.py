"""POST /v1/traces: OTLP/HTTP trace export (protobuf or JSON, optionally gzip), mapped onto spans.

Apps instrumented with OpenTelemetry (GenAI semantic conventions, OpenInference, OpenLLMetry)
point their OTLP exporter here. Mapped spans take the same road as every other span: the span
topic, then ingest. Spans that break the wire format are rejected through OTLP's partial success.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from spyglass.api.auth import forced_project, header_project
from spyglass.api.body import inflate, read_body
from spyglass.core.errors import InvalidInput, UnsupportedFormat
from spyglass.ingest.otlp_decode import spans_from_json, spans_from_protobuf
from spyglass.ingest.otlp_map import to_wire
from spyglass.sdk.wire import SpanError, validate_span

router = APIRouter(tags=["ingest"])

PROTOBUF = "application/x-protobuf"


def _response(protobuf: bool, rejected: int, message: str) -> Response:
    if protobuf:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

        answer = ExportTraceServiceResponse()
        if rejected:
            answer.partial_success.rejected_spans = rejected
            answer.partial_success.error_message = message
        return Response(answer.SerializeToString(), media_type=PROTOBUF)
    body = {"partialSuccess": {"rejectedSpans": rejected, "errorMessage": message}} if rejected else {}
    return Response(orjson.dumps(body), media_type="application/json")


@router.post("/v1/traces", summary="OTLP/HTTP trace export (protobuf or JSON)",
             responses={200: {"description": "ExportTraceServiceResponse; rejected spans in partial_success"},
                        400: {"description": "not an OTLP request"},
                        403: {"description": "x-spyglass-project names another project than the key's"},
                        413: {"description": "body (or its inflated size) too large"},
                        415: {"description": "unsupported content type or encoding"},
                        503: {"description": "broker unavailable; retry"}})
async def export_traces(request: Request) -> Response:
    deps = request.app.state.deps
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in (PROTOBUF, "application/json"):
        raise UnsupportedFormat(f"Content-Type must be {PROTOBUF} or application/json, got {content_type!r}")
    raw = await read_body(request, deps.max_request_bytes)
    encoding = request.headers.get("content-encoding", "")
    header = header_project(request)
    forced = forced_project(request)
    protobuf = content_type == PROTOBUF
    # inflating, decoding and mapping are CPU work: off the event loop
    lanes = request.app.state.lanes
    accepted, problems = await lanes.run(lanes.ingest, _decode, raw, encoding, deps.max_request_bytes, protobuf,
                                         forced or header or "default", forced)
    if accepted:
        await lanes.run(lanes.ingest, deps.publisher.publish, accepted)  # BrokerError: 503 with Retry-After
    message = "; ".join(problems[:20]) + (f" (+{len(problems) - 20} more)" if len(problems) > 20 else "")
    return _response(protobuf, len(problems), message)


def _decode(raw: bytes, encoding: str, limit: int, protobuf: bool, project: str,
            forced: str | None) -> tuple[list[dict], list[str]]:
    """(valid wire spans, one problem per rejected span) of an OTLP body."""
    body = inflate(raw, encoding, limit)
    try:
        otel_spans = spans_from_protobuf(body) if protobuf else spans_from_json(orjson.loads(body))
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body is not valid JSON: {exc}") from None
    accepted, problems = [], []
    for otel in otel_spans:
        span = to_wire(otel, project)
        if forced:
            span["project"] = forced
        try:
            validate_span(span)
            accepted.append(span)
        except SpanError as exc:
            problems.append(str(exc))
    return accepted, problems
