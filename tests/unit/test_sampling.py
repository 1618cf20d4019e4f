"""The lag sampler: risky spans first, weights that keep flag rates unbiased, intervals that cover."""

from __future__ import annotations

import random
import time

import pytest

from spyglass.evaluators.prefilter import is_risky, looks_risky
from spyglass.evaluators.presample import MIN_RATE, ReadSampler
from spyglass.evaluators.sampling import LagSampler, weighted_rate


def _traffic(rng: random.Random, n: int) -> list[dict]:
    """Spans where risky ones (an e-mail) are flagged 60 % of the time and the rest 3 %."""
    spans = []
    for i in range(n):
        risky = rng.random() < 0.1
        text = f"mail me at user{i}@example.com" if risky else f"the answer to question {i} is in the manual"
        spans.append({"span_id": f"s{i}", "completion": text, "start_time": i, "risky": risky,
                      "truth": rng.random() < (0.6 if risky else 0.03)})
    return spans


def test_within_target_every_span_is_scored_with_weight_one() -> None:
    spans = _traffic(random.Random(1), 200)
    plan = LagSampler(target_lag_s=30, seed=1).plan(spans, lag_s=5, arrival_s=0.1)
    assert len(plan.spans) == 200 and set(plan.weights) == {1.0}


def test_a_batch_that_would_overrun_the_target_is_sampled_before_the_lag_does() -> None:
    spans = _traffic(random.Random(5), 1000)
    plan = LagSampler(target_lag_s=30, seed=5, per_span_s=0.05, fixed_s=0.0).plan(spans, lag_s=10, arrival_s=0.1)
    assert len(plan.spans) * 0.05 <= 0.8 * 20 + 0.05  # what fits in the 20 s left of the target
    assert abs(sum(plan.weights) - 1000) < 1e-6


def test_behind_target_risky_spans_come_first_and_weights_sum_to_what_was_seen() -> None:
    spans = _traffic(random.Random(2), 1000)
    sampler = LagSampler(target_lag_s=30, seed=2, per_span_s=0.01, fixed_s=0.0)
    plan = sampler.plan(spans, lag_s=120, arrival_s=2.0)  # budget 0.8 * 2 / 0.01 = 160 spans
    risky = [s for s in spans if is_risky(s)]
    assert [s['risky'] for s in risky] == [True] * len(risky) and 70 <= len(risky) < 160 - 40  # the fixture leaves budget for the rest
    assert all(s in plan.spans for s in risky)
    assert 150 <= len(plan.spans) <= 170
    assert abs(sum(plan.weights) - len(spans)) < 1e-6


def test_a_stratum_left_out_hands_its_count_to_the_next_batch() -> None:
    sampler = LagSampler(target_lag_s=100, seed=3, per_span_s=1.0, fixed_s=0.0)
    first = sampler.plan(_traffic(random.Random(3), 50), lag_s=200, arrival_s=0.0)  # no budget at all
    assert first.spans == [] and first.seen == 50
    second = sampler.plan(_traffic(random.Random(4), 50), lag_s=0.5, arrival_s=0.0)  # caught up: all scored
    assert len(second.spans) == 50 and abs(sum(second.weights) - 100) < 1e-6


def test_sampled_flag_rate_is_covered_by_its_interval() -> None:
    """Over 200 independent sampled runs, the stated 95 % interval covers the true rate >= 90 % of the time."""
    rng = random.Random(22)
    covered = 0
    runs = 200
    errors = []
    for run in range(runs):
        sampler = LagSampler(target_lag_s=30, seed=run, per_span_s=0.01, fixed_s=0.0, risky=lambda s: s["risky"])
        flags, weights, truth = [], [], []
        for _ in range(5):  # five batches of one window
            batch = _traffic(rng, 400)
            truth += [s["truth"] for s in batch]
            plan = sampler.plan(batch, lag_s=90, arrival_s=1.0)  # ~80 of 400 scored
            flags += [s["truth"] for s in plan.spans]
            weights += plan.weights
        rate, half = weighted_rate(flags, weights)
        true_rate = sum(truth) / len(truth)
        covered += abs(rate - true_rate) <= half
        errors.append(rate - true_rate)
    assert covered / runs >= 0.90, f"coverage {covered / runs:.3f}"
    assert abs(sum(errors) / runs) < 0.005  # unbiased: the mean error is near 0
    naive_share = sum(weights) and sum(flags) / len(flags)  # flagged / scored, ignoring the weights
    assert naive_share > true_rate + 0.05  # what the weights correct: risky spans are over-sampled


@pytest.mark.parametrize(("share", "batch_spans"), [(0.05, 400), (0.012, 1600)])
def test_spans_sampled_as_they_are_read_keep_the_rate_unbiased_and_covered(share: float, batch_spans: int) -> None:
    """Far behind, the read sampler parses all records (share 0.05) or 60 % of them (0.012), and
    validates their risky spans and a fifth (or 5 %) of the rest; the lag sampler then samples
    those. The weights multiply: the estimate stays unbiased and its interval covers (with enough
    rest spans read for the normal approximation: ~1,800 per run at 0.012 reads ~200 of them)."""
    rng = random.Random(7)
    covered, runs, errors, totals = 0, 200, [], []
    for run in range(runs):
        reader = ReadSampler(seed=run)
        reader.update(scored_share=share, behind=True)
        sampler = LagSampler(target_lag_s=30, seed=run, per_span_s=0.01, fixed_s=0.0)
        flags, weights, truth = [], [], []
        for _ in range(5):
            batch = _traffic(rng, batch_spans)
            truth += [s["truth"] for s in batch]
            records = [batch[i:i + 20] + [{"span_id": "chain", "name": "a step without text"}]
                       for i in range(0, len(batch), 20)]
            read = []
            for record in reader.records(records):
                for span, weight in reader.choose(record):
                    read.append({**span, "sample_weight": weight} if weight != 1.0 else span)
            assert all(s["risky"] for s in read if s.get("sample_weight", 1.0) == 1.0 / reader.record_rate)
            plan = sampler.plan(read, lag_s=90, arrival_s=1.0)
            flags += [s["truth"] for s in plan.spans]
            weights += plan.weights
        totals.append(sum(weights) / len(truth))  # weights stand for every span with text
        rate, half = weighted_rate(flags, weights)
        true_rate = sum(truth) / len(truth)
        covered += abs(rate - true_rate) <= half
        errors.append(rate - true_rate)
    assert covered / runs >= 0.88, f"coverage {covered / runs:.3f}"
    assert abs(sum(errors) / runs) < 0.005
    assert abs(sum(totals) / runs - 1) < 0.03


def test_on_target_every_span_is_read() -> None:
    reader = ReadSampler(seed=1)
    spans = _traffic(random.Random(3), 50)
    reader.update(scored_share=0.01, behind=False)
    assert reader.reads_all and reader.choose(spans) == [(s, 1.0) for s in spans]
    reader.update(scored_share=0.0, behind=True)
    assert reader.rate == MIN_RATE and reader.record_rate == MIN_RATE and not reader.reads_all


def test_the_evaluation_sink_reads_a_weighted_sample_of_a_record_when_behind() -> None:
    from spyglass.evaluators.sink import EvaluationSink
    from spyglass.ingest.decode import Source
    from spyglass.sdk.wire import encode_record

    now = time.time() - 60
    spans = [{"trace_id": f"t{i}", "span_id": f"s{i}", "project": "p", "name": "chat", "kind": "llm",
              "start_time": now, "end_time": now + 0.5, "model": "m", "prompt": f"question {i}",
              "completion": f"write to user{i}@example.com" if i % 10 == 0 else f"the answer is on page {i}"}
             for i in range(1000)]
    spans.append({"trace_id": "t", "span_id": "tool", "project": "p", "name": "lookup", "kind": "tool",
                  "start_time": now, "end_time": now + 0.1})
    item = [(encode_record(spans), Source("spans", 0, 0))]
    sink = EvaluationSink(None, [], None, sampler=LagSampler(target_lag_s=30, seed=1))
    on_target = sink.decode(item).rows
    assert len(on_target) == 1001 and all("sample_weight" not in r for r in on_target)  # on target: every span
    sink.reader.update(scored_share=0.025, behind=True)  # rate 0.1
    rows = sink.decode(item).rows
    risky = [r for r in rows if "sample_weight" not in r]
    assert {r["span_id"] for r in risky} == {f"s{i}" for i in range(0, 1000, 10)}  # every e-mail read
    rest = [r for r in rows if "sample_weight" in r]
    assert 45 <= len(rest) <= 140 and {r["sample_weight"] for r in rest} == {10.0}
    sink.reader.update(scored_share=0.001, behind=True)  # one record in 20 parsed, 0.4 % of its rest read
    parsed = [sink.decode(item).rows for _ in range(200)]
    assert 2 <= sum(1 for rows in parsed if rows) <= 25
    assert {r.get("sample_weight") for rows in parsed for r in rows} <= {20.0, 20.0 / 0.004}


@pytest.mark.parametrize(("completion", "risky"), [
    ("Write to maria.gonzalez@example.org for the refund.", True),
    ("The card on file is 4111 1111 1111 1111.", True),
    ("Call +1 (212) 555-0147 after nine.", True),
    ("Her SSN is 123-45-6789.", True),
    ("The server answers on 192.168.10.24.", True),
    ("You are an idiot, shut up.", True),
    ("The refund policy allows returns within 30 days of delivery.", False),
    ("Version 3.11 fixed it in 2024.", False),
])
def test_the_quick_look_sees_pii_shapes_and_lexicon_words(completion: str, risky: bool) -> None:
    assert looks_risky(completion, "What does it say?") is risky
