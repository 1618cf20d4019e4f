"""The alert state machine: pending -> firing -> resolved, with acknowledge, silences, re-notification.

Pure: ``step`` takes a rule's observations and its current alert states and returns the new
states and the transitions to record (and, where ``notify`` is set, to deliver). One alert per
group (dedup key = rule + group labels): a burst keeps one alert firing, it never pages per span.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from spyglass.alerts.rules import AlertRule
from spyglass.alerts.silences import Silence, is_silenced

OPEN = ("pending", "firing")


@dataclass(frozen=True)
class Observation:
    """One group's metric over the rule's window; ``breaching`` already decided for the rule kind."""

    group: dict[str, str]
    value: float
    samples: int
    breaching: bool
    score: float = math.nan  # the robust z-score, for baseline rules


@dataclass(frozen=True)
class AlertState:
    """An open alert (pending or firing). Times are epoch seconds."""

    alert_id: str
    dedup_key: str
    rule_id: str
    group: dict[str, str]
    status: str
    since: float
    value: float = math.nan
    samples: int = 0
    score: float = math.nan
    fired_at: float | None = None
    notified_at: float | None = None
    acked_at: float | None = None
    resolved_at: float | None = None
    clear_since: float | None = None  # when the condition last stopped holding (keep_firing_for)


@dataclass(frozen=True)
class Transition:
    """A recorded change. ``event``: pending, firing, notified, renotified, acknowledged, resolved,
    cancelled (a pending alert whose condition cleared). ``notify``: deliver it to the channels."""

    event: str
    state: AlertState
    notify: bool
    silenced: bool = False


def dedup_key(rule_id: str, group: Mapping[str, str]) -> str:
    """Stable key of one alert series: the rule and its group labels (also PagerDuty's dedup_key)."""
    text = "&".join(f"{k}={group[k]}" for k in sorted(group))
    return f"{rule_id}/{hashlib.sha1(text.encode()).hexdigest()[:16]}"


def alert_labels(rule: AlertRule, group: Mapping[str, str]) -> dict[str, str]:
    """The labels silences match and channels carry: group, rule labels, alertname, severity."""
    return {**rule.labels, **group, "alertname": rule.name, "rule_id": rule.id, "severity": rule.severity}


def step(rule: AlertRule, observations: Sequence[Observation], states: Mapping[str, AlertState], now: float,
         silences: Sequence[Silence] = (), acked: frozenset[str] = frozenset(),
         renotify_s: float = 0.0) -> tuple[dict[str, AlertState], list[Transition]]:
    """Advance this rule's alerts to ``now``. ``states``: open alerts by dedup key; ``acked``: alert
    ids acknowledged through the API. Returns (open alerts after the step, transitions)."""
    renotify = rule.renotify_s if rule.renotify_s is not None else renotify_s
    seen: dict[str, Observation] = {}
    for obs in observations:
        if obs.samples >= max(rule.min_samples, 1) and not math.isnan(obs.value):
            seen[dedup_key(rule.id, obs.group)] = obs
    out: dict[str, AlertState] = {}
    transitions: list[Transition] = []
    for key in sorted(set(seen) | set(states)):
        obs, old = seen.get(key), states.get(key)
        if obs is not None and obs.breaching:
            base = old or AlertState(str(uuid.uuid4()), key, rule.id, dict(obs.group), "pending", now)
            current = replace(base, value=obs.value, samples=obs.samples, score=obs.score, clear_since=None)
            muted = is_silenced(alert_labels(rule, current.group), silences, now)
            new, made = _advance(rule, current, old is None, now, muted, acked, renotify)
            out[key] = new
            transitions.extend(made)
        elif old is not None:
            current = old if obs is None else replace(old, value=obs.value, samples=obs.samples, score=obs.score)
            if old.status == "firing" and rule.keep_firing_for_s > 0:
                current = replace(current, clear_since=old.clear_since or now)
                if now - current.clear_since < rule.keep_firing_for_s:
                    out[key] = current  # still firing: a brief dip is not a recovery
                    continue
            transitions.append(_close(rule, current, now, silences))
    return out, transitions


def _advance(rule: AlertRule, state: AlertState, is_new: bool, now: float, muted: bool,
             acked: frozenset[str], renotify_s: float) -> tuple[AlertState, list[Transition]]:
    if state.status == "pending":
        if now - state.since >= rule.for_s:
            state = replace(state, status="firing", fired_at=now, notified_at=None if muted else now)
            return state, [Transition("firing", state, not muted, muted)]
        return state, [Transition("pending", state, False, muted)] if is_new else []
    made: list[Transition] = []
    if state.alert_id in acked and state.acked_at is None:
        state = replace(state, acked_at=now)
        made.append(Transition("acknowledged", state, state.notified_at is not None and not muted, muted))
    elif state.notified_at is None and not muted:
        state = replace(state, notified_at=now)  # its silence ended (or was expired) while it fired
        made.append(Transition("notified", state, True))
    elif (not muted and state.acked_at is None and renotify_s > 0 and state.notified_at is not None
          and now - state.notified_at >= renotify_s):
        state = replace(state, notified_at=now)
        made.append(Transition("renotified", state, True))
    return state, made


def _close(rule: AlertRule, state: AlertState, now: float, silences: Sequence[Silence]) -> Transition:
    if state.status == "pending":
        return Transition("cancelled", replace(state, status="resolved", resolved_at=now), False)
    muted = is_silenced(alert_labels(rule, state.group), silences, now)
    # A resolve is sent whenever the firing was: receivers (PagerDuty) must close what they opened.
    return Transition("resolved", replace(state, status="resolved", resolved_at=now),
                      state.notified_at is not None, muted)


def close_orphans(states: Mapping[str, AlertState], now: float) -> list[Transition]:
    """Resolve the open alerts of a rule that was deleted or disabled."""
    return [Transition("resolved" if s.status == "firing" else "cancelled",
                       replace(s, status="resolved", resolved_at=now), s.notified_at is not None)
            for s in states.values()]
