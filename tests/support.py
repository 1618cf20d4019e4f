"""Helpers shared by tests: unique names and polling with a deadline (never bare sleeps)."""

from __future__ import annotations

import time
import uuid
from typing import Callable, TypeVar

from spyglass.evaluators.base import Evaluator, Score

T = TypeVar("T")


def unique_name(prefix: str) -> str:
    """A name no other test uses: topics, consumer groups, databases, projects."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def wait_for(check: Callable[[], T], timeout_s: float = 30.0, interval_s: float = 0.1,
             message: str = "condition") -> T:
    """Call ``check`` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    last: T = check()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {message}; last value {last!r}")
        time.sleep(interval_s)
        last = check()
    return last


def spans_by_name(api, trace_id: str) -> dict[str, dict]:
    """``GET /v1/traces/{trace_id}`` through ``api`` as {span name: span}; {} until the trace is stored."""
    response = api.get(f"/v1/traces/{trace_id}")
    if response.status_code != 200:
        return {}
    found: dict[str, dict] = {}

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            found[node["name"]] = node
            walk(node["children"])
    walk(response.json()["spans"])
    return found


class Exploding(Evaluator):
    """An evaluator whose model always fails: the others' scores must survive it."""

    name = "exploding"
    version = "1"

    def evaluate(self, spans, ctx):
        raise RuntimeError("model fell over")


class Length(Evaluator):
    """A model-free evaluator: the completion's length (score up to 1.0 at 100 characters), flagged past 60."""

    name = "length"
    version = "1"

    def evaluate(self, spans, ctx):
        return [Score(min(len(s["completion"]) / 100, 1.0), "long" if len(s["completion"]) > 60 else "short",
                      len(s["completion"]) > 60) for s in spans]
