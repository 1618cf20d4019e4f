"""Data the console tests look at, written straight into ClickHouse: traces, scores, an alert."""

from __future__ import annotations

import json
import time
from typing import Any

XSS_COMPLETION = "<img src=x onerror=alert(1)>"
XSS_PROMPT = "<script>alert('prompt')</script> what is my balance?"
TOXIC_TEXT = "Thanks for asking. You are an idiot and nobody will help you."
UNSUPPORTED = "Refunds are available for 90 days."
EVIDENCE = "Refunds are accepted within 30 days of purchase."
EMAIL = "jane.doe@example.com"


def span(project: str, trace_id: str, span_id: str, parent: str, name: str, kind: str, start: float, ms: float,
         **extra: Any) -> dict[str, Any]:
    """A ``spans`` row; ``extra`` overrides columns."""
    row = {"project": project, "trace_id": trace_id, "span_id": span_id, "parent_span_id": parent,
           "service": "support-bot", "name": name, "kind": kind, "start_time": start, "end_time": start + ms / 1000,
           "duration_ms": ms, "status": "ok", "error": "", "model": "", "provider": "", "prompt": "",
           "prompt_messages": "", "completion": "", "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
           "cost": 0.0, "conversation_id": "", "user_id": "", "prompt_name": "", "prompt_version": "",
           "context": [], "context_sources": [], "tags": [], "metadata": {}, "metadata_num": {},
           "environment": "prod", "release": "1"}
    row.update(extra)
    return row


def llm(project: str, trace_id: str, span_id: str, parent: str, start: float, ms: float, completion: str,
        **extra: Any) -> dict[str, Any]:
    messages = [{"role": "system", "content": "You are a support assistant."},
                {"role": "user", "content": extra.pop("question", "Can I get a refund?")}]
    return span(project, trace_id, span_id, parent, "generate answer", "llm", start, ms, model="gpt-4o-mini",
                provider="openai", prompt="\n".join(m["content"] for m in messages),
                prompt_messages=json.dumps(messages), completion=completion, prompt_tokens=120,
                completion_tokens=40, total_tokens=160, cost=0.0021, conversation_id=f"conv-{trace_id}",
                user_id="user-7", prompt_name="support", prompt_version="3", **extra)


def incident_trace(project: str, trace_id: str, start: float) -> tuple[list[dict], list[dict]]:
    """A nested trace (root > retrieve, generate > tool) whose answer is toxic, leaks PII and is unsupported."""
    completion = f"{TOXIC_TEXT} {UNSUPPORTED} Write to {EMAIL}."
    spans = [
        span(project, trace_id, f"{trace_id}-root", "", "POST /chat", "chain", start, 900),
        span(project, trace_id, f"{trace_id}-ret", f"{trace_id}-root", "retrieve policy", "retrieval", start + 0.05,
             150),
        llm(project, trace_id, f"{trace_id}-gen", f"{trace_id}-root", start + 0.25, 600, completion,
            context=[EVIDENCE, "Shipping takes 5 days."], context_sources=["policy.md", "shipping.md"],
            metadata={"region": "eu"}),
        span(project, trace_id, f"{trace_id}-tool", f"{trace_id}-gen", "lookup order", "tool", start + 0.4, 100,
             status="error", error="order service timed out"),
    ]
    at = completion.index(EMAIL)
    toxic_at = completion.index("You are an idiot")
    base = {"project": project, "trace_id": trace_id, "span_id": f"{trace_id}-gen", "service": "support-bot",
            "model": "gpt-4o-mini", "environment": "prod", "span_start": start + 0.25, "version": "1"}
    scores = [
        {**base, "evaluator": "toxicity", "score": 0.97, "label": "toxic", "flagged": True,
         "details": {"threshold": 0.5, "spans": [{"start": toxic_at, "end": toxic_at + len("You are an idiot"),
                                                  "type": "insult"}]}},
        {**base, "evaluator": "pii", "score": 0.9, "label": "leak", "flagged": True,
         "details": {"entities": [{"type": "EMAIL_ADDRESS", "start": at, "end": at + len(EMAIL),
                                   "field": "completion", "score": 0.9}],
                     "counts": {"prompt": {}, "completion": {"EMAIL_ADDRESS": 1}}, "leaked_types": ["EMAIL_ADDRESS"],
                     "redacted_preview": completion.replace(EMAIL, "<EMAIL_ADDRESS>")}},
        {**base, "evaluator": "hallucination", "score": 0.93, "label": "hallucinated", "flagged": True,
         "details": {"threshold": 0.5, "claims": [{"text": UNSUPPORTED, "support": 0.07, "unsupported": True}],
                     "unsupported_claims": [{"claim": UNSUPPORTED, "support": 0.07, "evidence": EVIDENCE,
                                             "source": "policy.md", "document": 0}]}},
    ]
    return spans, scores


def background(project: str, n: int, now: float) -> tuple[list[dict], list[dict]]:
    """``n`` quiet one-span traces over the last half hour, so the charts have points to draw."""
    spans, scores = [], []
    for i in range(n):
        start = now - 1800 + i * (1700 / n)
        trace_id = f"bg{i}-{project}"
        spans.append(llm(project, trace_id, f"{trace_id}-s", "", start, 200 + 10 * (i % 7), "Happy to help."))
        scores.append({"project": project, "trace_id": trace_id, "span_id": f"{trace_id}-s", "service": "support-bot",
                       "model": "gpt-4o-mini", "environment": "prod", "span_start": start, "evaluator": "toxicity",
                       "version": "1", "score": 0.01, "label": "ok", "flagged": False, "details": {}})
    return spans, scores


def xss_trace(project: str, trace_id: str, start: float) -> list[dict]:
    """A trace whose name, prompt, completion and metadata are HTML/JS: the page must show them as text."""
    return [span(project, trace_id, f"{trace_id}-root", "", "<b onmouseover=alert(3)>bold</b>", "chain", start, 300),
            llm(project, trace_id, f"{trace_id}-gen", f"{trace_id}-root", start + 0.01, 200, XSS_COMPLETION,
                question=XSS_PROMPT, metadata={"note": "<script>alert(4)</script>"})]


def now() -> float:
    return time.time()


def drift_rows(project: str, at: float) -> list[dict[str, Any]]:
    """One drift run: latency drifted (a histogram), the model mix stable (categories)."""
    base = {"run_id": f"run-{project}", "project": project, "service": "support-bot", "model": "*",
            "reference_start": at - 86_400, "reference_end": at - 3600, "current_start": at - 3600,
            "current_end": at, "reference_n": 5000, "current_n": 400}
    edges = [100.0 * i for i in range(11)]
    return [
        {**base, "feature": "latency_ms", "feature_kind": "numeric", "method": "ks", "statistic": 0.41,
         "p_value": 1e-12, "effect_size": 0.41, "drifted": True,
         "details": {"histogram": {"edges": edges, "reference": [0.02, 0.1, 0.3, 0.3, 0.15, 0.08, 0.03, 0.01, 0.01, 0.0],
                                   "current": [0.0, 0.01, 0.04, 0.1, 0.15, 0.2, 0.25, 0.15, 0.07, 0.03]}}},
        {**base, "feature": "model", "feature_kind": "categorical", "method": "chi2", "statistic": 1.2,
         "p_value": 0.55, "effect_size": 0.02, "drifted": False,
         "details": {"categories": ["gpt-4o-mini", "gpt-4o"], "reference": [0.8, 0.2], "current": [0.78, 0.22]}},
    ]
