"""GET /v1/bias: segment disparity of a project's traffic now (identity groups, configured segments)."""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi import APIRouter, Query, Request

from spyglass.api.params import query_time
from spyglass.bias.monitor import run_bias
from spyglass.core.errors import InvalidInput

router = APIRouter(tags=["bias"])


@router.get("/v1/bias", summary="Outcome disparity across segments (refusals, evaluator flags, negative feedback)")
def get_bias(request: Request, project: str = Query(..., min_length=1),
             start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 24 hours ago"),
             end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
             metadata: list[str] = Query([], description="metadata keys whose values are segments too"),
             alpha: float = Query(0.01, gt=0, lt=1, description="family-wise error rate (Holm)"),
             min_n: int = Query(30, ge=5, description="segments with fewer spans are not tested"),
             every: bool = Query(False, alias="all", description="every comparison, not only the disparate ones"),
             ) -> dict[str, Any]:
    now = time.time()
    lo, hi = query_time(start, "start", now - 86_400), query_time(end, "end", now + 60)
    if hi <= lo:
        raise InvalidInput("query parameter end must be after start")
    _, found = run_bias(request.app.state.deps.store, project, lo, hi, metadata, alpha, min_n, write=False)
    return {"project": project, "alpha": alpha, "rule": "Holm-corrected p < alpha and adverse-rate ratio > 1.25 (four-fifths rule)",
            "comparisons": [_public(c) for c in found if every or c.disparate], "tested": len(found)}


def _public(c: Any) -> dict[str, Any]:
    ratio = c.rate_ratio
    return {"dimension": c.dimension, "segment": c.segment, "outcome": c.outcome, "segment_n": c.segment_n,
            "rest_n": c.rest_n, "segment_rate": c.segment_rate, "rest_rate": c.rest_rate,
            "rate_ratio": ratio if math.isfinite(ratio) else None, "p_value": c.p_value,
            "p_adjusted": c.p_adjusted, "disparate": c.disparate}
