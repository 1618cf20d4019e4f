"""A reviewer labels an evaluator's verdict right or wrong from the trace page (as ``POST /v1/reviews``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.console.web import NotFound, current_user, form_data, redirect, state
from spyglass.storage.reviews import insert_label, verdict_of
from spyglass.storage.traces import trace_spans

router = APIRouter(include_in_schema=False)


@router.post("/traces/{trace_id}/review")
async def review(request: Request, trace_id: str) -> Response:
    user = current_user(request)
    form = await form_data(request, user)
    store = state(request).deps.store
    span_id, evaluator = form.get("span_id", ""), form.get("evaluator", "")
    spans = [s for s in trace_spans(store, trace_id, None if user.operator else user.key.project)
             if s["span_id"] == span_id]
    if not spans:
        raise NotFound(f"span {span_id} of trace {trace_id} not found")
    project = spans[0]["project"]
    user.allow("POST", "/v1/reviews", project)
    verdict = verdict_of(store, project, span_id, evaluator)
    if verdict is None:
        raise NotFound(f"no {evaluator} verdict on span {span_id}")
    insert_label(store, project, span_id, evaluator, verdict, form.get("correct") == "true",
                 f"console: {user.key.name or user.key.key_id}", form.get("comment", "")[:2000])
    request.state.audit = {"project": project, "target": span_id}
    return redirect(f"/traces/{quote(trace_id)}?span={quote(span_id)}&reviewed={quote(evaluator)}#detail")
