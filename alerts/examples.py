"""Evidence for a firing alert: a few offending trace ids and, for PII, entity types and counts.

The queries live in ``storage/evidence.py``; this module maps a rule onto them.
"""

from __future__ import annotations

from typing import Mapping

from spyglass.alerts.rules import AlertRule
from spyglass.storage.evidence import leaked_entity_counts, offending_trace_ids
from spyglass.storage.store import Store


def offending_traces(store: Store, rule: AlertRule, group: Mapping[str, str], start_s: float,
                     limit: int = 3) -> list[str]:
    """Trace ids of spans that made the rule's metric bad (flagged, failed or slowest), newest first."""
    metric = rule.metric
    return offending_trace_ids(store, metric.source, metric.stat, metric.evaluator, rule.filters, group,
                               start_s, limit, metric.summed)


def pii_entity_counts(store: Store, rule: AlertRule, group: Mapping[str, str], start_s: float) -> dict[str, int]:
    """Leaked PII entity types and how many flagged spans leaked each (never the values)."""
    return leaked_entity_counts(store, rule.metric.evaluator, rule.filters, group, start_s)
