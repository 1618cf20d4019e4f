"""Pure: what the trace page shows of evaluator scores (evidence, PII masks, toxic highlights).

PII is shown only as entity types and redacted text: wherever the PII evaluator located an entity
in a prompt or completion, the page prints ``<TYPE>`` instead of the value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mark:
    """A character range of a text: ``kind`` 'pii' (masked as ``<label>``) or 'toxic' (highlighted)."""

    start: int
    end: int
    kind: str
    label: str


@dataclass
class Evidence:
    """One evaluator's verdict on a span, ready to print."""

    evaluator: str
    score: float | None
    label: str
    flagged: bool
    claims: list[dict[str, Any]] = field(default_factory=list)  # unsupported claims with best evidence
    pii_types: list[str] = field(default_factory=list)
    pii_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    redacted_preview: str = ""
    highlighted: list[str] = field(default_factory=list)  # types of the passages marked in the completion
    facts: list[tuple[str, str]] = field(default_factory=list)


def marks_for(field_name: str, scores: dict[str, dict[str, Any]]) -> list[Mark]:
    """Ranges of ``field_name`` ('prompt' or 'completion') to mask (PII) or highlight (toxicity spans)."""
    marks: list[Mark] = []
    pii = scores.get("pii", {}).get("details") or {}
    for entity in pii.get("entities") or []:
        if entity.get("field") == field_name and isinstance(entity.get("start"), int):
            marks.append(Mark(entity["start"], entity["end"], "pii", str(entity.get("type", "PII"))))
    if field_name == "completion":
        toxic = scores.get("toxicity", {}).get("details") or {}
        for span in toxic.get("spans") or []:
            if isinstance(span, dict) and isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
                marks.append(Mark(span["start"], span["end"], "toxic", str(span.get("type", "toxic"))))
    return marks


def segments(text: str, marks: list[Mark]) -> list[tuple[str, str]]:
    """``text`` cut into (kind, piece): 'text', 'toxic' or 'pii' (the piece then is ``<TYPE>``).

    PII wins over a highlight where they overlap, so a value never shows through a highlight.
    """
    marks = [m for m in marks if 0 <= m.start < m.end]
    if not marks:
        return [("text", text)] if text else []
    cuts = sorted({0, len(text), *(min(m.start, len(text)) for m in marks), *(min(m.end, len(text)) for m in marks)})
    out: list[tuple[str, str]] = []
    masked_by: Mark | None = None
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        pii = next((m for m in marks if m.kind == "pii" and m.start <= a < m.end), None)
        if pii is not None:
            if pii is not masked_by:
                out.append(("pii", f"<{pii.label}>"))
            masked_by = pii
            continue
        masked_by = None
        toxic = any(m.kind == "toxic" and m.start <= a < m.end for m in marks)
        kind = "toxic" if toxic else "text"
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text[a:b])
        else:
            out.append((kind, text[a:b]))
    return out


def evidence(evaluator: str, score: dict[str, Any]) -> Evidence:
    """The evidence block of one score: claims for hallucination, types and redacted text for PII."""
    details = score.get("details") or {}
    value = score.get("score")
    out = Evidence(evaluator, None if value is None or value != value else float(value), str(score.get("label", "")),
                   bool(score.get("flagged")))
    if evaluator == "hallucination" or "unsupported_claims" in details:
        out.claims = [{"claim": c.get("claim", ""), "support": c.get("support"), "evidence": c.get("evidence", ""),
                       "source": c.get("source", "")} for c in details.get("unsupported_claims") or []]
    if evaluator == "pii" or "leaked_types" in details:
        out.pii_types = list(details.get("leaked_types") or [])
        out.pii_counts = {k: dict(v) for k, v in (details.get("counts") or {}).items() if v}
        out.redacted_preview = str(details.get("redacted_preview", ""))
    spans = details.get("spans")
    if isinstance(spans, list):
        out.highlighted = [str(s.get("type", "toxic")) for s in spans if isinstance(s, dict)]
    skip = {"claims", "unsupported_claims", "entities", "counts", "leaked_types", "new_in_completion",
            "redacted_preview", "spans"}
    for name, item in sorted(details.items()):
        if name not in skip:
            out.facts.append((name, item if isinstance(item, str) else json.dumps(item, sort_keys=True)))
    return out


def chat_messages(raw: str) -> list[dict[str, str]]:
    """A span's ``prompt_messages`` JSON as [{role, content}]; [] when absent or not a message list."""
    if not raw:
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(parsed, list):
        return []
    return [{"role": str(m.get("role", "")), "content": m.get("content") if isinstance(m.get("content"), str)
             else json.dumps(m.get("content"))} for m in parsed if isinstance(m, dict)]
