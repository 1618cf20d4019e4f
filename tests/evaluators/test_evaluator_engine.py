"""The engine: each evaluator scores what it applies to; one that raises leaves the others intact."""

from __future__ import annotations

import math
import sys
import textwrap
from importlib.metadata import EntryPoint

import pytest

from evaluator_spans import make_span
from support import Exploding
from spyglass.core.settings import EvaluatorSettings
from spyglass.evaluators import registry
from spyglass.evaluators.base import EvalContext, Evaluator, Score
from spyglass.evaluators.engine import LazyEncoder, run_evaluators


class Length(Evaluator):
    name = "length"
    version = "1"

    def applies_to(self, span):
        if span["span_id"] == "bad-predicate":
            raise ValueError("cannot decide")
        return bool(span.get("completion"))

    def evaluate(self, spans, ctx):
        return [Score(score=min(len(s["completion"]) / 100, 1.0), label="ok", flagged=False) for s in spans]


class Short(Evaluator):
    name = "short"
    version = "1"

    def evaluate(self, spans, ctx):
        return [Score(0.0, "ok", False)] * (len(spans) - 1)


def test_raising_evaluator_leaves_the_others_scores_intact(toxicity, ctx):
    spans = [make_span("a", "You are a worthless idiot."), make_span("b", "Thanks, here is the summary.")]
    results = run_evaluators(spans, [Exploding(), toxicity, Length()], ctx)
    for span_id in ("a", "b"):
        assert results[span_id]["exploding"].label == "error"
        assert "model fell over" in results[span_id]["exploding"].details["error"]
        assert math.isnan(results[span_id]["exploding"].score)
        assert 0.0 <= results[span_id]["toxicity"].score <= 1.0
        assert results[span_id]["length"].label == "ok"
    assert results["a"]["toxicity"].score > results["b"]["toxicity"].score


def test_applies_to_and_wrong_length_results():
    spans = [make_span("with", "hello"), make_span("empty", ""), make_span("bad-predicate", "x")]
    ctx = EvalContext(encoder=LazyEncoder(), device="cpu")
    results = run_evaluators(spans, [Length(), Short()], ctx)
    assert results["with"]["length"].score == pytest.approx(0.05)
    assert "length" not in results["empty"]  # does not apply: no entry
    assert results["bad-predicate"]["length"].label == "error"
    # Short returns one score too few: all its spans get an error, never a misaligned score
    assert {results[s]["short"].label for s in ("with", "bad-predicate")} == {"error"}
    assert ctx.encoder._encoder is None  # nothing asked for embeddings: MiniLM never loaded


def test_registry_finds_builtins_and_entry_points(tmp_path, monkeypatch):
    module = tmp_path / "spyglass_test_plugin.py"
    module.write_text(textwrap.dedent("""
        from spyglass.evaluators.base import Evaluator, Score

        class Shouting(Evaluator):
            name = "shouting"
            version = "0.1"

            def __init__(self, settings=None):
                self.settings = settings

            def evaluate(self, spans, ctx):
                return [Score(float(s["completion"].isupper()), "loud", s["completion"].isupper()) for s in spans]
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [EntryPoint(name="shouting", value="spyglass_test_plugin:Shouting", group=registry.ENTRY_POINT_GROUP),
           EntryPoint(name="pii", value="spyglass_test_plugin:Shouting", group=registry.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps if group == registry.ENTRY_POINT_GROUP else [])
    known = registry.available_evaluators()
    assert {"toxicity", "pii", "hallucination", "shouting"} <= set(known)
    assert known["pii"] is registry.BUILTINS["pii"]  # a plugin cannot shadow a built-in
    (shouting,) = registry.load_evaluators(["shouting"], settings="S")
    assert shouting.settings == "S"
    scores = run_evaluators([make_span("x", "STOP")], [shouting], EvalContext(encoder=LazyEncoder()))
    assert scores["x"]["shouting"].flagged
    with pytest.raises(KeyError, match="nope"):
        registry.load_evaluators(["nope"], EvaluatorSettings())
    sys.modules.pop("spyglass_test_plugin", None)


def test_lanes_give_the_same_results_as_one_after_another(toxicity, pii, ctx):
    spans = [make_span("a", "You are a worthless idiot.", prompt="Mail jane.doe@example.com"),
             make_span("b", "Call Maria Garcia at 212-555-0143."), make_span("empty", ""),
             make_span("bad-predicate", "x")]
    evaluators = [toxicity, Exploding(), pii, Length()]
    one_lane = run_evaluators(spans, evaluators, ctx, lanes=1)
    two_lanes = run_evaluators(spans, evaluators, ctx, lanes=2)
    assert list(one_lane) == list(two_lanes) == ["a", "b", "empty", "bad-predicate"]
    for span_id in one_lane:
        assert list(one_lane[span_id]) == list(two_lanes[span_id])  # same evaluators, same order
        for name, score in one_lane[span_id].items():
            other = two_lanes[span_id][name]
            assert (score.label, score.flagged, score.details) == (other.label, other.flagged, other.details)
            assert score.score == pytest.approx(other.score, nan_ok=True)
    assert two_lanes["a"]["exploding"].label == "error" and two_lanes["b"]["pii"].flagged


class Threads(Evaluator):
    """Records the thread of each evaluate call (lazy imports in a first call are not thread-safe)."""

    version = "1"

    def __init__(self, name: str) -> None:
        self.name = name
        self.threads: list[str] = []

    def evaluate(self, spans, ctx):
        import threading

        self.threads.append(threading.current_thread().name)
        return [Score(0.0, "ok", False)] * len(spans)


def test_each_evaluators_first_scoring_runs_alone_then_lanes_share_the_work():
    import threading

    first, second = Threads("first"), Threads("second")
    spans = [make_span("a", completion="An answer.")]
    for _ in range(3):
        run_evaluators(spans, [first, second], EvalContext(encoder=None), lanes=2)
    here = threading.current_thread().name
    assert first.threads[0] == second.threads[0] == here  # one after another, on the calling thread
    assert all(name.startswith("evaluator") for name in first.threads[1:] + second.threads[1:])
