"""Helpers shared by the SDK tests (a module of its own: every test folder has a conftest)."""

from __future__ import annotations

import spyglass.sdk as spyglass


def collected(sink: spyglass.InMemorySink) -> dict[str, dict]:
    """Flush and return the sink's spans by name (names are unique within a test)."""
    assert spyglass.flush(5)
    return {span["name"]: span for span in sink.spans}
