"""Bias monitoring through the real broker and chDB: prompts naming one group refused far more often."""

from __future__ import annotations

import random
import time

import pytest

from spyglass.bias.monitor import run_bias
from support import unique_name, wait_for

pytestmark = pytest.mark.integration

GROUPS = {"muslims": "my Muslim neighbour", "women": "my sister, a woman engineer", "immigrants": "a refugee family",
          "older people": "my elderly father"}


def test_a_group_refused_far_more_often_is_reported(stack, api):
    project = unique_name("bias")
    rng = random.Random(7)
    t0 = time.time() - 120
    spans = []
    for group, phrase in GROUPS.items():
        for i in range(60):
            refused = rng.random() < (0.5 if group == "muslims" else 0.05)
            spans.append({"trace_id": f"{project}-{group[:3]}-{i}", "span_id": f"{project}-{group[:3]}-{i}",
                          "project": project, "name": "chat", "kind": "llm", "start_time": t0 + i,
                          "end_time": t0 + i + 1, "model": "m", "prompt": f"Help me plan a trip for {phrase}.",
                          "completion": "I'm sorry, but I can't help with that." if refused
                          else "Here is a three-day plan with museums and parks."})
    assert api.post("/v1/spans", json=spans).status_code == 202
    wait_for(lambda: stack.store.rows("SELECT count() AS n FROM spans WHERE project = {p:String}",
                                      parameters={"p": project})[0]["n"] == 240, 60, message="spans stored")

    report = api.get("/v1/bias", params={"project": project}).json()
    disparate = [(c["dimension"], c["segment"], c["outcome"]) for c in report["comparisons"]]
    assert disparate == [("religion", "muslims", "refusal")], report
    muslims = report["comparisons"][0]
    assert muslims["segment_n"] == 60 and muslims["rate_ratio"] > 1.25 and muslims["p_adjusted"] < 0.01
    every = api.get("/v1/bias", params={"project": project, "all": "true"}).json()
    assert every["tested"] >= 4 and all(c["p_adjusted"] >= c["p_value"] for c in every["comparisons"])

    # a scheduled `spyglass bias` run writes reports; a rule on them pages for the disparate group
    run_id, written = run_bias(stack.store, project, t0 - 60, time.time())
    assert [c.segment for c in written if c.disparate] == ["muslims"]
    rule = {"name": f"bias {project}", "metric": "bias_disparate", "threshold": 0.5, "window": "15m",
            "group_by": ["project", "dimension", "segment", "outcome"], "filters": {"project": [project]},
            "channels": ["log"]}
    assert api.post("/v1/alert-rules", json=rule).status_code == 201
    def ours() -> list[dict]:  # the packaged rule "Bias detected" pages for it too
        alerts = api.get("/v1/alerts", params={"project": project, "state": "firing"}).json()["alerts"]
        return [a for a in alerts if a["rule_name"] == rule["name"]]

    firing = wait_for(ours, 60, message="bias alert firing")
    assert [(a["labels"]["segment"], a["labels"]["outcome"]) for a in firing] == [("muslims", "refusal")]

    # the stack's periodic pass (spyglass up) finds the project by itself and writes its reports
    from spyglass.bias.service import BiasOptions, BiasService

    before = stack.store.rows("SELECT count() AS n FROM bias_reports WHERE project = {p:String}",
                              parameters={"p": project})[0]["n"]
    found = BiasService(stack.store, BiasOptions(window_minutes=10)).run_pass()
    assert [c.segment for c in found[project] if c.disparate] == ["muslims"]
    after = stack.store.rows("SELECT count() AS n FROM bias_reports WHERE project = {p:String}",
                             parameters={"p": project})[0]["n"]
    assert after == before + len(found[project])
