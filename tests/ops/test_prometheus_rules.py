"""deploy/prometheus rules: valid for the real promtool, their unit tests pass, and they only use real metrics."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from spyglass.telemetry.catalogue import catalogue

FOLDER = Path(__file__).parents[2] / "deploy" / "prometheus"
RULES = FOLDER / "spyglass-rules.yml"


def exposed_names() -> set[str]:
    """Every series name the catalogue exposes (counters' _total, histograms' _bucket/_sum/_count)."""
    names = set()
    for metric in catalogue():
        for family in metric.describe():
            names |= {s for s in (family.name, f"{family.name}_total", f"{family.name}_bucket",
                                  f"{family.name}_sum", f"{family.name}_count", f"{family.name}_created")}
    return names


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bspyglass_[a-z0-9_]+", expr))


def test_rules_use_only_metrics_spyglass_exposes():
    exprs = [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    used = set().union(*map(metric_names, exprs))
    assert used and used <= exposed_names(), used - exposed_names()


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed (Debian prometheus; .ci/run)")
def test_promtool_checks_and_unit_tests_the_rules():
    check = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    tested = subprocess.run(["promtool", "test", "rules", "spyglass-rules.test.yml"], cwd=FOLDER,
                            capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stdout + tested.stderr
