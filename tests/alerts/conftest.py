"""Fixtures for alert tests: a recording HTTP receiver per test."""

from __future__ import annotations

import pytest

from receivers import Receiver


@pytest.fixture()
def receiver():
    """A recording HTTP endpoint answering 200 (202 for PagerDuty-style use: set ok_status)."""
    running = Receiver().start()
    yield running
    running.stop()
