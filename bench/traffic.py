"""Realistic generated spans for benchmarks: RAG answers, chains, tools, chat prompts.

Sizes follow what LLM apps send: prompts of a few hundred to a few thousand characters,
completions of a few hundred, retrieved documents on retrieval-augmented calls.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

_WORDS = ("the customer asked about refund policy shipping delay invoice account password reset "
          "order tracking warranty claim subscription upgrade billing cycle payment method "
          "returns exchange product manual troubleshooting network latency error timeout "
          "database migration deployment rollback feature flag experiment cohort retention").split()
MODELS = ("gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "llama-3.1-70b")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def generate_spans(n: int, project: str = "bench", seed: int = 7, start: float | None = None) -> list[dict[str, Any]]:
    """``n`` wire-format spans in traces of 1 chain + 3 children (retrieval, llm, tool)."""
    rng = random.Random(seed)
    base = start if start is not None else time.time() - 3600
    spans: list[dict[str, Any]] = []
    while len(spans) < n:
        trace = uuid.UUID(int=rng.getrandbits(128)).hex
        root = trace[:16]
        t0 = base + len(spans) * 0.0005
        question = _text(rng, rng.randint(10, 40))
        docs = [{"content": _text(rng, rng.randint(40, 120)), "source": f"kb://doc/{rng.randint(1, 9999)}"}
                for _ in range(rng.randint(1, 3))]
        answer = _text(rng, rng.randint(30, 120))
        model = rng.choice(MODELS)
        common = {"trace_id": trace, "project": project, "service": "support-bot", "environment": "prod",
                  "release": "2026.11.1", "conversation_id": f"conv-{rng.randint(1, 5000)}",
                  "user_id": f"user-{rng.randint(1, 2000)}"}
        spans.append({**common, "span_id": root, "name": "answer_question", "kind": "chain",
                      "start_time": t0, "end_time": t0 + 1.9, "tags": ["rag"]})
        spans.append({**common, "span_id": uuid.UUID(int=rng.getrandbits(128)).hex[:16], "parent_span_id": root,
                      "name": "retrieve", "kind": "retrieval", "start_time": t0, "end_time": t0 + 0.08,
                      "prompt": question, "context": docs})
        spans.append({**common, "span_id": uuid.UUID(int=rng.getrandbits(128)).hex[:16], "parent_span_id": root,
                      "name": "chat", "kind": "llm", "start_time": t0 + 0.1, "end_time": t0 + 0.1 + rng.uniform(0.3, 2.5),
                      "model": model, "provider": "openai" if model.startswith("gpt") else "other",
                      "prompt": [{"role": "system", "content": "You are a helpful support assistant. " * 4},
                                 {"role": "user", "content": question}],
                      "completion": answer, "context": docs,
                      "prompt_tokens": rng.randint(200, 1500), "completion_tokens": rng.randint(30, 300),
                      "cost": rng.uniform(0.0001, 0.02), "prompt_name": "support-answer", "prompt_version": "3",
                      "metadata": {"temperature": 0.2, "route": "faq"}})
        spans.append({**common, "span_id": uuid.UUID(int=rng.getrandbits(128)).hex[:16], "parent_span_id": root,
                      "name": "lookup_order", "kind": "tool", "start_time": t0 + 1.8, "end_time": t0 + 1.85,
                      "metadata": {"order_id": str(rng.randint(10_000, 99_999))}})
    return spans[:n]
