"""GET /v1/drift (drift report rows, newest first) and PUT/DELETE/GET /v1/drift/baseline (pinned references)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from spyglass.api.auth import require_project
from spyglass.api.params import query_time
from spyglass.api.serialize import json_row
from spyglass.core.errors import InvalidInput, NotFound
from spyglass.storage.drift import (ALL_MODELS, DriftReportFilter, baselines, clear_baseline, list_drift_reports,
                                    set_baseline)

router = APIRouter(tags=["drift"])



@router.get("/v1/drift", summary="Drift report rows, newest first")
def get_drift(request: Request,
              start: str | None = Query(None, description="current window end at or after; RFC 3339 or epoch s; "
                                                          "default 7 days ago"),
              end: str | None = Query(None, description="current window end before; default now"),
              project: str | None = None, service: str | None = None,
              model: str | None = Query(None, description="a model, or * for the service-wide model mix"),
              feature: str | None = Query(None, description="e.g. prompt_embedding, latency_ms, score:toxicity"),
              drifted: bool | None = None, run_id: str | None = None,
              limit: int = Query(100, ge=1, le=5000)) -> dict[str, Any]:
    now = time.time()
    where = DriftReportFilter(start=query_time(start, "start", now - 7 * 86_400), end=query_time(end, "end", now + 60),
                              project=project, service=service, model=model, feature=feature, drifted=drifted,
                              run_id=run_id)
    if where.end <= where.start:
        raise InvalidInput("query parameter end must be after start")
    rows = list_drift_reports(request.app.state.deps.store, where, limit)
    return {"reports": [json_row(r) for r in rows]}


class Baseline(BaseModel):
    """A reference window to pin for a project/service/model ('*': every model of the service)."""

    project: str = Field(min_length=1)
    service: str = Field(min_length=1)
    model: str = ALL_MODELS
    reference_start: str | float = Field(description="RFC 3339 or epoch seconds")
    reference_end: str | float = Field(description="RFC 3339 or epoch seconds")


@router.put("/v1/drift/baseline", summary="Pin a reference window for drift runs")
def put_baseline(request: Request, baseline: Baseline) -> dict[str, Any]:
    require_project(request, baseline.project)
    start = query_time(baseline.reference_start, "reference_start", 0.0)
    end = query_time(baseline.reference_end, "reference_end", 0.0)
    if end <= start:
        raise InvalidInput("reference_end must be after reference_start")
    store = request.app.state.deps.store
    set_baseline(store, baseline.project, baseline.service, baseline.model, start, end)
    pinned = [b for b in baselines(store, baseline.project)
              if (b["service"], b["model"]) == (baseline.service, baseline.model)]
    return {"baseline": json_row(pinned[0])}


@router.delete("/v1/drift/baseline", summary="Unpin a reference window (back to the trailing window)")
def delete_baseline(request: Request, project: str, service: str, model: str = ALL_MODELS) -> dict[str, Any]:
    if not clear_baseline(request.app.state.deps.store, project, service, model):
        raise NotFound(f"no baseline pinned for {project}/{service}/{model}")
    return {"deleted": True}


@router.get("/v1/drift/baseline", summary="Pinned reference windows")
def get_baselines(request: Request, project: str | None = None) -> dict[str, Any]:
    return {"baselines": [json_row(b) for b in baselines(request.app.state.deps.store, project)]}
