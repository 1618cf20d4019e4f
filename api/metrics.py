"""GET /v1/metrics: time series from the per-minute rollups, aligned to the step, optionally grouped."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request

from spyglass.api.params import query_time
from spyglass.core.errors import InvalidInput
from spyglass.core.time import iso
from spyglass.storage.metrics import (MetricQuery, metric_series, parse_group_by, parse_metric, parse_step,
                                      series_help)

router = APIRouter(tags=["metrics"])



@router.get("/v1/metrics", summary="A metric as time series from the rollups")
def get_metrics(request: Request,
                project: str = Query(..., min_length=1, max_length=256, description="the caller's project"),
                metric: str = Query(..., description=f"a name of the metric catalogue (docs/metrics.md): "
                                    f"{series_help()}"),
                start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 1 hour before end"),
                end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
                step: str = Query("60s", description="bucket width: 60s, 5m, 1h, 1d (whole minutes)"),
                group_by: str | None = Query(None, description="comma-separated: service, model, environment"),
                ) -> dict[str, Any]:
    until = query_time(end, "end", time.time())
    since = query_time(start, "start", until - 3600)
    if until <= since:
        raise InvalidInput("query parameter end must be after start")
    parse_metric(metric)  # these raise InvalidInput (400) naming the choices
    query = MetricQuery(project=project, metric=metric, start=since, end=until, step_s=parse_step(step),
                        group_by=parse_group_by(group_by))
    series = metric_series(request.app.state.deps.store, query)
    return {"project": project, "metric": metric, "step_s": query.step_s, "group_by": list(query.group_by),
            "series": [{"group": s.group, "points": [{"time": iso(t), "value": v} for t, v in s.points]}
                       for s in series]}


@router.get("/v1/evaluators/lag", summary="The evaluators' lag and the share of spans they score")
def get_evaluator_lag() -> dict[str, Any]:
    """Live figures of the evaluators in this process (the embedded stack); nulls where they run elsewhere
    (read ``spyglass_evaluator_lag_seconds`` from their metrics port, or ``scored_share:<evaluator>`` here)."""
    from spyglass.telemetry.consumer import evaluator_status

    return evaluator_status()
