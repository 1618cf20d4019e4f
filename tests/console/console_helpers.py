"""Helpers of the console tests (a module of its own: test folders each have a ``conftest``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class NoPublisher:
    """The console never ingests; a publish here is a bug."""

    def publish(self, spans: list) -> int:
        raise AssertionError("the console never publishes spans")

    def connected(self) -> bool:
        return False


def log_in(page: Any, world: Any, key: str, path: str = "/") -> None:
    """Open ``path`` logged out, log in with ``key``, land back on ``path``."""
    page.goto(world.url + path)
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot under docs/screenshots/ (the README shows two)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


