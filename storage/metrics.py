"""Named metric queries over the per-minute rollups: aligned time series, optionally grouped.

Span metrics read ``spans_1m``, evaluator metrics read ``evaluations_1m``; both are exact without
FINAL. Buckets start at multiples of the step (UTC epoch), so series from different calls line up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from spyglass.storage.store import Store

# metric -> (SQL aggregate over a bucket's rollup rows, the value of a bucket with no rows)
SPAN_METRICS: dict[str, tuple[str, float | None]] = {
    "requests": ("sum(spans)", 0.0),
    "errors": ("sum(errors)", 0.0),
    "error_rate": ("sum(errors) / sum(spans)", None),
    "latency_p50": ("quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms)[1]", None),
    "latency_p95": ("quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms)[3]", None),
    "latency_p99": ("quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms)[4]", None),
    "tokens": ("sum(total_tokens)", 0.0),
    "prompt_tokens": ("sum(prompt_tokens)", 0.0),
    "completion_tokens": ("sum(completion_tokens)", 0.0),
    # parts of the two above: prompt tokens read from / written to the provider's cache, reasoning tokens
    "cache_read_tokens": ("sum(cache_read_tokens)", 0.0),
    "cache_write_tokens": ("sum(cache_write_tokens)", 0.0),
    "reasoning_tokens": ("sum(reasoning_tokens)", 0.0),
    "cost": ("sum(cost)", 0.0),
}
_RATE = "sum(flagged_weighted) / sum(weighted)"
EVALUATOR_METRICS: dict[str, tuple[str, float | None]] = {
    # weighted: an unbiased estimate also where the evaluators sampled (migration 0014); exact otherwise
    "flag_rate": (f"if(sum(weighted) = 0, nan, {_RATE})", None),
    # half-width of the flag rate's 95 % interval (Horvitz-Thompson variance; 0 when all were scored)
    "flag_rate_ci95": (f"if(sum(weighted) = 0, nan, 1.96 * sqrt(greatest((1 - 2 * {_RATE}) * sum(flagged_w2) "
                       f"+ pow({_RATE}, 2) * sum(weighted_w2), 0)) / sum(weighted))", None),
    "scored_share": ("if(sum(weighted) = 0, nan, least(sum(evaluated) / sum(weighted), 1))", None),
    "sample_size": ("sum(evaluated)", 0.0),  # spans the evaluator actually scored
    "score_mean": ("if(sum(scored) = 0, nan, sum(score_sum) / sum(scored))", None),
}
GROUP_COLUMNS = ("service", "model", "environment")
MAX_POINTS = 11_000
_STEP = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_EVALUATOR = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class MetricQuery:
    """One series request: ``metric`` as in ``parse_metric``, times in epoch seconds, step in seconds."""

    project: str
    metric: str
    start: float
    end: float
    step_s: int = 60
    group_by: tuple[str, ...] = ()


@dataclass
class Series:
    """Points of one group: ``group`` maps each grouping column to its value."""

    group: dict[str, str]
    points: list[tuple[datetime, float | None]] = field(default_factory=list)


def parse_step(text: str) -> int:
    """``60s``, ``5m``, ``1h``, ``1d`` (or plain seconds) -> seconds; a multiple of the 60 s rollup."""
    match = _STEP.match(text.strip()) if not text.strip().isdigit() else None
    seconds = int(text) if text.strip().isdigit() else (int(match.group(1)) * _UNITS[match.group(2)] if match else 0)
    if seconds < 60 or seconds % 60:
        raise ValueError(f"step {text!r} must be a whole number of minutes, like 60s, 5m, 1h or 1d")
    return seconds


def parse_metric(metric: str) -> tuple[str, str, str | None, float | None]:
    """``metric`` -> (table, aggregate SQL, evaluator or None, empty-bucket value); ValueError names the choices."""
    name, _, evaluator = metric.partition(":")
    if name in SPAN_METRICS and not evaluator:
        return "spans_1m", SPAN_METRICS[name][0], None, SPAN_METRICS[name][1]
    if name in EVALUATOR_METRICS and _EVALUATOR.match(evaluator):
        return ("evaluations_1m", EVALUATOR_METRICS[name][0], evaluator, EVALUATOR_METRICS[name][1])
    choices = ", ".join([*SPAN_METRICS, *(f"{m}:<evaluator>" for m in EVALUATOR_METRICS)])
    raise ValueError(f"unknown metric {metric!r}; choose one of {choices}")


def parse_group_by(text: str | None) -> tuple[str, ...]:
    """Comma-separated grouping columns, each one of service, model, environment."""
    columns = tuple(c.strip() for c in (text or "").split(",") if c.strip())
    for column in columns:
        if column not in GROUP_COLUMNS:
            raise ValueError(f"cannot group by {column!r}; choose from {', '.join(GROUP_COLUMNS)}")
    return tuple(dict.fromkeys(columns))


def bucket_starts(start: float, end: float, step_s: int) -> list[int]:
    """Epoch seconds of every bucket overlapping [start, end), aligned to multiples of ``step_s``."""
    first = int(start // step_s) * step_s
    count = max(0, -(-int(end - first) // step_s))
    if count > MAX_POINTS:
        raise ValueError(f"{count} points is too many (at most {MAX_POINTS}): use a larger step or a shorter range")
    return [first + i * step_s for i in range(count)]


def metric_series(store: Store, query: MetricQuery) -> list[Series]:
    """One series per group, a point per aligned bucket (empty buckets: 0 for counts, None for rates)."""
    table, aggregate, evaluator, empty = parse_metric(query.metric)
    buckets = bucket_starts(query.start, query.end, query.step_s)
    if not buckets:
        return []
    keys = ", ".join(query.group_by)
    params: dict[str, Any] = {"project": query.project, "step": query.step_s, "start": buckets[0],
                              "end": query.end, "evaluator": evaluator or ""}
    rows = store.rows(f"""
        SELECT toUnixTimestamp(toStartOfInterval(minute, INTERVAL {{step:UInt32}} SECOND)) AS bucket,
               {keys + ',' if keys else ''} toFloat64({aggregate}) AS value
        FROM {table}
        WHERE project = {{project:String}}
          AND minute >= toDateTime({{start:Int64}}) AND minute < toDateTime({{end:Float64}})
          {'AND evaluator = {evaluator:String}' if evaluator else ''}
        GROUP BY bucket{', ' + keys if keys else ''}
        ORDER BY bucket""", params)
    by_group: dict[tuple[str, ...], dict[int, float | None]] = {}
    for row in rows:
        value = row["value"]
        group = tuple(row[c] for c in query.group_by)
        by_group.setdefault(group, {})[row["bucket"]] = None if value != value else value  # NaN -> None
    if not by_group and not query.group_by:
        by_group[()] = {}
    return [Series(dict(zip(query.group_by, group)),
                   [(datetime.fromtimestamp(b, timezone.utc), values.get(b, empty)) for b in buckets])
            for group, values in sorted(by_group.items())]


def scored_shares(store: Store, project: str, since: float) -> dict[str, tuple[int, float]]:
    """Per evaluator since ``since``: (spans scored, share of spans scored); share < 1 where it sampled."""
    rows = store.rows("SELECT evaluator, sum(evaluated) AS n, sum(weighted) AS w FROM evaluations_1m "
                      "WHERE project = {p:String} AND minute >= toStartOfMinute(toDateTime({s:Float64})) "
                      "GROUP BY evaluator ORDER BY evaluator", parameters={"p": project, "s": since})
    return {row["evaluator"]: (int(row["n"]), min(row["n"] / row["w"], 1.0) if row["w"] else 1.0) for row in rows}
