"""Alert rules: parsing and validating the YAML/JSON form into ``AlertRule`` (pure, no I/O)."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from spyglass.alerts.labels import label_problem
from spyglass.alerts.metrics import DIMENSIONS, MetricSpec, parse_metric
from spyglass.core.errors import InvalidInput, InvalidRecord
from spyglass.core.time import parse_duration as core_duration

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
COMPARISONS = {">": lambda v, t: v > t, ">=": lambda v, t: v >= t, "<": lambda v, t: v < t,
               "<=": lambda v, t: v <= t}
SEVERITIES = ("critical", "error", "warning", "info")
KINDS = ("threshold", "baseline")
DIRECTIONS = ("above", "below", "both")
_KEYS = {"id", "name", "description", "metric", "filters", "group_by", "window", "kind", "comparison", "threshold",
         "for", "severity", "labels", "channels", "min_samples", "renotify", "baseline", "z_threshold",
         "direction", "min_baseline_points", "enabled", "keep_firing_for"}


class RuleError(InvalidRecord):
    """A rule that cannot be used; the message names the rule and the field."""


@dataclass(frozen=True)
class AlertRule:
    """One alert rule. Durations are seconds; ``threshold`` is in the metric's unit."""

    id: str
    name: str
    metric: MetricSpec
    window_s: float = 300.0
    kind: str = "threshold"
    comparison: str = ">"
    threshold: float = 0.0
    for_s: float = 0.0
    keep_firing_for_s: float = 0.0  # resolve only after the condition stayed false this long (anti-flap)
    severity: str = "warning"
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    group_by: tuple[str, ...] = ("project",)
    labels: dict[str, str] = field(default_factory=dict)
    channels: tuple[str, ...] = ("log",)
    min_samples: int = 1
    renotify_s: float | None = None  # None: the engine's default
    baseline_s: float = 86400.0
    z_threshold: float = 4.0
    direction: str = "above"
    min_baseline_points: int = 30
    description: str = ""
    enabled: bool = True

    def breaches(self, value: float) -> bool:
        """Whether ``value`` crosses the threshold (threshold rules); NaN never does."""
        return not math.isnan(value) and COMPARISONS[self.comparison](value, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        """The rule in its file/API form (durations in seconds), parseable by ``parse_rule``."""
        out = asdict(self)
        out["metric"] = self.metric.text
        out["filters"] = {k: list(v) for k, v in self.filters.items()}
        out["group_by"], out["channels"] = list(self.group_by), list(self.channels)
        for name in ("window", "for", "baseline", "renotify", "keep_firing_for"):
            out[name] = out.pop(f"{name}_s")
        return out


def parse_duration(value: Any, where: str) -> float:
    """A rule's duration field in seconds (``spyglass.core.time.parse_duration``); ``RuleError`` naming it."""
    try:
        return core_duration(value, where)
    except InvalidInput as exc:
        raise RuleError(exc.message) from None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-")[:100]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) and i for i in items):
        raise RuleError(f"{where}: expected a string or a list of non-empty strings, got {value!r}")
    return tuple(items)


def _number(raw: dict[str, Any], key: str, where: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RuleError(f"{where}.{key}: expected a number, got {value!r}")
    return float(value)


def _one_of(raw: dict[str, Any], key: str, default: str, allowed: Any, where: str, separator: str = ", ") -> str:
    """``raw[key]`` (or ``default``), refused with a message naming the field unless in ``allowed``."""
    value = raw.get(key, default)
    if value not in allowed:
        raise RuleError(f"{where}.{key}: {value!r} is not one of {separator.join(allowed)}")
    return value


def parse_rule(raw: Any, where: str = "rule") -> AlertRule:
    """Validate one rule as written (YAML mapping or API JSON); raise ``RuleError`` naming the field."""
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a mapping, got {type(raw).__name__}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}.name: required, a non-empty string")
    where = f"rule {name!r}"
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
    rule_id = raw.get("id") or _slug(name)
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleError(f"{where}.id: {rule_id!r} must be lower-case letters, digits, '_', '.', '-' (<= 100)")
    if "metric" not in raw:
        raise RuleError(f"{where}.metric: required, e.g. flag_rate:toxicity or latency_p95")
    try:
        metric = parse_metric(str(raw["metric"]))
    except InvalidInput as exc:
        raise RuleError(f"{where}.metric: {exc}") from None
    filters_raw = raw.get("filters") or {}
    if not isinstance(filters_raw, dict):
        raise RuleError(f"{where}.filters: expected a mapping of dimension to value(s)")
    filters = {k: _strings(v, f"{where}.filters.{k}") for k, v in filters_raw.items()}
    group_by = _strings(raw.get("group_by", ["project"]), f"{where}.group_by") if raw.get("group_by") != [] else ()
    allowed = metric.dimensions
    for dim in (*filters, *group_by):
        if dim not in allowed:
            raise RuleError(f"{where}: dimension {dim!r} is not available for {metric.text}; use {', '.join(allowed)}")
    kind = _one_of(raw, "kind", "threshold", KINDS, where)
    comparison = _one_of(raw, "comparison", ">", COMPARISONS, where, separator=" ")
    if kind == "threshold" and "threshold" not in raw:
        raise RuleError(f"{where}.threshold: required for a threshold rule")
    severity = _one_of(raw, "severity", "warning", SEVERITIES, where)
    direction = _one_of(raw, "direction", "above", DIRECTIONS, where)
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict):
        raise RuleError(f"{where}.labels: expected a mapping of names to values")
    for label, value in labels.items():
        problem = label_problem(label, value)
        if problem:
            raise RuleError(f"{where}.labels: {problem}")
    window_s = parse_duration(raw.get("window", "5m"), f"{where}.window")
    if window_s < 60:
        raise RuleError(f"{where}.window: at least 1m (rollups are per minute), got {raw.get('window')!r}")
    min_samples = raw.get("min_samples", 1)
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 0:
        raise RuleError(f"{where}.min_samples: expected a non-negative integer, got {min_samples!r}")
    renotify = raw.get("renotify")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(f"{where}.enabled: expected true or false, got {enabled!r}")
    return AlertRule(
        id=rule_id, name=name.strip(), metric=metric, window_s=window_s, kind=kind, comparison=comparison,
        threshold=_number(raw, "threshold", where, 0.0), for_s=parse_duration(raw.get("for", 0), f"{where}.for"),
        keep_firing_for_s=parse_duration(raw.get("keep_firing_for", 0), f"{where}.keep_firing_for"),
        severity=severity, filters=filters, group_by=group_by, labels={k: str(v) for k, v in labels.items()},
        channels=_strings(raw.get("channels", ["log"]), f"{where}.channels"), min_samples=min_samples,
        renotify_s=None if renotify is None else parse_duration(renotify, f"{where}.renotify"),
        baseline_s=parse_duration(raw.get("baseline", "1d"), f"{where}.baseline"),
        z_threshold=_number(raw, "z_threshold", where, 4.0), direction=direction,
        min_baseline_points=int(_number(raw, "min_baseline_points", where, 30)),
        description=str(raw.get("description", "")), enabled=enabled)


__all__ = ["AlertRule", "DIMENSIONS", "RuleError", "parse_duration", "parse_rule"]
