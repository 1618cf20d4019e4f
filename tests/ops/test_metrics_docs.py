"""docs/operations.md lists every metric with its labels, exactly as the catalogue defines them."""

from __future__ import annotations

from pathlib import Path

from spyglass.core.settings import MetricsSettings
from spyglass.telemetry.catalogue import catalogue
from spyglass.telemetry.doc import BEGIN, END, metrics_markdown

DOC = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()


def test_the_metric_table_is_current():
    published = DOC[DOC.index(BEGIN):DOC.index(END) + len(END)]
    assert published == metrics_markdown(), "regenerate: python -m spyglass.telemetry.doc (between the markers)"


def test_every_metric_and_label_is_listed_and_every_metrics_setting_documented():
    for metric in catalogue():
        name = metric.describe()[0].name
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{name}"))
        assert all(f"`{label}`" in row for label in metric._labelnames), row
    for variable in MetricsSettings.variables().values():
        if variable.startswith("SPYGLASS_METRICS_PORT_"):
            assert f"_{variable.removeprefix('SPYGLASS_METRICS_PORT_')}`" in DOC
    assert "`SPYGLASS_ALERTMANAGER_REPOST_S`" in DOC
