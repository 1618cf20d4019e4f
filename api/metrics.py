"""GET /v1/metrics: time series from the per-minute rollups, aligned to the step, optionally grouped."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request

from spyglass.api.errors import bad_request
from spyglass.api.params import query_time
from spyglass.api.serialize import iso
from spyglass.storage.metrics import MetricQuery, metric_series, parse_group_by, parse_metric, parse_step

router = APIRouter(tags=["metrics"])



@router.get("/v1/metrics", summary="A metric as time series from the rollups")
def get_metrics(request: Request,
                project: str = Query(..., min_length=1, max_length=256, description="the caller's project"),
                metric: str = Query(..., description="requests, errors, error_rate, latency_p50, latency_p95, "
                                    "latency_p99, tokens, prompt_tokens, completion_tokens, cache_read_tokens, "
                                    "cache_write_tokens, reasoning_tokens, cost, flag_rate:<evaluator>, flag_rate_ci95:<evaluator>, "
                                    "scored_share:<evaluator>, sample_size:<evaluator>, "
                                    "score_mean:<evaluator>"),
                start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 1 hour before end"),
                end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
                step: str = Query("60s", description="bucket width: 60s, 5m, 1h, 1d (whole minutes)"),
                group_by: str | None = Query(None, description="comma-separated: service, model, environment"),
                ) -> dict[str, Any]:
    until = query_time(end, "end", time.time())
    since = query_time(start, "start", until - 3600)
    if until <= since:
        raise bad_request("query parameter end must be after start")
    try:
        parse_metric(metric)
        query = MetricQuery(project=project, metric=metric, start=since, end=until, step_s=parse_step(step),
                            group_by=parse_group_by(group_by))
        series = metric_series(request.app.state.deps.store, query)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return {"project": project, "metric": metric, "step_s": query.step_s, "group_by": list(query.group_by),
            "series": [{"group": s.group, "points": [{"time": iso(t), "value": v} for t, v in s.points]}
                       for s in series]}


@router.get("/v1/evaluators/lag", summary="The evaluators' lag and the share of spans they score")
def get_evaluator_lag() -> dict[str, Any]:
    """Live figures of the evaluators in this process (the embedded stack); nulls where they run elsewhere
    (read ``spyglass_evaluator_lag_seconds`` from their metrics port, or ``scored_share:<evaluator>`` here)."""
    from spyglass.telemetry.consumer import evaluator_status

    return evaluator_status()
