"""Fixtures for operating tests: the real Alertmanager and Prometheus, skipped only when not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "alerts"))  # the recording receivers

from receivers import Receiver  # noqa: E402
from services import ALERTMANAGER_BINARIES, PROMETHEUS_BINARIES, binary  # noqa: E402


@pytest.fixture()
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def alertmanager_bin() -> str:
    found = binary(ALERTMANAGER_BINARIES)
    if not found:
        pytest.skip("Alertmanager not installed (apt-get install prometheus-alertmanager; .ci/run does)")
    return found


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    found = binary(PROMETHEUS_BINARIES)
    if not found:
        pytest.skip("Prometheus not installed (apt-get install prometheus; .ci/run does)")
    return found
