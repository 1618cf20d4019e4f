"""Claim and sentence splitting: plain regular expressions, no model, so it runs anywhere.

A claim is a sentence of the completion, further cut at semicolons and at clause-joining
", and"/", but" when both halves are long enough to stand alone. Context documents are cut into
sentences the same way (without the clause split) before chunking.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital/digit/quote,
# or at a newline. Common abbreviations and initials ("Dr.", "U.S.", "J. K.") do not end a sentence.
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co",
                  "corp", "no", "fig", "e.g", "i.e", "u.s", "u.k", "jan", "feb", "mar", "apr", "jun",
                  "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est", "mt", "ft"}
_BOUNDARY = re.compile(r"([.!?]+[\"')\]]*)(\s+)(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•\d])")
# "sentence.Next" (missing space after a period, common in scraped text) is also a boundary
_GLUED = re.compile(r"(?<=[a-z0-9)][.!?])(?=[A-Z][a-z])")
_CLAUSE = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|although)\s)")
_MIN_CLAUSE_WORDS = 4


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, empty pieces dropped."""
    text = _GLUED.sub(" ", text.strip())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + len(match.group(1) or "")
        candidate = text[start:end]
        last_word = re.findall(r"([\w.]+)[.!?]*$", candidate)
        word = last_word[0].lower().rstrip(".") if last_word else ""
        if match.group(1) and (word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word)):
            continue  # "Dr. Smith", "J. Rowling": not a boundary
        pieces.append(candidate)
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def split_claims(completion: str) -> list[str]:
    """Claims of a completion: sentences, cut further at independent clauses.

    A piece shorter than four words is kept joined to its neighbour, so "Yes; Paris." stays one
    claim and short answers ("Delhi") remain a single claim.
    """
    claims: list[str] = []
    for sentence in split_sentences(completion):
        parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
        merged: list[str] = []
        for part in parts:
            if merged and (len(part.split()) < _MIN_CLAUSE_WORDS or len(merged[-1].split()) < _MIN_CLAUSE_WORDS):
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        claims.extend(merged)
    return claims


FRAGMENT_WORDS = 4


def decontextualize(claim: str, prompt: str, max_words: int = 40) -> str:
    """A fragment claim ("Delhi") read with the prompt's last sentence, so it can be compared with evidence.

    Claims of ``FRAGMENT_WORDS`` words or more are returned unchanged: they stand on their own.
    """
    if len(claim.split()) >= FRAGMENT_WORDS or not prompt.strip():
        return claim
    sentences = split_sentences(prompt)
    question = " ".join((sentences[-1] if sentences else prompt).split()[-max_words:])
    return f"{question} {claim}"
