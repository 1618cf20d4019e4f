"""The metric catalogue: one name per metric, and every place that names a metric uses it."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from spyglass.alerts import metrics as alert_metrics
from spyglass.core.errors import InvalidInput
from spyglass.core.metric_names import CATALOGUE, DEPRECATED, parse_metric_name, renamed
from spyglass.storage import metrics as series_metrics

ROOT = Path(__file__).parents[2]
_TICKED = re.compile(r"`([^`\s]+)`")
_METRIC_FIELD = re.compile(r"^\s*-?\s*metric:\s*['\"]?([^\s'\"#]+)|\"metric\":\s*\"([^\"]+)\"")


def _canonical(token: str) -> str | None:
    """Why ``token`` (a name as written in a doc, ``<evaluator>`` allowed) is not a catalogue name, or None."""
    concrete = re.sub(r"<[^>]+>", "x", token)
    if renamed(concrete) is not None:
        return f"{token} is a deprecated name"
    try:
        parse_metric_name(concrete)
    except InvalidInput:
        return f"{token} is not in the catalogue"
    return None


def _looks_like_a_metric(token: str) -> bool:
    """A name with a colon that the catalogue or its old names would read (a column such as ``flagged`` is not)."""
    first = re.sub(r"<[^>]+>", "x", token).split("|")[0]
    return renamed(first) is not None or (":" in first and first.split(":")[0] in CATALOGUE)


def test_alerts_and_the_metrics_api_compute_exactly_the_catalogue():
    alert_sql = {**alert_metrics.SPAN_VALUES, **alert_metrics.EVAL_VALUES, **alert_metrics.FEEDBACK_VALUES,
                 **alert_metrics.AGREEMENT_VALUES, **alert_metrics.BIAS_VALUES, **alert_metrics.DRIFT_VALUES}
    assert set(alert_sql) == set(CATALOGUE)
    series = {**series_metrics.SPAN_METRICS, **series_metrics.EVALUATOR_METRICS, **series_metrics.FEEDBACK_METRICS}
    assert set(series) == {name for name, m in CATALOGUE.items() if m.series}
    for name in CATALOGUE:  # both parsers read every name the same way
        text = f"{name}:x" if CATALOGUE[name].subject else name
        assert alert_metrics.parse_metric(text).text == parse_metric_name(text).text == text


def test_old_names_are_read_as_new_ones_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, "spyglass.metrics")
    assert parse_metric_name("evaluator:judge_x:mean").text == "score_mean:judge_x"
    assert parse_metric_name("evaluator:judge_x:mean").text == "score_mean:judge_x"
    warnings = [r for r in caplog.records if "evaluator:judge_x:mean" in r.getMessage()]
    assert len(warnings) == 1 and "score_mean:judge_x" in warnings[0].getMessage()
    for old, new in DEPRECATED.items():
        assert parse_metric_name(old.replace("<x>", "e")).text == new.replace("<x>", "e")


@pytest.mark.parametrize("bad", ["flag_rate", "requests:x", "latency_p42", "evaluator:x:median", "flag_rate:a b"])
def test_unknown_names_are_refused_with_the_choices(bad):
    with pytest.raises(InvalidInput, match="choose one of .*flag_rate:<evaluator>"):
        parse_metric_name(bad)


def test_every_alert_rule_file_uses_catalogue_names():
    for path in sorted((ROOT / "alerts" / "rules").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            assert _canonical(rule["metric"]) is None, f"{path.name}: {rule['name']}"


def test_the_docs_name_metrics_from_the_catalogue():
    docs = [ROOT / "README.md", ROOT / "alerts" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    problems = []
    for path in docs:
        text = path.read_text()
        if path.name == "metrics.md":  # its table of deprecated names is the deprecation note
            text = text.split("## Old names")[0]
        for number, line in enumerate(text.splitlines(), 1):
            fields = [a or b for a, b in _METRIC_FIELD.findall(line)]
            tokens = [t for t in _TICKED.findall(line) if _looks_like_a_metric(t)] + fields
            problems += [f"{path.relative_to(ROOT)}:{number}: {why}" for t in tokens if (why := _canonical(t))
                         and not ("deprecated name" in why and "deprecat" in line)]  # the deprecation note
    assert not problems, "\n".join(problems)


def test_docs_metrics_md_lists_the_catalogue_and_every_old_name():
    text = (ROOT / "docs" / "metrics.md").read_text()
    listed = {t.split(":")[0] for t in re.findall(r"^\| `([^`]+)`", text, re.M)}
    assert set(CATALOGUE) <= listed
    assert all(f"`{old.replace('<x>', '<name>')}`" in text for old in DEPRECATED)


def test_dashboards_name_catalogue_metrics_on_every_rollup_panel():
    for path in sorted((ROOT / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            sql = " ".join(t.get("rawSql", "") for t in panel.get("targets", []))
            named = _TICKED.findall(panel.get("description", ""))
            assert all(_canonical(n) is None for n in named), f"{path.name}: {panel['title']}: {named}"
            if re.search(r"\b(spans_1m|evaluations_1m|scores_1m)\b", sql):
                assert named, f"{path.name}: {panel['title']} reads a rollup but names no catalogue metric"
