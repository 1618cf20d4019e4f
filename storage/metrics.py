"""Named metric queries over the per-minute rollups: aligned time series, optionally grouped.

Span metrics read ``spans_1m``, evaluator metrics read ``evaluations_1m``; both are exact without
FINAL. Buckets start at multiples of the step (UTC epoch), so series from different calls line up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from spyglass.core.errors import InvalidInput
from spyglass.core.metric_names import CATALOGUE, parse_metric_name
from spyglass.core.time import parse_duration
from spyglass.storage.store import Store

# catalogue name (spyglass.core.metric_names) -> (SQL aggregate over a bucket's rollup rows, the value of
# a bucket with no rows). Every name the catalogue marks ``series`` is here (tests/unit/test_metric_names.py).
_Q = "quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms)"
SPAN_METRICS: dict[str, tuple[str, float | None]] = {
    "requests": ("sum(spans)", 0.0),
    "request_rate": ("sum(spans) / ({step:UInt32} / 60)", 0.0),
    "errors": ("sum(errors)", 0.0),
    "error_rate": ("sum(errors) / sum(spans)", None),
    "latency_p50": (f"{_Q}[1]", None),
    "latency_p90": (f"{_Q}[2]", None),
    "latency_p95": (f"{_Q}[3]", None),
    "latency_p99": (f"{_Q}[4]", None),
    "tokens": ("sum(total_tokens)", 0.0),
    # cache_* are parts of prompt tokens (read from / written to the provider's cache), reasoning of completion
    **{name: (f"sum({name})", 0.0) for name in ("prompt_tokens", "completion_tokens", "cache_read_tokens",
                                                "cache_write_tokens", "reasoning_tokens", "cost")},
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
    "flagged": ("sum(flagged_weighted)", 0.0),
    "score_mean": ("if(sum(scored) = 0, nan, sum(score_sum) / sum(scored))", None),
}
FEEDBACK_METRICS: dict[str, tuple[str, float | None]] = {
    "feedback_negative_rate": ("if(sum(valued) = 0, nan, sum(negative) / sum(valued))", None),
    "feedback_mean": ("if(sum(valued) = 0, nan, sum(value_sum) / sum(valued))", None),
    "feedback_count": ("sum(scores)", 0.0),
}
# source -> (rollup table, the column the name after the colon selects, aggregates)
_SOURCES = {"spans": ("spans_1m", "", SPAN_METRICS), "evaluations": ("evaluations_1m", "evaluator", EVALUATOR_METRICS),
            "scores": ("scores_1m", "name", FEEDBACK_METRICS)}
GROUP_COLUMNS = ("service", "model", "environment")
MAX_POINTS = 11_000


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
    try:
        seconds = parse_duration(text, "step")
    except InvalidInput:
        seconds = 0.0
    if seconds < 60 or seconds % 60:
        raise InvalidInput(f"step {text!r} must be a whole number of minutes, like 60s, 5m, 1h or 1d")
    return int(seconds)


def parse_metric(metric: str) -> tuple[str, str, str, str, float | None]:
    """``metric`` -> (table, aggregate SQL, subject column, subject, empty-bucket value).

    Names from the catalogue that are served as series; InvalidInput names the choices.
    """
    name = parse_metric_name(metric)
    if name.metric.source not in _SOURCES:
        raise InvalidInput(f"{name.text} is alertable but not a time series here; choose one of {series_help()}")
    table, column, aggregates = _SOURCES[name.metric.source]
    aggregate, empty = aggregates[name.metric.name]
    return table, aggregate, column, name.subject, empty


def series_help() -> str:
    """The names ``GET /v1/metrics`` serves."""
    return ", ".join(f"{m.name}:<{m.subject}>" if m.subject else m.name for m in CATALOGUE.values() if m.series)


def parse_group_by(text: str | None) -> tuple[str, ...]:
    """Comma-separated grouping columns, each one of service, model, environment."""
    columns = tuple(c.strip() for c in (text or "").split(",") if c.strip())
    for column in columns:
        if column not in GROUP_COLUMNS:
            raise InvalidInput(f"cannot group by {column!r}; choose from {', '.join(GROUP_COLUMNS)}")
    return tuple(dict.fromkeys(columns))


def bucket_starts(start: float, end: float, step_s: int) -> list[int]:
    """Epoch seconds of every bucket overlapping [start, end), aligned to multiples of ``step_s``."""
    first = int(start // step_s) * step_s
    count = max(0, -(-int(end - first) // step_s))
    if count > MAX_POINTS:
        raise InvalidInput(f"{count} points is too many (at most {MAX_POINTS}): use a larger step or a shorter range")
    return [first + i * step_s for i in range(count)]


def metric_series(store: Store, query: MetricQuery) -> list[Series]:
    """One series per group, a point per aligned bucket (empty buckets: 0 for counts, None for rates)."""
    table, aggregate, column, subject, empty = parse_metric(query.metric)
    buckets = bucket_starts(query.start, query.end, query.step_s)
    if not buckets:
        return []
    keys = ", ".join(query.group_by)
    params: dict[str, Any] = {"project": query.project, "step": query.step_s, "start": buckets[0],
                              "end": query.end, "subject": subject}
    rows = store.rows(f"""
        SELECT toUnixTimestamp(toStartOfInterval(minute, INTERVAL {{step:UInt32}} SECOND)) AS bucket,
               {keys + ',' if keys else ''} toFloat64({aggregate}) AS value
        FROM {table}
        WHERE project = {{project:String}}
          AND minute >= toDateTime({{start:Int64}}) AND minute < toDateTime({{end:Float64}})
          {f'AND {column} = {{subject:String}}' if column else ''}
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
