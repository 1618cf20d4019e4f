"""The catalogue of metrics Spyglass computes over your LLM traffic: one name per metric.

Alert rules (``spyglass.alerts``), ``GET /v1/metrics`` (``spyglass.storage.metrics``), the
Grafana dashboards and the docs all use these names. A metric about one evaluator or score
names it after a colon: ``flag_rate:toxicity``, ``feedback_mean:thumbs_up``.

Not to be confused with ``spyglass.telemetry``: the ``spyglass_*`` Prometheus metrics of
Spyglass's own processes (ingest lag, HTTP latency, ...).

Names used before the catalogue (``evaluator:toxicity:flag_rate``, ``pii_leaks``, ...) are still
read, with a warning logged once per name; ``DEPRECATED`` lists them.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from spyglass.core.errors import InvalidInput

log = logging.getLogger("spyglass.metrics")


@dataclass(frozen=True)
class Metric:
    """One metric: its name, the rollup or report it reads, its unit, and what it names after a colon."""

    name: str
    source: str  # spans | evaluations | scores | agreement | bias | drift
    unit: str
    help: str
    subject: str = ""  # "" | "evaluator" | "score": the part after the colon
    series: bool = True  # served as time series by GET /v1/metrics (per-minute rollups)
    summed: bool = False  # a sum over the window: grows with the window's length (counts, tokens, cost)


_SPANS = [
    Metric("requests", "spans", "spans", "spans received", summed=True),
    Metric("request_rate", "spans", "spans/min", "spans per minute"),
    Metric("errors", "spans", "spans", "spans with status error", summed=True),
    Metric("error_rate", "spans", "ratio", "errors / requests"),
    *(Metric(f"latency_p{q}", "spans", "ms", f"{q}th percentile of span latency") for q in (50, 90, 95, 99)),
    Metric("tokens", "spans", "tokens", "prompt + completion tokens", summed=True),
    Metric("prompt_tokens", "spans", "tokens", "prompt tokens", summed=True),
    Metric("completion_tokens", "spans", "tokens", "completion tokens", summed=True),
    Metric("cache_read_tokens", "spans", "tokens", "prompt tokens read from the provider's cache", summed=True),
    Metric("cache_write_tokens", "spans", "tokens", "prompt tokens written to the provider's cache", summed=True),
    Metric("reasoning_tokens", "spans", "tokens", "reasoning tokens (part of completion tokens)", summed=True),
    Metric("cost", "spans", "USD", "cost of the spans", summed=True),
]
_EVALUATIONS = [
    Metric("flag_rate", "evaluations", "ratio", "share of evaluated spans the evaluator flagged", "evaluator"),
    Metric("flagged", "evaluations", "spans", "spans the evaluator flagged", "evaluator", summed=True),
    Metric("score_mean", "evaluations", "score", "mean score of the evaluator", "evaluator"),
    # where the evaluators fell behind and scored a weighted sample (evaluators/sampling.py)
    Metric("flag_rate_ci95", "evaluations", "ratio", "half-width of the flag rate's 95 % interval (0: all scored)",
           "evaluator"),
    Metric("scored_share", "evaluations", "ratio", "share of spans the evaluator scored", "evaluator"),
    Metric("sample_size", "evaluations", "spans", "spans the evaluator scored", "evaluator", summed=True),
]
# scores from outside (users' feedback, reviewers, the app's own checks), by score name
_FEEDBACK = [
    Metric("feedback_negative_rate", "scores", "ratio", "share of negative (thumbs-down) scores", "score"),
    Metric("feedback_mean", "scores", "value", "mean value of the score", "score"),
    Metric("feedback_count", "scores", "scores", "scores received", "score", summed=True),
]
# reviewers' labels against an evaluator's verdicts; bias and drift reports: alerts only
_REPORTS = [
    *(Metric(f"agreement_{stat}", "agreement", "ratio", f"{stat} of the evaluator against reviewers' labels",
             "evaluator", series=False) for stat in ("precision", "recall", "kappa")),
    Metric("bias_disparate", "bias", "0/1", "1 when a segment is treated worse than the others", series=False),
    Metric("bias_rate_ratio", "bias", "ratio", "worst segment's rate over the others'", series=False),
    Metric("drift_effect_size", "drift", "effect size", "largest drift effect size in the window", series=False),
    Metric("drift_drifted", "drift", "0/1", "1 when a feature drifted in the window", series=False),
]
CATALOGUE: dict[str, Metric] = {m.name: m for m in (*_SPANS, *_EVALUATIONS, *_FEEDBACK, *_REPORTS)}

# Names from before the catalogue -> today's. ``<x>`` stands for the evaluator or score name.
DEPRECATED: dict[str, str] = {
    "pii_leaks": "flagged:pii",
    "evaluator:<x>:flag_rate": "flag_rate:<x>", "evaluator:<x>:mean": "score_mean:<x>",
    "evaluator:<x>:flagged": "flagged:<x>",
    "score:<x>:negative_rate": "feedback_negative_rate:<x>", "score:<x>:mean": "feedback_mean:<x>",
    "score:<x>:count": "feedback_count:<x>",
    **{f"agreement:<x>:{s}": f"agreement_{s}:<x>" for s in ("precision", "recall", "kappa")},
    "bias:disparate": "bias_disparate", "bias:rate_ratio": "bias_rate_ratio",
    "drift:effect_size": "drift_effect_size", "drift:drifted": "drift_drifted",
}
_SUBJECT = re.compile(r"^[^:\s]{1,128}$")  # bound as a parameter, never formatted into SQL
_warned: set[str] = set()
_warned_lock = threading.Lock()


@dataclass(frozen=True)
class MetricName:
    """A parsed name: the catalogue entry and its evaluator or score name ("" when it takes none)."""

    metric: Metric
    subject: str = ""

    @property
    def text(self) -> str:
        """The name as the catalogue writes it: ``latency_p95``, ``flag_rate:toxicity``."""
        return f"{self.metric.name}:{self.subject}" if self.subject else self.metric.name


def help_text() -> str:
    """Every name, for error messages and docs: ``requests, ..., flag_rate:<evaluator>, ...``."""
    return ", ".join(f"{m.name}:<{m.subject}>" if m.subject else m.name for m in CATALOGUE.values())


def renamed(text: str) -> str | None:
    """Today's name of a pre-catalogue name, or None when ``text`` is not one."""
    if text in DEPRECATED:
        return DEPRECATED[text]
    parts = text.split(":")
    if len(parts) == 3 and parts[1]:
        new = DEPRECATED.get(f"{parts[0]}:<x>:{parts[2]}")
        return new.replace("<x>", parts[1]) if new else None
    return None


def parse_metric_name(text: str) -> MetricName:
    """``text`` as a catalogue name; a pre-catalogue name is read with a warning logged once.

    Raises ``InvalidInput`` naming every metric when ``text`` is none of them.
    """
    text = text.strip()
    new = renamed(text)
    if new is not None:
        with _warned_lock:
            first = text not in _warned
            _warned.add(text)
        if first:
            log.warning("metric name %r is deprecated; use %r (see the metric catalogue in docs/metrics.md)", text, new)
        text = new
    name, colon, subject = text.partition(":")
    metric = CATALOGUE.get(name)
    if metric is not None and bool(metric.subject) == bool(colon) and (not colon or _SUBJECT.match(subject)):
        return MetricName(metric, subject)
    raise InvalidInput(f"unknown metric {text!r}; choose one of {help_text()}")
