"""Bias: the latest pass's segment comparisons of a project (disparity, significance, effect size)."""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.bias.compare import ADVERSE
from spyglass.console.web import current_user, page_project, recent_projects, render, state
from spyglass.storage.bias import disparate_history, latest_bias_run

router = APIRouter(include_in_schema=False)
WEEK_S = 7 * 86_400
UNITS = {"completion_length": "chars", "latency_ms": "ms"}


def bar_widths(segment: float, rest: float, width: float = 120.0) -> tuple[float, float]:
    """Widths (px) of the segment's and the rest's bars, the larger of the two at ``width`` (pure)."""
    top = max(segment, rest)
    if not top or not math.isfinite(top):
        return 0.0, 0.0
    return round(segment / top * width, 1), round(rest / top * width, 1)


def shown(row: dict[str, Any]) -> dict[str, Any]:
    """A report row as the table shows it: measured outcomes as means with units, rates as percentages."""
    measured = row["outcome"] in ADVERSE
    ratio = row["rate_ratio"]
    return {**row, "measured": measured, "unit": UNITS.get(row["outcome"], ""),
            "ratio": ratio if ratio < 1e9 else None,  # None: the rest never had the outcome
            "worse": "shorter" if ADVERSE.get(row["outcome"]) == "lower" else "higher",
            "bars": bar_widths(row["segment_rate"], row["rest_rate"])}


@router.get("/bias")
def bias(request: Request) -> Response:
    user = current_user(request)
    project = page_project(request, user)
    user.allow("GET", "/v1/bias", project)
    store, now = state(request).deps.store, time.time()
    rows = [shown(r) for r in latest_bias_run(store, project, now - WEEK_S)]
    history = disparate_history(store, project, now - WEEK_S)
    projects = recent_projects(request) if user.operator else [project]
    return render(request, "bias.html", user=user, project=project, projects=projects or [project], nav="bias",
                  rows=rows, disparate=[r for r in rows if r["disparate"]], history=history)
