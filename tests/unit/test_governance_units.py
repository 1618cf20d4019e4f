"""Pure parts of issue 16: score validation, the score metric, audit normalization and routing."""

from __future__ import annotations

import pytest

from spyglass.alerts.metrics import metric_query, parse_metric
from spyglass.api.audit import _action, audited
from spyglass.sdk.score_wire import ScoreError, scores_topic, validate_score
from spyglass.storage.audit import normalized_sql_hash


def test_scores_are_numbers_booleans_or_categories():
    base = {"project": "p", "trace_id": "t", "name": "thumbs"}
    assert validate_score({**base, "value": True})["data_type"] == "boolean"
    assert validate_score({**base, "value": 0.5})["value"] == 0.5
    cat = validate_score({**base, "value": "off-topic", "source": "reviewer"})
    assert (cat["data_type"], cat["category"], cat["value"]) == ("categorical", "off-topic", None)
    assert validate_score(cat) == cat, "a normalized row validates to itself (API -> topic -> consumer)"
    for bad, field in (({**base, "value": None}, "value"), ({**base, "value": float("nan")}, "value"),
                       ({**base, "value": 1, "source": "bot"}, "source"), ({"name": "x", "value": 1}, "project")):
        with pytest.raises(ScoreError) as err:
            validate_score(bad)
        assert err.value.field == field
    assert scores_topic("spyglass.spans") == "spyglass.scores" and scores_topic("t") == "t.scores"


def test_score_metric_reads_the_score_rollup():
    metric = parse_metric("feedback_negative_rate:thumbs_up")
    sql, params = metric_query(metric, {"project": ["p"]}, ["model"], 0, 900)
    assert "FROM scores_1m" in sql and "sum(negative) / sum(valued)" in sql and params["evaluator"] == "thumbs_up"


def test_sql_hash_ignores_values_and_layout():
    assert normalized_sql_hash("SELECT * FROM spans WHERE user_id = 'bob' LIMIT 10") == \
        normalized_sql_hash("select *  from spans\nwhere user_id = 'alice' limit 5;")
    assert normalized_sql_hash("SELECT 1 FROM spans") != normalized_sql_hash("SELECT 1 FROM scores")


def test_what_is_audited_and_how_it_is_named():
    assert audited("POST", "/v1/sql") and audited("DELETE", "/v1/users/u") and audited("GET", "/v1/traces/t")
    assert not audited("POST", "/v1/spans") and not audited("GET", "/v1/metrics")
    assert audited("GET", "/traces/t") and audited("POST", "/alerts/a/ack") and not audited("GET", "/alerts")
    assert _action("POST", "/v1/alerts/a1/ack") == ("POST /v1/alerts/{id}/ack", "a1")
    action, target = _action("DELETE", "/v1/users/bob@example.com")
    assert action == "DELETE /v1/users/{id}" and "bob" not in target, "user ids are hashed in the log"


def test_agreement_figures_by_hand():
    from spyglass.evaluators.agreement import Confusion, agreement, wilson

    out = agreement(Confusion(tp=8, fp=2, fn=3, tn=7))
    assert out["precision"] == pytest.approx(0.8) and out["kappa"] == pytest.approx(0.5)
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4) and wilson(0, 0) is None
    perfect = agreement(Confusion(tp=5, tn=5))
    assert perfect["kappa"] == 1.0 and perfect["kappa_ci"] == (1.0, 1.0)
    assert agreement(Confusion())["n"] == 0 and agreement(Confusion())["kappa"] is None


def test_holm_and_the_disparity_verdict():
    from spyglass.bias.compare import compare_segments, holm, two_proportion_p

    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert two_proportion_p(10, 100, 10, 100) == 1.0 and two_proportion_p(30, 100, 5, 100) < 1e-4
    found = {c.segment: c for c in compare_segments(
        [("religion", "a", "refusal", 100, 30), ("religion", "b", "refusal", 100, 5), ("religion", "c", "refusal", 10, 9)],
        {"refusal": (400, 45)})}
    assert found["a"].disparate and found["a"].rate_ratio > 1.25
    assert not found["b"].disparate, "a group treated better than the rest is not reported"
    assert "c" not in found, "too few spans to test"


def test_lexicon_and_refusals():
    from spyglass.bias.lexicon import groups_in
    from spyglass.bias.refusal import is_refusal

    assert groups_in("Tips for my elderly Muslim neighbour") == {("age", "older people"), ("religion", "muslims")}
    assert groups_in("Mandatory manual") == set(), "whole words only"
    assert is_refusal("I\u2019m sorry, but I can\u2019t help with that.") and is_refusal("As an AI, I cannot do that.")
    assert not is_refusal("Sure! I can help with that: first, open the settings.")
