"""Rows to seed straight into ClickHouse (faster than the broker): evaluations and spans."""

from __future__ import annotations

import time
from typing import Any


def evaluation_rows(project: str, n: int, flagged: int, evaluator: str = "toxicity", at: float | None = None,
                    prefix: str = "t", details: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """``n`` evaluation rows of ``project`` (the first ``flagged`` flagged), timed ``at`` (default now)."""
    at = time.time() if at is None else at
    return [{"project": project, "trace_id": f"{prefix}{i}-{project}", "span_id": f"{prefix}{i}-{project}-s",
             "service": "support-bot", "model": "gpt-4o-mini", "environment": "prod", "span_start": at,
             "evaluator": evaluator, "version": "1", "score": 0.95 if i < flagged else 0.01,
             "label": "toxic" if i < flagged else "ok", "flagged": i < flagged,
             "details": (details or {}) if i < flagged else {}} for i in range(n)]


def span_rows(project: str, n: int, errors: int = 0, duration_ms: float = 100.0,
              at: float | None = None) -> list[dict[str, Any]]:
    """``n`` span rows (``spans`` table columns) of ``project``; the first ``errors`` failed."""
    at = time.time() if at is None else at
    return [{"project": project, "trace_id": f"tr{i}-{project}", "span_id": f"sp{i}-{project}", "parent_span_id": "",
             "service": "support-bot", "name": "chat", "kind": "llm", "start_time": at, "end_time": at + duration_ms / 1000,
             "duration_ms": duration_ms, "status": "error" if i < errors else "ok", "error": "", "model": "gpt-4o-mini",
             "provider": "openai", "prompt": "secret prompt text", "prompt_messages": "", "completion": "secret answer",
             "prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30, "cost": 0.001, "conversation_id": "",
             "user_id": "", "prompt_name": "", "prompt_version": "", "context": [], "context_sources": [], "tags": [],
             "metadata": {}, "metadata_num": {}, "environment": "prod", "release": "1"} for i in range(n)]
