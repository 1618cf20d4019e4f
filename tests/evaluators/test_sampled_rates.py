"""Under lag the evaluator sink scores a sample; the rollup's flag rate still estimates the true one.

Real code path: the PII evaluator, the evaluation sink with its lag sampler, the evaluations
table and its materialized rollup in chDB, the metric queries the API and alerts read.
"""

from __future__ import annotations

import random
import time

import pytest

from spyglass.cli.backfill import backfill
from spyglass.evaluators.engine import run_evaluators
from spyglass.evaluators.sampling import LagSampler
from spyglass.evaluators.sink import EvaluationSink
from spyglass.ingest.batch import Batch, OffsetRange
from spyglass.ingest.decode import Decoded
from spyglass.storage.metrics import MetricQuery, metric_series
from spyglass.storage.spans import insert_spans

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NAMES = ["Maria Gonzalez", "Thomas Becker", "Aiko Tanaka", "Peter Novak", "Grace Okafor"]
STREETS = ["Baker Street", "Elm Avenue", "Harbor Road", "Mill Lane"]


def _span(rng: random.Random, i: int, start: float) -> dict:
    """Mostly clean answers; some leak an e-mail (the pre-filter sees it), some a name and street (it does not)."""
    roll = rng.random()
    if roll < 0.1:
        text = f"You can reach the account owner at {rng.choice(NAMES).split()[0].lower()}{i}@example.org."
    elif roll < 0.25:
        text = f"The order ships to {rng.choice(NAMES)}, {rng.randint(2, 99)} {rng.choice(STREETS)}, Springfield."
    else:
        text = f"Your order number {i} is on its way and should arrive within a few business days."
    return {"project": "sampled", "trace_id": f"t{i}", "span_id": f"s{i}", "service": "shop", "model": "m",
            "environment": "test", "start_time": start + i * 0.01, "prompt": "where is my order?",
            "completion": text, "context": [], "user_id": ""}


def test_sampled_flag_rate_estimates_the_true_rate_within_its_interval(store, pii, ctx) -> None:
    rng = random.Random(2222)
    start = (time.time() // 60) * 60 - 120  # one whole minute, two minutes ago: one rollup window
    spans = [_span(rng, i, start) for i in range(480)]
    truth = run_evaluators(spans, [pii], ctx, lanes=1)  # every span scored: the true rate
    true_rate = sum(truth[s["span_id"]]["pii"].flagged for s in spans) / len(spans)

    sampler = LagSampler(target_lag_s=30, seed=22, per_span_s=0.02, fixed_s=0.0)
    sink = EvaluationSink(store, [pii], ctx, sampler=sampler)
    # the budget stays fixed whatever this machine's speed: 0.8 * 0.5 s / 0.02 s = 20 of each 80
    now_ms = int(time.time() * 1000)
    for b in range(6):
        chunk = spans[b * 80:(b + 1) * 80]
        batch = Batch(Decoded(rows=chunk), OffsetRange({}, {}, may_repeat=False),
                      oldest_ms=now_ms - 120_000 + b * 500, newest_ms=now_ms - 120_000 + (b + 1) * 500)
        batch.prepared = sink.prepare(batch)
        sink.store(batch)
        sampler.per_span_s, sampler.fixed_s = 0.02, 0.0  # observe() moved them by this machine's timing
    assert 0 < sink.sampled_out < len(spans)

    def value(metric: str) -> float:
        points = metric_series(store, MetricQuery("sampled", f"{metric}:pii", start, start + 60))[0].points
        return points[0][1]

    rate, half, share, n = value("flag_rate"), value("flag_rate_ci95"), value("scored_share"), value("sample_size")
    print(f"true {true_rate:.3f}, estimate {rate:.3f} ± {half:.3f}, scored share {share:.2f} (n = {n:.0f})")
    assert n < len(spans) and 0.1 < share < 0.9
    assert half > 0
    assert abs(rate - true_rate) <= half
    naive = sum(1 for s in spans if s["span_id"] in _flagged(store)) / n  # flagged / scored, unweighted
    assert abs(naive - true_rate) > abs(rate - true_rate)  # the weights correct the risky-first sample

    # capacity returns: the backfill scores the rest and the window's rate becomes exact
    insert_spans(store, spans)
    scored, corrected = backfill(EvaluationSink(store, [pii], ctx), "sampled", start, start + 60)
    assert scored == len(spans) - n and corrected > 0
    assert value("scored_share") == 1 and value("sample_size") == len(spans)
    assert value("flag_rate") == pytest.approx(true_rate) and value("flag_rate_ci95") == pytest.approx(0, abs=1e-9)


def _flagged(store) -> set[str]:
    return {r["span_id"] for r in store.rows("SELECT span_id FROM evaluations FINAL WHERE flagged")}
