"""Reviewers' labels (POST /v1/reviews) and evaluator agreement (GET /v1/evaluators/agreement)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from spyglass.api.auth import forced_project, require_project
from spyglass.api.params import query_time
from spyglass.core.errors import InvalidRecord, NotFound
from spyglass.evaluators.agreement import Confusion, agreement
from spyglass.storage.reviews import confusion_counts, insert_label, verdict_of

router = APIRouter(tags=["reviews"])


class ReviewLabel(BaseModel):
    """A reviewer's verdict on one evaluator's verdict on one span."""

    project: str | None = Field(None, description="default: the key's project")
    span_id: str = Field(min_length=1, max_length=128)
    evaluator: str = Field(min_length=1, max_length=64)
    correct: bool = Field(description="true: the evaluator's flag (or absence of one) was right")
    reviewer: str = Field("", max_length=200)
    comment: str = Field("", max_length=2_000)


@router.post("/v1/reviews", status_code=201, summary="Label an evaluator's verdict on a span right or wrong")
def post_review(request: Request, body: ReviewLabel) -> dict[str, Any]:
    project = body.project or forced_project(request)
    if not project:
        raise InvalidRecord("project is required (an operator key names it)")
    require_project(request, project)
    store = request.app.state.deps.store
    verdict = verdict_of(store, project, body.span_id, body.evaluator)
    if verdict is None:
        raise NotFound(f"no {body.evaluator!r} verdict on span {body.span_id!r} in project {project!r}")
    insert_label(store, project, body.span_id, body.evaluator, verdict, body.correct, body.reviewer, body.comment)
    request.state.audit = {"project": project, "target": body.span_id}
    return {"project": project, "span_id": body.span_id, "evaluator": body.evaluator, "version": verdict["version"],
            "flagged": bool(verdict["flagged"]), "correct": body.correct}


@router.get("/v1/evaluators/agreement", summary="Per evaluator and version: precision, recall, Cohen's kappa "
                                                 "against reviewers' labels, with 95% intervals and n")
def get_agreement(request: Request, project: str = Query(..., min_length=1),
                  start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 30 days ago"),
                  end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
                  evaluator: str | None = None) -> dict[str, Any]:
    now = time.time()
    lo, hi = query_time(start, "start", now - 30 * 86_400), query_time(end, "end", now + 60)
    rows = confusion_counts(request.app.state.deps.store, project, lo, hi, evaluator)
    return {"project": project, "evaluators": [
        {"evaluator": r["evaluator"], "version": r["version"],
         **agreement(Confusion(int(r["tp"]), int(r["fp"]), int(r["fn"]), int(r["tn"])))} for r in rows]}
