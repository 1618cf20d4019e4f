"""Deterministic spans and evaluations in two projects, with totals the tests can check exactly."""

from __future__ import annotations

from dataclasses import dataclass

from spyglass.sdk.wire import validate_span
from spyglass.storage.evaluations import insert_evaluations
from spyglass.storage.spans import insert_spans
from spyglass.storage.store import Store

EVALUATORS = ("toxicity", "pii", "hallucination")


@dataclass(frozen=True)
class Seeded:
    """What was written: project names, the first minute (epoch s, aligned to the hour) and counts."""

    project: str
    other: str
    start: int
    minutes: int
    per_minute: int


def seed_projects(store: Store, project: str, other: str, start: int, minutes: int = 10,
                  per_minute: int = 6) -> Seeded:
    """``per_minute`` spans a minute for ``minutes`` minutes in ``project`` (every 3rd an error, latency
    100 ms * (i+1), 10 tokens and $0.01 each, services a/b alternating, model m1) and one span a minute in
    ``other``; each llm span of ``project`` scored by three evaluators, every 2nd flagged, score 0.25/0.75."""
    spans, evaluations = [], []
    for minute in range(minutes):
        for i in range(per_minute):
            t = start + minute * 60 + i
            span = {"project": project, "trace_id": f"t{minute}-{i}", "span_id": f"s{minute}-{i}",
                    "service": "a" if i % 2 == 0 else "b", "name": "chat", "kind": "llm", "model": "m1",
                    "environment": "prod", "start_time": t, "end_time": t + 0.1 * (i + 1),
                    "status": "error" if i % 3 == 0 else "ok", "prompt": "hi", "completion": "hello",
                    "prompt_tokens": 4, "completion_tokens": 6, "cost": 0.01, "user_id": "u1", "tags": ["x"]}
            spans.append(span)
            for evaluator in EVALUATORS:
                evaluations.append({"project": project, "trace_id": span["trace_id"], "span_id": span["span_id"],
                                    "service": span["service"], "model": "m1", "environment": "prod",
                                    "span_start": t, "evaluator": evaluator, "version": "1",
                                    "score": 0.75 if i % 2 == 0 else 0.25, "label": "flagged" if i % 2 == 0 else "ok",
                                    "flagged": i % 2 == 0, "details": {}})
        spans.append({"project": other, "trace_id": f"o{minute}", "span_id": f"o{minute}", "service": "secret",
                      "name": "chat", "kind": "llm", "model": "m2", "start_time": start + minute * 60,
                      "end_time": start + minute * 60 + 5, "prompt": "other project's prompt", "cost": 100.0})
    insert_spans(store, [validate_span(s) for s in spans])
    insert_evaluations(store, evaluations)
    return Seeded(project, other, start, minutes, per_minute)
