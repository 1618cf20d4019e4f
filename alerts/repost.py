"""Keeping firing alerts active in Alertmanager: which ones to post again now (pure).

Alertmanager resolves an alert on its own once ``endsAt`` passes (or ``resolve_timeout`` after
the last post when ``endsAt`` is unset), so senders post open alerts again about every minute,
as Prometheus does. A repost only moves ``endsAt``: Alertmanager does not notify again for it.
It is separate from re-notification (which pages Slack and PagerDuty again), and ignores it and
acknowledgement; alerts silenced in Spyglass are not posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from spyglass.alerts.channels import Channel
from spyglass.alerts.rules import AlertRule
from spyglass.alerts.silences import Silence, is_silenced
from spyglass.alerts.state import AlertState, alert_labels

# endsAt this many intervals ahead: a lost post or two does not resolve the alert (Prometheus uses 4).
EXPIRY_INTERVALS = 4


@dataclass(frozen=True)
class Repost:
    """One firing alert to post again to these Alertmanager channels."""

    rule: AlertRule
    state: AlertState
    channels: tuple[Channel, ...]


def expires_at(now: float, interval_s: float) -> float:
    """The ``endsAt`` of a firing alert posted at ``now``."""
    return now + EXPIRY_INTERVALS * interval_s


def due_reposts(rules: Mapping[str, AlertRule], states: Mapping[str, AlertState], channels: Mapping[str, Channel],
                last_posted: Mapping[str, float], now: float, interval_s: float,
                silences: Sequence[Silence] = ()) -> list[Repost]:
    """Firing alerts already posted (``notified_at`` set) whose last post is ``interval_s`` old or more."""
    due = []
    for key, state in sorted(states.items()):
        rule = rules.get(state.rule_id)
        if rule is None or state.status != "firing" or state.notified_at is None:
            continue
        if now - last_posted.get(key, float("-inf")) < interval_s:
            continue
        targets = tuple(channels[name] for name in rule.channels
                        if name in channels and channels[name].type == "alertmanager")
        if not targets or is_silenced(alert_labels(rule, state.group), silences, now):
            continue
        due.append(Repost(rule, state, targets))
    return due
