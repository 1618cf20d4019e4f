"""A cheap pre-filter: which spans look risky enough to score even when the evaluators sample.

Microseconds per span, no model: PII-shaped strings (e-mail, phone, card, national id, IP), a
small toxicity lexicon, and answers with little support in their retrieved context. It only
decides what is scored first under load; the evaluators still decide what is flagged.
"""

from __future__ import annotations

import re
from typing import Any

_PII = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"  # e-mail
    r"|\+?\d[\d ().-]{7,}\d"  # phone numbers, card numbers, long ids
    r"|\b\d{3}-\d{2}-\d{4}\b"  # US SSN
    r"|\b(?:\d{1,3}\.){3}\d{1,3}\b"  # IPv4
    r"|\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"  # IBAN
)
# words whose presence is worth a model's look; the toxicity model decides
_TOXIC = re.compile(r"\b(?:idiot\w*|stupid\w*|moron\w*|dumb\w*|hate\w*|kill\w*|die|shut up|fuck\w*|shit\w*|"
                    r"bitch\w*|bastard\w*|crap\w*|damn\w*|loser\w*|pathetic|worthless|disgust\w*|ugly|"
                    r"retard\w*|scum|trash|garbage|useless)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]{4,}")
MIN_SUPPORT = 0.5  # share of an answer's content words found in its context


def unsupported(completion: str, context: str) -> bool:
    """Whether fewer than half the answer's content words (4+ letters) occur in its context."""
    words = set(_WORD.findall(completion.lower()))
    if not words:
        return False
    known = set(_WORD.findall(context.lower()))
    return len(words & known) / len(words) < MIN_SUPPORT


def is_risky(span: dict[str, Any]) -> bool:
    """Whether a span shows a PII pattern, a lexicon word, or an answer its context does not support."""
    completion = span.get("completion") or ""
    prompt = span.get("prompt") or ""
    if _PII.search(completion) or _PII.search(prompt) or _TOXIC.search(completion):
        return True
    context = span.get("context")
    if context and completion:
        text = context if isinstance(context, str) else " ".join(map(str, context))
        return unsupported(completion, text)
    return False
