"""The state machine, silences and the robust z-score as plain functions (no services)."""

from __future__ import annotations

import math

import pytest

from spyglass.alerts.baseline import departs, robust_z
from spyglass.alerts.observe import decide
from spyglass.alerts.rules import parse_rule
from spyglass.alerts.silences import Matcher, Silence, SilenceError, is_silenced, parse_matchers
from spyglass.alerts.state import Observation, step

RULE = parse_rule({"name": "tox", "metric": "flag_rate:toxicity", "threshold": 0.5, "min_samples": 5})
SLOW = parse_rule({"name": "slow", "metric": "latency_p95", "threshold": 1000, "for": "60s", "renotify": "10m"})
P1 = {"project": "p1"}


def obs(value: float, samples: int = 10, rule=RULE, group=P1) -> Observation:
    return Observation(group, value, samples, rule.breaches(value))


def run(rule, values, start=0.0, every=2.0, **kwargs):
    """Feed one observation per tick; return (events per tick, final states)."""
    states, events = {}, []
    for i, value in enumerate(values):
        observations = [] if value is None else [obs(value, rule=rule)]
        states, made = step(rule, observations, states, start + i * every, **kwargs)
        events.append([(t.event, t.notify) for t in made])
    return events, states


def test_a_burst_fires_once_then_resolves_once():
    events, states = run(RULE, [0.9, 0.9, 0.8, 1.0, 0.1, 0.1])
    assert events == [[("firing", True)], [], [], [], [("resolved", True)], []]
    assert states == {}


def test_for_duration_holds_in_pending_and_a_cleared_pending_is_cancelled():
    events, _ = run(SLOW, [2000, 2000, 500, 2000] + [2000] * 30, every=5)
    assert events[0] == [("pending", False)] and events[2] == [("cancelled", False)]
    assert events[3] == [("pending", False)]
    fired = [i for i, e in enumerate(events) if ("firing", True) in e]
    assert fired == [3 + 12], "fires once the condition held for 60 s"


def test_too_few_samples_or_no_data_never_fires_and_resolves_an_open_alert():
    events, _ = run(RULE, [None, 0.9, None])
    assert events == [[], [("firing", True)], [("resolved", True)]]
    states, made = step(RULE, [obs(1.0, samples=4)], {}, 0.0)
    assert states == {} and made == []


def test_groups_are_separate_alerts_with_separate_dedup_keys():
    states, made = step(RULE, [obs(0.9, group={"project": "a"}), obs(0.9, group={"project": "b"})], {}, 0.0)
    assert len(states) == 2 and len({t.state.dedup_key for t in made}) == 2


def test_renotify_on_schedule_until_acknowledged():
    events, states = run(SLOW, [2000] * 400, every=5)  # 2000 s of a slow service
    notified = [i * 5 for i, e in enumerate(events) for ev, notify in e if notify]
    assert notified == [60, 660, 1260, 1860]
    state = next(iter(states.values()))
    states, made = step(SLOW, [obs(2000, rule=SLOW)], states, 2000.0, acked=frozenset({state.alert_id}))
    assert [(t.event, t.notify) for t in made] == [("acknowledged", True)]
    states, made = step(SLOW, [obs(2000, rule=SLOW)], states, 9000.0, acked=frozenset({state.alert_id}))
    assert made == [], "an acknowledged alert is not paged again"


def test_a_silenced_alert_is_tracked_but_not_paged_until_the_silence_ends():
    silence = Silence("s1", (Matcher("project", "p1"),), 0.0, 10.0)
    states, made = step(RULE, [obs(0.9)], {}, 1.0, silences=[silence])
    assert [(t.event, t.notify, t.silenced) for t in made] == [("firing", False, True)]
    states, made = step(RULE, [obs(0.9)], states, 5.0, silences=[silence])
    assert made == []
    states, made = step(RULE, [obs(0.9)], states, 11.0, silences=[silence])
    assert [(t.event, t.notify) for t in made] == [("notified", True)]
    other, made = step(RULE, [obs(0.9)], {}, 1.0, silences=[silence])
    _, made = step(RULE, [obs(0.1)], other, 2.0, silences=[silence])
    assert [(t.event, t.notify) for t in made] == [("resolved", False)], "never paged, so no resolve page"


def test_silence_matchers():
    labels = {"project": "p1", "alertname": "Toxic responses", "severity": "critical"}
    assert parse_matchers({"project": "p1"})[0].matches(labels)
    assert parse_matchers([{"name": "alertname", "value": "Toxic.*", "op": "=~"}])[0].matches(labels)
    assert not parse_matchers([{"name": "severity", "value": "critical", "op": "!="}])[0].matches(labels)
    assert parse_matchers([{"name": "team", "value": "x", "op": "!~"}])[0].matches(labels)
    active = Silence("s", parse_matchers({"project": "p1", "severity": "critical"}), 100.0, 200.0)
    assert is_silenced(labels, [active], 150.0)
    assert not is_silenced(labels, [active], 200.0) and not is_silenced(labels, [active], 99.0)
    assert not is_silenced({**labels, "project": "p2"}, [active], 150.0)
    for bad in ([], {}, [{"name": "a", "value": "(", "op": "=~"}], [{"name": "a", "value": "x", "op": "~"}]):
        with pytest.raises(SilenceError):
            parse_matchers(bad)


def test_robust_z_score():
    history = [10.0, 11.0, 9.0, 10.0, 12.0, 8.0, 10.0, 1000.0]  # one outlier does not move the baseline
    assert robust_z(10.0, history) == 0.0
    assert robust_z(30.0, history) > 8
    assert robust_z(-10.0, history) < -8
    assert math.isnan(robust_z(5.0, []))
    flat = [3.0] * 50
    assert robust_z(3.0, flat) == 0.0 and robust_z(4.0, flat) == math.inf
    mostly_flat = [0.0] * 40 + [1.0] * 10  # MAD = 0: mean absolute deviation takes over
    assert 0 < robust_z(1.0, mostly_flat) < 4
    assert departs(5.0, 4.0, "above") and not departs(-5.0, 4.0, "above")
    assert departs(-5.0, 4.0, "below") and departs(-5.0, 4.0, "both") and not departs(math.nan, 4.0, "both")


def test_baseline_rule_fires_on_departure_and_waits_for_enough_history():
    rule = parse_rule({"name": "cost", "kind": "baseline", "metric": "request_rate", "z_threshold": 4,
                       "min_baseline_points": 30, "min_samples": 1})
    history = [{"project": "p1", "samples": 100, "value": 100.0 + (i % 5)} for i in range(60)]
    spike = decide(rule, [{"project": "p1", "samples": 500, "value": 400.0}], history)
    normal = decide(rule, [{"project": "p1", "samples": 100, "value": 103.0}], history)
    young = decide(rule, [{"project": "p1", "samples": 500, "value": 400.0}], history[:10])
    assert spike[0].breaching and spike[0].score > 4
    assert not normal[0].breaching and not young[0].breaching


def test_keep_firing_for_stops_flapping_around_the_threshold():
    rule = parse_rule({"name": "h", "metric": "flag_rate:hallucination", "threshold": 0.4,
                       "keep_firing_for": "30s"})
    events, states = run(rule, [0.42, 0.39, 0.41, 0.39, 0.39, 0.39, 0.39, 0.39, 0.39, 0.39], every=5)
    flat = [e for tick in events for e in tick]
    assert flat == [("firing", True), ("resolved", True)]
    assert [i for i, tick in enumerate(events) if tick] == [0, 3 + 6], "resolves 30 s after the last breach"
