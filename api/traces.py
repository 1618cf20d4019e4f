"""GET /v1/traces (filtered, newest first, cursor pages) and GET /v1/traces/{trace_id} (span tree)."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from spyglass.api.params import query_time
from spyglass.api.serialize import json_row
from spyglass.api.tree import build_tree
from spyglass.core.errors import InvalidInput, NotFound
from spyglass.storage.evaluations import scores_by_span
from spyglass.storage.scores import scores_of_trace
from spyglass.storage.traces import TraceFilter, list_traces, trace_spans

router = APIRouter(tags=["traces"])



@router.get("/v1/traces", summary="List traces, newest first")
def get_traces(request: Request,
               start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 24 hours ago"),
               end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
               project: str | None = None, service: str | None = None, model: str | None = None,
               status: Literal["ok", "error", "unset"] | None = None,
               conversation_id: str | None = None, user_id: str | None = None, tag: str | None = None,
               flagged: str | None = Query(None, description="evaluator name, e.g. toxicity: traces it flagged"),
               limit: int = Query(50, ge=1, le=500), cursor: str | None = None) -> dict[str, Any]:
    now = time.time()
    window = TraceFilter(start=query_time(start, "start", now - 86_400), end=query_time(end, "end", now + 60),
                         project=project, service=service, model=model, status=status,
                         conversation_id=conversation_id, user_id=user_id, tag=tag, flagged=flagged)
    if window.end <= window.start:
        raise InvalidInput("query parameter end must be after start")
    # a bad cursor is InvalidInput (400) from decode_cursor; any other error is a bug and answers 500
    traces, next_cursor = list_traces(request.app.state.deps.store, window, limit, cursor)
    return {"traces": [json_row(t) for t in traces], "next_cursor": next_cursor}


@router.get("/v1/traces/{trace_id}", summary="One trace as a span tree")
def get_trace(request: Request, trace_id: str, project: str | None = None) -> dict[str, Any]:
    store = request.app.state.deps.store
    spans = [json_row(s) for s in trace_spans(store, trace_id, project)]
    if not spans:
        raise NotFound(f"trace {trace_id!r} not found")
    scores = scores_by_span(store, trace_id, project)
    for span in spans:
        span["scores"] = {name: json_row(score) for name, score in scores.get(span["span_id"], {}).items()}
    return {
        "trace_id": trace_id,
        "span_count": len(spans),
        "start_time": min(s["start_time"] for s in spans),
        "end_time": max(s["end_time"] for s in spans),
        "total_tokens": sum(s["total_tokens"] for s in spans),
        "cost": sum(s["cost"] for s in spans),
        "spans": build_tree(spans),
        "feedback": [json_row(s) for s in scores_of_trace(store, trace_id, project)],  # scores from outside
    }
