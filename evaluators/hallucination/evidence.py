"""Turn spans into claims, evidence chunks and per-claim feature rows for the groundedness models.

One encoder call embeds every claim and chunk of a batch (the shared encoder caches by content,
so texts seen by another evaluator are not encoded twice). Lexical features read whole documents,
embeddings read chunks that fit the encoder: no evidence is cut off at a model's limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from spyglass.evaluators.base import TextEncoder
from spyglass.evaluators.hallucination import lexical
from spyglass.evaluators.hallucination.chunking import Chunk, TokenCounter, approx_token_counts, chunk_context
from spyglass.evaluators.hallucination.claims import decontextualize, split_claims, split_sentences

FEATURE_NAMES = (
    "max_cosine",          # best claim-to-chunk cosine similarity (MiniLM; fragments read with the prompt)
    "cosine_margin",       # best minus second-best chunk similarity (how localized the support is)
    "token_recall",        # IDF-weighted share of claim content tokens found in the context
    "novel_recall",        # same, over tokens the claim adds beyond the prompt
    "best_chunk_recall",   # token recall against the single best chunk
    "number_unsupported",  # share of numbers in the claim absent from the context
    "name_unsupported",    # 1 when a proper noun of the claim is absent from context and prompt
    "negation_mismatch",   # claim negates ("not", "never") while its best evidence sentence does not
    "negation_missing",    # the best evidence sentence negates (or answers "No") while the claim does not
    "sentence_cosine",     # best claim-to-sentence cosine: a paraphrase of one sentence of a long chunk
)
_NEGATION = re.compile(r"\b(?:not|never|no|none|nothing|nobody|cannot|neither|nor|without)\b|n't", re.IGNORECASE)
PROMPT_AS_CONTEXT_WORDS = 40  # a prompt this long is treated as carrying the context itself


@dataclass
class SpanInput:
    """The parts of a span the evaluator reads."""

    completion: str
    prompt: str = ""
    documents: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def from_span(cls, span: Mapping[str, Any]) -> "SpanInput":
        """Build from a normalized span row; a long prompt stands in for missing context documents."""
        documents = [d for d in (span.get("context") or []) if isinstance(d, str) and d.strip()]
        sources = list(span.get("context_sources") or [])
        prompt = str(span.get("prompt") or "")
        if not documents and len(prompt.split()) >= PROMPT_AS_CONTEXT_WORDS:
            documents, sources = [prompt], ["prompt"]
        return cls(completion=str(span.get("completion") or ""), prompt=prompt,
                   documents=documents, sources=sources)

    @property
    def evaluable(self) -> bool:
        """Whether there is any context to check the completion against."""
        return bool(self.documents) and bool(self.completion.strip())


@dataclass
class SpanEvidence:
    """Claims of one span, its evidence chunks, and one feature row per claim."""

    claims: list[str]
    chunks: list[Chunk]
    features: np.ndarray      # (claims, len(FEATURE_NAMES))
    best_chunk: list[int]     # index into chunks of each claim's best evidence
    similarity: np.ndarray    # (claims, chunks) cosine similarities
    claim_vectors: np.ndarray  # (claims, 384) embeddings of the claims (fragments read with the prompt)


@dataclass
class Verdicts:
    """What a backend concludes for one span: P(unsupported) and the best evidence chunk per claim."""

    claims: list[str]
    chunks: list[Chunk]
    unsupported: np.ndarray   # (claims,) probability that each claim is not supported
    best_chunk: list[int]
    checked: np.ndarray | None = None  # (claims,) False for sentences that are not factual claims


@dataclass
class _Sentences:
    """The context's sentences, their token sets and whether each negates."""

    texts: list[str]
    tokens: list[set[str]]
    negates: list[bool]

    @classmethod
    def of(cls, documents: Sequence[str]) -> "_Sentences":
        texts = [s for d in documents for s in split_sentences(d)] or [" ".join(documents)]
        return cls(texts=texts, tokens=[set(lexical.tokens(t)) for t in texts],
                   negates=[bool(_NEGATION.search(t)) for t in texts])


def _claim_features(claim: str, prompt_tokens: set[str], context_text: str, context_tokens: set[str],
                    context_bigrams: set, chunk_texts: list[str], chunk_tokens: list[set[str]], sims: np.ndarray,
                    idf: Mapping[str, float], rare: float, prompt_text: str,
                    sentences: _Sentences, sentence_sims: np.ndarray) -> tuple[list[float], int]:
    """The feature row of one claim, and the index of its best chunk."""
    content = lexical.content_tokens(claim)
    novel = [t for t in content if t not in prompt_tokens]
    per_chunk = [lexical.weighted_recall(content, toks, idf, rare) for toks in chunk_tokens]
    best = int(np.argmax(sims + 0.5 * np.asarray(per_chunk)))
    ordered = np.sort(sims)[::-1]
    margin = float(ordered[0] - ordered[1]) if len(ordered) > 1 else float(ordered[0])
    names = lexical.proper_nouns(claim)
    claim_negates = bool(_NEGATION.search(claim))
    # the sentence that shares the most (IDF-weighted) words with the claim, prompt words included,
    # so that a bare "Yes" is compared with the sentence answering the same question
    probe = content + [t for t in lexical.content_tokens(prompt_text) if t not in content]
    per_sentence = [lexical.weighted_recall(probe, toks, idf, rare) for toks in sentences.tokens]
    top = int(np.argmax(per_sentence))
    best_negates = sentences.negates[top]
    row = [
        float(ordered[0]),
        margin,
        lexical.weighted_recall(content, context_tokens, idf, rare),
        lexical.weighted_recall(novel, context_tokens, idf, rare),
        per_chunk[best],
        lexical.unsupported_share(lexical.numbers(claim), context_text, lexical.numbers(context_text)),
        # any name missing counts in full: one swapped city in a list of five is still a false claim
        float(lexical.unsupported_share(names, context_text + " " + prompt_text, set()) > 0),
        float(claim_negates and not best_negates),
        float(best_negates and not claim_negates),
        float(sentence_sims.max()),
    ]
    return row, best


def extract(inputs: Sequence[SpanInput], encoder: TextEncoder, idf: Mapping[str, float],
            chunk_tokens: int = 128, count: TokenCounter = approx_token_counts) -> list[SpanEvidence | None]:
    """Evidence for each input (``None`` where not evaluable); one batched encoder call for all texts."""
    rare = max(idf.values(), default=1.0)
    prepared: list[tuple[list[str], list[Chunk], _Sentences] | None] = []
    texts: list[str] = []
    for item in inputs:
        if not item.evaluable:
            prepared.append(None)
            continue
        claims = split_claims(item.completion) or [item.completion.strip()]
        chunks = chunk_context(item.documents, item.sources, chunk_tokens, count)
        sentences = _Sentences.of(item.documents)
        prepared.append((claims, chunks, sentences))
        texts.extend(decontextualize(c, item.prompt) for c in claims)
        texts.extend(c.text for c in chunks)
        texts.extend(sentences.texts)  # one-sentence chunks are the same text: the encoder's cache answers
    vectors = encoder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    out: list[SpanEvidence | None] = []
    cursor = 0
    for item, prep in zip(inputs, prepared):
        if prep is None:
            out.append(None)
            continue
        claims, chunks, sentences = prep
        claim_vecs = vectors[cursor:cursor + len(claims)]
        cursor += len(claims)
        chunk_vecs = vectors[cursor:cursor + len(chunks)]
        cursor += len(chunks)
        sentence_vecs = vectors[cursor:cursor + len(sentences.texts)]
        cursor += len(sentences.texts)
        sims = claim_vecs @ chunk_vecs.T
        sentence_sims = claim_vecs @ sentence_vecs.T
        context_text = "\n".join(item.documents)
        context_toks = lexical.tokens(context_text)
        chunk_sets = [set(lexical.tokens(c.text)) for c in chunks]
        prompt_tokens = set(lexical.content_tokens(item.prompt))
        context_grams = lexical.bigrams(context_toks) | {(t,) for t in context_toks}
        chunk_texts = [c.text for c in chunks]
        rows, bests = [], []
        for i, claim in enumerate(claims):
            row, best = _claim_features(claim, prompt_tokens, context_text, set(context_toks), context_grams,
                                        chunk_texts, chunk_sets, sims[i], idf, rare, item.prompt, sentences,
                                        sentence_sims[i])
            rows.append(row)
            bests.append(best)
        out.append(SpanEvidence(claims=claims, chunks=chunks, features=np.asarray(rows, dtype=np.float64),
                                best_chunk=bests, similarity=sims, claim_vectors=claim_vecs))
    return out
