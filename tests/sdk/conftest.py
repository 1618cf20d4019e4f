"""SDK test fixtures: an SDK set up with an in-memory sink, and a clean global state per test."""

from __future__ import annotations

import logging
from typing import Iterator

import pytest

import spyglass.sdk as spyglass
from spyglass.sdk._log import reset_warnings


@pytest.fixture(autouse=True)
def clean_sdk() -> Iterator[None]:
    """Every test starts and ends without an active SDK client or remembered warnings."""
    spyglass.shutdown(timeout_s=1)
    reset_warnings()
    yield
    spyglass.shutdown(timeout_s=1)
    reset_warnings()


@pytest.fixture()
def sink() -> spyglass.InMemorySink:
    """The SDK initialised to export into an in-memory sink, flushing every 20 ms."""
    memory = spyglass.InMemorySink()
    spyglass.init(project="sdk-tests", service="tests", exporter=memory, flush_interval_s=0.02)
    return memory


@pytest.fixture()
def sdk_warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the SDK's own warnings."""
    caplog.set_level(logging.WARNING, logger="spyglass.sdk")
    return caplog
