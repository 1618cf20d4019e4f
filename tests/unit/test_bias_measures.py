"""Bias monitor: completion length and latency as outcomes (Mann-Whitney U, mean ratio, adverse direction)."""

from __future__ import annotations

import random

from spyglass.bias.compare import is_material
from spyglass.bias.monitor import analyse, span_outcomes


def spans(rng: random.Random, slow_group: str = "", short_group: str = "") -> list:
    out = []
    phrases = {"women": "my wife", "muslims": "a Muslim family", "older people": "my elderly father"}
    for group, phrase in phrases.items():
        for _ in range(80):
            latency = rng.lognormvariate(6.5, 0.3) * (3 if group == slow_group else 1)
            words = rng.randint(30, 60) // (3 if group == short_group else 1)
            out.append(span_outcomes({"prompt": f"Plan a trip for {phrase}.", "completion": "word " * words,
                                      "latency_ms": latency}))
    for _ in range(200):  # calls that mention no group
        out.append(span_outcomes({"prompt": "Plan a trip.", "completion": "word " * rng.randint(30, 60),
                                  "latency_ms": rng.lognormvariate(6.5, 0.3)}))
    return out


def test_a_slower_group_is_disparate_on_latency_only():
    found = [c for c in analyse(spans(random.Random(1), slow_group="muslims")) if c.disparate]
    assert [(c.segment, c.outcome) for c in found] == [("muslims", "latency_ms")]
    assert found[0].rate_ratio > 2 and found[0].p_adjusted < 0.01 and found[0].segment_n == 80


def test_shorter_answers_are_adverse_and_longer_ones_are_not():
    found = [c for c in analyse(spans(random.Random(2), short_group="women")) if c.disparate]
    assert [(c.segment, c.outcome) for c in found] == [("women", "completion_length")]
    assert found[0].rate_ratio < 0.5
    assert is_material("completion_length", 0.7) and not is_material("completion_length", 1.6)
    assert is_material("latency_ms", 1.3) and not is_material("latency_ms", 0.5)


def test_stationary_measures_raise_nothing_and_failed_calls_have_no_length():
    assert not [c for c in analyse(spans(random.Random(3))) if c.disparate]
    failed = span_outcomes({"prompt": "Plan a trip for my wife.", "completion": "", "latency_ms": 30_000.0})
    assert failed.measures == {"latency_ms": 30_000.0}
