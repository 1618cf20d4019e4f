"""Presidio's pattern stage on worker processes (``SPYGLASS_PII_PROCESSES``): the same scores, in
order, as on the evaluator's thread, and the workers go away when the evaluator closes."""

from __future__ import annotations

import pytest

from evaluator_spans import make_span

TEXTS = [
    "Reach Maria Garcia at maria.garcia@example.com or 212-555-0199.",
    "The card on file is 4111 1111 1111 1111, SSN 219-09-9999.",
    "Nothing personal here: the refund policy changed last quarter.",
    "Ship it to John Smith, 42 Maple Street, Springfield.",
] * 10  # more lines than one chunk (MIN_CHUNK), so the order of chunks matters


@pytest.fixture(scope="module")
def pooled():
    from spyglass.evaluators.pii import PIIEvaluator

    evaluator = PIIEvaluator(processes=2)
    yield evaluator
    evaluator.close()


def test_pool_results_equal_the_in_process_ones_in_order(pii, pooled, ctx):
    spans = [make_span(f"s{i}", text, prompt="Who is the customer?") for i, text in enumerate(TEXTS)]
    here, pooled_scores = pii.evaluate(spans, ctx), pooled.evaluate(spans, ctx)
    assert [s.flagged for s in here].count(True) >= 30  # three of the four texts leak
    assert [(s.score, s.label, s.details) for s in pooled_scores] == [(s.score, s.label, s.details) for s in here]


def test_raw_pattern_results_keep_the_recognizer_names(pii, pooled):
    from spyglass.evaluators.pii_pool import PatternPool

    texts = TEXTS[:4]
    here = pii.pattern_results(texts)
    there = PatternPool.collect(pooled._pattern_pool().submit(texts))
    key = lambda r: (r.entity_type, r.start, r.end, r.score, r.recognition_metadata.get("recognizer_name"))  # noqa: E731
    assert [[key(r) for r in row] for row in there] == [[key(r) for r in row] for row in here]
    assert any(key(r)[-1] for row in there for r in row)


def test_close_stops_the_workers():
    import psutil

    from spyglass.evaluators.pii_pool import PatternPool

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    pool = PatternPool(1, tuned=True, spacy_ner=False)
    children = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert children
    assert PatternPool.collect(pool.submit(["mail jane@example.com"]))[0]
    pool.close()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive


def test_default_processes_only_with_a_gpu():
    from spyglass.evaluators.pii_pool import default_processes

    assert default_processes("cpu") == 0
    assert 0 <= default_processes("cuda") <= 12


def test_the_setting_reaches_the_evaluator(monkeypatch):
    from spyglass.core.settings import EvaluatorSettings
    from spyglass.evaluators.registry import BUILTINS

    assert BUILTINS["pii"](EvaluatorSettings(device="cpu")).processes == 0  # unset, on CPU
    monkeypatch.setenv("SPYGLASS_PII_PROCESSES", "3")
    assert BUILTINS["pii"](EvaluatorSettings(device="cpu")).processes == 3  # no workers start before a batch


def test_a_killed_worker_loses_no_results_and_is_replaced(pii, ctx):
    import os
    import signal

    import psutil

    from spyglass.evaluators.pii import PIIEvaluator

    evaluator = PIIEvaluator(processes=1)
    try:
        spans = [make_span(f"k{i}", text) for i, text in enumerate(TEXTS[:4])]
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        evaluator.evaluate(spans[:1], ctx)  # starts the worker
        workers = [p for p in psutil.Process().children(recursive=True)
                   if p.pid not in before and "spawn_main" in " ".join(p.cmdline())]  # not the resource tracker
        assert len(workers) == 1
        for worker in workers:
            os.kill(worker.pid, signal.SIGKILL)
        psutil.wait_procs(workers, timeout=10)
        evaluator._lines.__init__()  # analyze the lines again rather than from the per-line cache
        assert [s.details for s in evaluator.evaluate(spans, ctx)] == [s.details for s in pii.evaluate(spans, ctx)]
        assert evaluator.evaluate(spans[1:2], ctx)[0].flagged  # the new worker answers
    finally:
        evaluator.close()
