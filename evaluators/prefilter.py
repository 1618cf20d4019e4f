"""A cheap pre-filter: which spans look risky enough to score even when the evaluators sample.

Microseconds per span, no model: PII-shaped strings (e-mail, phone, card, national id, IP), a
small toxicity lexicon, and answers with little support in their retrieved context. It only
decides what is scored first under load; the evaluators still decide what is flagged.
"""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"[a-z0-9]{4,}")
MIN_SUPPORT = 0.5  # share of an answer's content words found in its context
# C-speed string checks, ~10 µs a span (regular expressions for e-mails and a lexicon took ~150)
_LONG_NUMBER = re.compile(r"\d[\d ().-]{6,}\d")  # phone, card, national id, IBAN digits
_TOXIC_WORDS = frozenset(
    "idiot idiots idiotic stupid stupidity moron morons dumb dumbass hate hated hates hating hateful kill killed "
    "killing kills die fuck fucking fucked shit shitty bitch bitches bastard bastards crap crappy damn "
    "loser losers pathetic worthless disgust disgusting disgusted ugly retard retarded scum trash garbage "
    "useless".split())
_PUNCTUATION = str.maketrans({c: " " for c in ".,;:!?\"'()[]{}<>/\\|*"})


def looks_risky(completion: str, prompt: str) -> bool:
    """An e-mail's @, a long number (phone, card, id, IP, IBAN) or a lexicon word in the completion.

    Needs only the two texts: ``presample`` looks at spans before they are validated."""
    if "@" in completion or "@" in prompt:
        return True
    if _LONG_NUMBER.search(completion) or _LONG_NUMBER.search(prompt):
        return True
    return not _TOXIC_WORDS.isdisjoint(completion.lower().translate(_PUNCTUATION).split())


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
    if looks_risky(completion, span.get("prompt") or ""):
        return True
    context = span.get("context")
    if context and completion:
        text = context if isinstance(context, str) else " ".join(map(str, context))
        return unsupported(completion, text)
    return False
