"""Reading a rule's metric per group and deciding whether each group breaches (thin shell + pure part)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from spyglass.alerts.baseline import departs, robust_z
from spyglass.alerts.metrics import metric_query
from spyglass.alerts.rules import AlertRule
from spyglass.alerts.state import Observation
from spyglass.storage.store import Store


def _group(rule: AlertRule, row: dict[str, Any]) -> dict[str, str]:
    return {dim: str(row[dim]) for dim in rule.group_by}


def _key(group: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(group.items()))


def decide(rule: AlertRule, current: Sequence[dict[str, Any]],
           history: Sequence[dict[str, Any]] = ()) -> list[Observation]:
    """Observations from query rows (group columns, samples, value); ``history``: per-minute rows
    of the trailing baseline (baseline rules only). Pure."""
    series: dict[tuple, list[float]] = {}
    for row in history:
        if row["samples"] >= max(rule.min_samples, 1):
            series.setdefault(_key(_group(rule, row)), []).append(float(row["value"]))
    out = []
    for row in current:
        group, value, samples = _group(rule, row), float(row["value"]), int(row["samples"])
        if rule.kind == "threshold":
            out.append(Observation(group, value, samples, rule.breaches(value)))
            continue
        past = series.get(_key(group), [])
        z = robust_z(value, past) if len(past) >= rule.min_baseline_points else math.nan
        out.append(Observation(group, value, samples, departs(z, rule.z_threshold, rule.direction), z))
    return out


def observe(store: Store, rule: AlertRule, now: float) -> list[Observation]:
    """Each group's metric over the rule's window ending at ``now`` (and its baseline, for baseline rules)."""
    sql, params = metric_query(rule.metric, rule.filters, rule.group_by, now - rule.window_s, now)
    current = store.rows(sql, parameters=params)
    history: list[dict[str, Any]] = []
    if rule.kind == "baseline":
        # per-minute values before the window; the window's own minutes are not their own baseline
        end = math.floor((now - rule.window_s) / 60) * 60 - 1
        sql, params = metric_query(rule.metric, rule.filters, rule.group_by, now - rule.baseline_s, end,
                                   per_minute=True)
        history = store.rows(sql, parameters=params)
        if rule.metric.summed:
            # sums over the window compare with per-minute sums scaled to the window's length
            scale = rule.window_s / 60
            history = [{**row, "value": row["value"] * scale} for row in history]
    return decide(rule, current, history)


def drift_table_exists(store: Store) -> bool:
    """Whether the drift monitor's ``drift_reports`` table exists yet."""
    return bool(store.rows("SELECT 1 AS x FROM system.tables WHERE database = currentDatabase() "
                           "AND name = 'drift_reports'"))
