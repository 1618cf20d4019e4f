"""The evaluators catch the demo's incidents and stay quiet on its normal traffic."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import spyglass.alerts as spyglass_alerts
import spyglass.sdk as spyglass
from spyglass.core.settings import EvaluatorSettings
from spyglass.demo.traffic import DemoTraffic
from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.engine import LazyEncoder, run_evaluators
from spyglass.evaluators.registry import load_evaluators
from spyglass.sdk.wire import validate_span

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evaluate():
    evaluators = load_evaluators(["toxicity", "pii", "hallucination"], EvaluatorSettings())
    ctx = EvalContext(LazyEncoder("cpu"))

    seen: dict[str, dict[str, float]] = {}

    def flag_rates(phase: str, requests: int = 40) -> dict[str, float]:
        if phase in seen:
            return seen[phase]
        sink = spyglass.InMemorySink()
        spyglass.init(project="demo", exporter=sink)
        traffic = DemoTraffic(seed=5)
        for _ in range(requests):
            traffic.step(phase)
        spyglass.shutdown()
        spans = [validate_span(s) for s in sink.spans]
        answers = [s for s in spans if s["kind"] == "llm" and s["completion"] and s["name"] != "plan"]
        scores = run_evaluators(answers, evaluators, ctx)
        rates = {name: sum(scores[s["span_id"]][name].flagged for s in answers) / len(answers)
                 for name in ("toxicity", "pii", "hallucination")}
        print(f"\n{phase}: flag rates over {len(answers)} answers: {rates}")
        seen[phase] = rates
        return rates

    return flag_rates


def test_normal_traffic_is_mostly_clean(evaluate):
    rates = evaluate("normal")
    assert rates["toxicity"] <= 0.05 and rates["pii"] <= 0.05 and rates["hallucination"] <= 0.15


@pytest.mark.parametrize("phase, evaluator, rate", [("toxic", "toxicity", 0.9), ("pii", "pii", 0.9),
                                                     ("unsupported", "hallucination", 0.9)])
def test_incidents_are_flagged(evaluate, phase, evaluator, rate):
    assert evaluate(phase)[evaluator] >= rate


def _rule_threshold(metric: str) -> float:
    rules = yaml.safe_load((Path(spyglass_alerts.__file__).parent / "rules" / "default.yaml").read_text())["rules"]
    return next(float(r["threshold"]) for r in rules if r["metric"] == metric)


# Each incident pages its own rule and no other: insults are not factual claims (the claim gate),
# and the leaked record is in the span's context, so neither is a hallucination.
@pytest.mark.parametrize("phase", ["toxic", "pii"])
def test_other_incidents_stay_under_the_hallucination_rule(evaluate, phase):
    assert evaluate(phase)["hallucination"] < _rule_threshold("evaluator:hallucination:flag_rate")
