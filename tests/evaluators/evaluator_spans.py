"""Span rows for evaluator tests."""

from __future__ import annotations


def make_span(span_id: str, completion: str, prompt: str = "", **extra) -> dict:
    """A normalized span row as ``validate_span`` returns it (only the fields evaluators read)."""
    return {"span_id": span_id, "trace_id": "t-" + span_id, "prompt": prompt, "completion": completion,
            "context": [], "model": "test-model", **extra}
