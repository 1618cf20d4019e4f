"""Cut context documents into overlapping sentence windows that fit a model's token limit.

Every character of every document lands in at least one chunk, so no evidence past a model's
maximum length is silently dropped: a long document becomes more chunks, never a truncated one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from spyglass.evaluators.hallucination.claims import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Chunk:
    """A window of consecutive sentences from one context document."""

    text: str
    doc_index: int
    source: str
    position: int  # index of the chunk within its document


def approx_token_counts(texts: Sequence[str]) -> list[int]:
    """WordPiece-like token estimate (words and punctuation, long words count double); no model needed."""
    counts = []
    for text in texts:
        pieces = re.findall(r"\w+|[^\w\s]", text)
        counts.append(sum(2 if len(p) > 8 else 1 for p in pieces) + 2)
    return counts


def _split_long_sentence(sentence: str, budget: int, count: TokenCounter) -> list[str]:
    """Cut one over-long sentence into word windows of at most ``budget`` tokens."""
    words = sentence.split()
    pieces: list[str] = []
    current: list[str] = []
    for word in words:
        if current and count([" ".join(current + [word])])[0] > budget:
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def chunk_document(text: str, budget: int, count: TokenCounter = approx_token_counts,
                   overlap: int = 1) -> list[str]:
    """Sentence windows of at most ``budget`` tokens; consecutive windows share ``overlap`` sentences."""
    sentences: list[str] = []
    for sentence, tokens in zip(split_sentences(text), count(split_sentences(text))):
        sentences.extend(_split_long_sentence(sentence, budget, count) if tokens > budget else [sentence])
    if not sentences:
        return []
    lengths = count(sentences)
    chunks: list[str] = []
    start = 0
    while start < len(sentences):
        end, used = start, 0
        while end < len(sentences) and (end == start or used + lengths[end] <= budget):
            used += lengths[end]
            end += 1
        chunks.append(" ".join(sentences[start:end]))
        if end >= len(sentences):
            break
        start = max(end - overlap, start + 1)
    return chunks


def chunk_context(documents: Sequence[str], sources: Sequence[str], budget: int,
                  count: TokenCounter = approx_token_counts) -> list[Chunk]:
    """Chunks of every document on a span, tagged with the document index and source."""
    chunks: list[Chunk] = []
    for i, document in enumerate(documents):
        source = sources[i] if i < len(sources) and sources[i] else f"context[{i}]"
        for position, text in enumerate(chunk_document(document, budget, count)):
            chunks.append(Chunk(text=text, doc_index=i, source=source, position=position))
    return chunks
