"""Alertable metrics and the SQL that reads them from the per-minute rollups and drift reports.

Pure builders: each returns (sql, parameters) for ``Store.rows``; values are bound, never
formatted in. Every query yields rows of the group columns plus ``samples`` and ``value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from spyglass.core.metric_names import parse_metric_name

DIMENSIONS = ("project", "service", "model", "environment")
DRIFT_DIMENSIONS = ("project", "service", "model", "feature")
BIAS_DIMENSIONS = ("project", "dimension", "segment", "outcome")  # bias_reports (spyglass.bias)
AGREEMENT_DIMENSIONS = ("project", "version")
_QUANTILES = {"latency_p50": 1, "latency_p90": 2, "latency_p95": 3, "latency_p99": 4}
# catalogue name (spyglass.core.metric_names) -> SQL over the window's rollup rows
SPAN_VALUES = {
    **{name: f"quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms)[{i}]" for name, i in _QUANTILES.items()},
    "requests": "sum(spans)",
    "request_rate": "sum(spans) / {minutes:Float64}",
    "errors": "sum(errors)",
    "error_rate": "sum(errors) / sum(spans)",
    "tokens": "sum(total_tokens)",
    **{name: f"sum({name})" for name in ("prompt_tokens", "completion_tokens", "cache_read_tokens",
                                         "cache_write_tokens", "reasoning_tokens", "cost")},
}
# (value, samples); weighted sums: unbiased estimates also where the evaluators sampled (the sample
# size is what they scored)
EVAL_VALUES = {"flag_rate": ("sum(flagged_weighted) / sum(weighted)", "sum(evaluated)"),
               "score_mean": ("sum(score_sum) / sum(scored)", "sum(scored)"),
               "flagged": ("sum(flagged_weighted)", "sum(evaluated)"),
               "flag_rate_ci95": ("1.96 * sqrt(greatest((1 - 2 * sum(flagged_weighted) / sum(weighted)) * sum(flagged_w2)"
                                  " + pow(sum(flagged_weighted) / sum(weighted), 2) * sum(weighted_w2), 0))"
                                  " / sum(weighted)", "sum(evaluated)"),
               "scored_share": ("least(sum(evaluated) / sum(weighted), 1)", "sum(weighted)"),
               "sample_size": ("sum(evaluated)", "sum(evaluated)")}
# scores from outside (issue 16): share of negative (thumbs-down) scores, mean value, count
FEEDBACK_VALUES = {"feedback_negative_rate": ("sum(negative) / sum(valued)", "sum(valued)"),
                   "feedback_mean": ("sum(value_sum) / sum(valued)", "sum(valued)"),
                   "feedback_count": ("sum(scores)", "sum(scores)")}
# reviewers' labels (review_labels): agreement of an evaluator with reviewers over the window
_TP, _FP = "countIf(flagged AND correct)", "countIf(flagged AND NOT correct)"
_FN, _TN = "countIf(NOT flagged AND NOT correct)", "countIf(NOT flagged AND correct)"
_PE = f"(({_TP} + {_FP}) * ({_TP} + {_FN}) + ({_FN} + {_TN}) * ({_FP} + {_TN})) / pow(count(), 2)"
AGREEMENT_VALUES = {"agreement_precision": f"{_TP} / ({_TP} + {_FP})", "agreement_recall": f"{_TP} / ({_TP} + {_FN})",
                    "agreement_kappa": f"(countIf(correct) / count() - {_PE}) / (1 - {_PE})"}
BIAS_VALUES = {"bias_disparate": "max(toFloat64(disparate))", "bias_rate_ratio": "max(rate_ratio)"}
DRIFT_VALUES = {"drift_effect_size": "max(effect_size)", "drift_drifted": "max(toFloat64(drifted))"}


@dataclass(frozen=True)
class MetricSpec:
    """A parsed metric name: which table it reads and what it computes.

    ``text`` is the catalogue's name, ``stat`` the catalogue entry, ``evaluator`` the evaluator's
    or score's name after the colon.
    """

    text: str
    source: str  # spans | evaluations | scores | agreement | bias | drift
    stat: str
    evaluator: str = ""
    summed: bool = False  # a sum over the window (see spyglass.core.metric_names.Metric.summed)

    @property
    def dimensions(self) -> tuple[str, ...]:
        if self.source == "bias":
            return BIAS_DIMENSIONS
        if self.source == "agreement":
            return AGREEMENT_DIMENSIONS
        return DRIFT_DIMENSIONS if self.source == "drift" else DIMENSIONS


def parse_metric(text: str) -> MetricSpec:
    """``latency_p95``, ``flag_rate:toxicity``, ``drift_effect_size``... (see the metric catalogue).

    Old names (``evaluator:toxicity:flag_rate``) are read with a deprecation warning; raises
    InvalidInput with the list of known metrics.
    """
    name = parse_metric_name(text)
    return MetricSpec(name.text, name.metric.source, name.metric.name, name.subject, name.metric.summed)


def _filters(filters: Mapping[str, Sequence[str]], params: dict[str, Any]) -> list[str]:
    clauses = []
    for dim, values in sorted(filters.items()):
        params[f"f_{dim}"] = list(values)
        clauses.append(f"{dim} IN {{f_{dim}:Array(String)}}")
    return clauses


def metric_query(metric: MetricSpec, filters: Mapping[str, Sequence[str]], group_by: Sequence[str],
                 start_s: float, end_s: float, per_minute: bool = False) -> tuple[str, dict[str, Any]]:
    """Aggregate ``metric`` per group over [start_s, end_s] (epoch seconds).

    Rollups are per minute, so the window starts at the minute holding ``start_s`` and includes
    the current, partial minute. ``per_minute`` adds a ``minute`` column (for baselines).
    """
    params: dict[str, Any] = {"start": int(start_s), "end": int(end_s),
                              "minutes": max((end_s - start_s) / 60.0, 1.0)}
    keys = list(group_by)
    if metric.source == "agreement":  # labels given in the window, FINAL: a changed mind counts once
        table = "review_labels FINAL"
        value, samples = AGREEMENT_VALUES[metric.stat], "count()"
        # the end second included whole: a label given a moment ago counts at once
        where = ["labelled_at >= fromUnixTimestamp({start:UInt32})",
                 "labelled_at < fromUnixTimestamp({end:UInt32}) + 1", "evaluator = {evaluator:String}"]
        params["evaluator"] = metric.evaluator
        bucket = "toStartOfMinute(labelled_at)"
    elif metric.source in ("drift", "bias"):
        table = f"{metric.source}_reports"
        value, samples = (DRIFT_VALUES if metric.source == "drift" else BIAS_VALUES)[metric.stat], "count()"
        where = ["computed_at >= fromUnixTimestamp({start:UInt32})", "computed_at <= fromUnixTimestamp({end:UInt32})"]
        bucket = "toStartOfMinute(computed_at)"
    else:
        where = ["minute >= toStartOfMinute(fromUnixTimestamp({start:UInt32}))",
                 "minute <= fromUnixTimestamp({end:UInt32})"]
        bucket = "minute"
        if metric.source == "spans":
            table, value, samples = "spans_1m", SPAN_VALUES[metric.stat], "sum(spans)"
            if per_minute:
                value = value.replace("{minutes:Float64}", "1")
        elif metric.source == "scores":  # MetricSpec.evaluator holds the score's name
            table, (value, samples) = "scores_1m", FEEDBACK_VALUES[metric.stat]
            where.append("name = {evaluator:String}")
            params["evaluator"] = metric.evaluator
        else:
            table, (value, samples) = "evaluations_1m", EVAL_VALUES[metric.stat]
            where.append("evaluator = {evaluator:String}")
            params["evaluator"] = metric.evaluator
    where += _filters(filters, params)
    columns = [*keys, f"{bucket} AS minute"] if per_minute else keys
    group = [*keys, "minute"] if per_minute else keys
    sql = (f"SELECT {', '.join([*columns, f'toUInt64({samples}) AS samples', f'toFloat64({value}) AS value'])} "
           f"FROM {table} WHERE {' AND '.join(where)}")
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    return sql, params
