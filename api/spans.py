"""POST /v1/spans: a JSON span batch, validated here and published to the span topic (202)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spyglass.api.auth import forced_project, header_project
from spyglass.api.body import inflate, read_body
from spyglass.core.errors import Forbidden, InvalidInput, InvalidRecord
from spyglass.sdk.wire import MAX_RECORD_BYTES, SCHEMA_VERSION, SpanError, json_schema, validate_span

router = APIRouter(tags=["ingest"])

_SCHEMA = json_schema()
_REQUEST_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [{"$ref": "#/components/schemas/SpanBatch"}, {"type": "array", "items": _SCHEMA["$defs"]["span"]}]}}}}}


def span_batch_schemas() -> dict[str, Any]:
    """OpenAPI component schemas for the wire format (from the one definition in spyglass.sdk.wire)."""
    batch = {k: v for k, v in _SCHEMA.items() if k not in ("$schema", "$id", "$defs")}
    batch["properties"] = {**batch["properties"], "spans": {"type": "array", "items": {"$ref": "#/components/schemas/Span"}}}
    return {"SpanBatch": batch, "Span": _SCHEMA["$defs"]["span"]}


async def read_json(request: Request, limit: int) -> Any:
    """The request body (gzip, deflate or plain) parsed as JSON; 413 over ``limit`` bytes, 400 when not JSON.

    Memory stays bounded by ``limit``: the body is counted as it arrives and inflated under a cap.
    """
    raw = await read_body(request, limit)
    encoding = request.headers.get("content-encoding", "")
    lanes = request.app.state.lanes
    return await lanes.run(lanes.ingest, _parse, raw, encoding, limit)


def _parse(raw: bytes, encoding: str, limit: int) -> Any:
    try:
        return orjson.loads(inflate(raw, encoding, limit))
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body is not valid JSON: {exc}") from None


def spans_of(doc: Any) -> list[Any]:
    """Accept {"schema_version": 1, "spans": [...]} or a bare list of spans."""
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict) or not isinstance(doc.get("spans"), list):
        raise InvalidRecord('expected {"schema_version": 1, "spans": [...]} or a JSON array of spans')
    if doc.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InvalidRecord(f"unsupported schema_version {doc.get('schema_version')!r}; expected {SCHEMA_VERSION}")
    return doc["spans"]


def publish_valid(request: Request, spans: list[Any]) -> JSONResponse:
    """Validate every span; publish all (202) or none (422 with one error per bad span)."""
    errors = []
    for index, span in enumerate(spans):
        try:
            validate_span(span)
        except SpanError as exc:
            errors.append({"index": index, **exc.as_dict()})
    if errors:
        raise InvalidRecord(f"{len(errors)} of {len(spans)} spans are invalid; nothing was accepted",
                          errors=errors[:1000], accepted=0)
    project = forced_project(request)
    foreign = [i for i, span in enumerate(spans) if project is not None and span.get("project") != project]
    if foreign:
        raise Forbidden(f"this API key is for project {project!r}; spans {foreign[:20]} name another project",
                        accepted=0)
    accepted = request.app.state.deps.publisher.publish(spans)  # BrokerError: 503 with Retry-After
    return JSONResponse({"accepted": accepted}, status_code=202)


@router.post("/v1/spans", status_code=202, openapi_extra=_REQUEST_BODY,
             summary="Ingest a batch of spans (wire format v1)",
             responses={202: {"description": "all spans accepted and on the broker"},
                        403: {"description": "spans or x-spyglass-project name another project than the key's"},
                        413: {"description": "body (or its inflated size) too large"},
                        415: {"description": "unsupported Content-Encoding"},
                        422: {"description": "invalid spans; per-span errors, nothing accepted"},
                        503: {"description": "broker busy or unreachable; retry after Retry-After"}})
async def post_spans(request: Request) -> JSONResponse:
    deps = request.app.state.deps
    header_project(request)
    doc = await read_json(request, min(deps.max_request_bytes, MAX_RECORD_BYTES))
    spans = spans_of(doc)
    # waiting for broker acks blocks: on the ingest threads, never behind reads on the shared pool
    lanes = request.app.state.lanes
    return await lanes.run(lanes.ingest, publish_valid, request, spans)
