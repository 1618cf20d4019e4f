"""Evaluators as a consumer group on the real broker: scores land in ClickHouse and the API."""

from __future__ import annotations

import threading
import time

import pytest

from spyglass.core.settings import EvaluatorSettings
from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.engine import LazyEncoder
from spyglass.evaluators.registry import load_evaluators
from spyglass.evaluators.sink import EvaluationSink
from spyglass.ingest.consumer import SpanConsumer
from support import Exploding, Length, unique_name, wait_for

pytestmark = pytest.mark.integration

TOXIC = "You are a worthless idiot and everyone hates you, shut up you stupid moron."
LEAK = "Sure! Her email is jane.doe@example.com and her phone number is 212-555-0147."
CLEAN = "Refunds are accepted within 30 days of delivery with the original receipt."


def llm_span(project: str, trace_id: str, completion: str, prompt: str = "How do refunds work?") -> dict:
    t0 = time.time() - 30
    return {"trace_id": trace_id, "span_id": f"{trace_id}-llm", "project": project, "name": "chat", "kind": "llm",
            "start_time": t0, "end_time": t0 + 1, "model": "gpt-4o-mini", "prompt": prompt,
            "completion": completion}


def test_toxic_and_pii_spans_are_scored_and_served(stack, api):
    project = unique_name("eval")
    spans = [llm_span(project, f"{project}-toxic", TOXIC), llm_span(project, f"{project}-leak", LEAK),
             llm_span(project, f"{project}-clean", CLEAN)]
    assert api.post("/v1/spans", json=spans).status_code == 202

    def scores(trace_id):
        response = api.get(f"/v1/traces/{trace_id}")
        if response.status_code != 200:
            return None
        found = response.json()["spans"][0]["scores"]
        return found if {"toxicity", "pii"} <= set(found) else None

    toxic = wait_for(lambda: scores(f"{project}-toxic"), 120, message="toxic span scored")
    leak = wait_for(lambda: scores(f"{project}-leak"), 60, message="leaking span scored")
    clean = wait_for(lambda: scores(f"{project}-clean"), 60, message="clean span scored")
    assert toxic["toxicity"]["flagged"] and toxic["toxicity"]["score"] > clean["toxicity"]["score"]
    assert not clean["toxicity"]["flagged"] and not clean["pii"]["flagged"]
    assert leak["pii"]["flagged"] and leak["pii"]["label"] == "leak"
    types = {e["type"] for e in leak["pii"]["details"]["entities"]}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= types
    assert "jane.doe@example.com" not in str(leak["pii"]), "raw PII never leaves the evaluator"

    listed = api.get("/v1/traces", params={"project": project, "flagged": "toxicity"}).json()["traces"]
    assert [t["trace_id"] for t in listed] == [f"{project}-toxic"] and listed[0]["flagged"] == ["toxicity"]
    assert [t["trace_id"] for t in api.get("/v1/traces", params={"project": project, "flagged": "pii"}
                                           ).json()["traces"]] == [f"{project}-leak"]
    rollup = stack.store.rows("SELECT evaluator, sum(evaluated) AS n, sum(flagged) AS f FROM evaluations_1m "
                              "WHERE project = {p:String} AND evaluator IN ('pii', 'toxicity') GROUP BY evaluator ORDER BY evaluator",
                              parameters={"p": project})
    assert rollup == [{"evaluator": "pii", "n": 3, "f": 1}, {"evaluator": "toxicity", "n": 3, "f": 1}]


def test_a_raising_evaluator_leaves_the_others_intact(stack, api, broker):
    project = unique_name("boom")
    pii = load_evaluators(["pii"], EvaluatorSettings())[0]
    sink = EvaluationSink(stack.store, [Exploding(), Length(), pii], EvalContext(LazyEncoder("cpu")))
    consumer = SpanConsumer(sink, broker.bootstrap, stack.settings.broker.spans_topic, unique_name("evaluators"),
                            100, 50, consumer_options={"max_poll_interval_ms": 1500}, label="test-evaluators")
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        assert api.post("/v1/spans", json=[llm_span(project, f"{project}-t", LEAK)]).status_code == 202

        def scored():
            rows = stack.store.rows("SELECT evaluator, score, label, flagged, details FROM evaluations FINAL "
                                    "WHERE project = {p:String} AND evaluator IN ('exploding', 'length', 'pii') "
                                    "ORDER BY evaluator", parameters={"p": project})
            return rows if len(rows) == 3 else None

        exploding, length, pii_row = wait_for(scored, 120, message="three evaluator rows")
    finally:
        consumer.stop()
        thread.join(30)
    assert (exploding["label"], exploding["score"], exploding["flagged"]) == ("error", None, False)
    assert "model fell over" in exploding["details"]
    assert (length["label"], length["flagged"]) == ("long", True)
    assert pii_row["label"] == "leak" and pii_row["flagged"]
