"""Small recorders the alert engine, the drift monitor and the SQL endpoint call (one line each)."""

from __future__ import annotations

from typing import Any, Iterable

from spyglass.telemetry import catalogue as m


def drift_run(ok: bool, seconds: float, drifted_features: int = 0) -> None:
    """One drift pass finished (or failed)."""
    m.DRIFT_RUNS.labels("ok" if ok else "failed").inc()
    m.DRIFT_RUN_SECONDS.observe(seconds)
    if ok:
        m.DRIFT_FEATURES_DRIFTED.set(drifted_features)


def sql_query(outcome: str) -> None:
    """An analyst's SQL query: ``ok`` or the refusal's kind (invalid, forbidden, too_slow, ...)."""
    m.SQL_QUERIES.labels(outcome).inc()


def alert_tick(seconds: float, rule_kinds: Iterable[str], transitions: Iterable[tuple[str, str]],
               open_statuses: Iterable[str]) -> None:
    """One engine tick: rules evaluated (by kind), transitions (event, severity), open alerts by status."""
    for kind in rule_kinds:
        m.ALERT_EVALUATIONS.labels(kind).inc()
    for event, severity in transitions:
        m.ALERT_TRANSITIONS.labels(event, severity or "none").inc()
    counts = {"pending": 0, "firing": 0}
    for status in open_statuses:
        counts[status] = counts.get(status, 0) + 1
    for status, count in counts.items():
        m.ALERTS_OPEN.labels(status).set(count)
    m.ALERT_TICK_SECONDS.observe(seconds)


def alert_delivery(channel: str, channel_type: str, ok: bool, seconds: float) -> None:
    """One notice delivered to (or refused by) a channel."""
    m.ALERT_DELIVERIES.labels(channel, channel_type).inc()
    if not ok:
        m.ALERT_DELIVERY_FAILURES.labels(channel, channel_type).inc()
    m.ALERT_DELIVERY_SECONDS.labels(channel).observe(seconds)


def delivery_queue(channel: str, depth: Any) -> None:
    """Report a channel's queue depth through ``depth()`` at scrape time."""
    m.ALERT_DELIVERY_QUEUE.labels(channel).set_function(depth)


def alertmanager_repost(channel: str) -> None:
    """A firing alert was queued for posting again to an Alertmanager channel."""
    m.ALERTMANAGER_REPOSTS.labels(channel).inc()
