"""The hallucination evaluator: claim-level groundedness of the completion against the span's context."""

from __future__ import annotations

import math
from typing import Any, Protocol, Sequence

from spyglass.evaluators.base import EvalContext, Evaluator, Score
from spyglass.evaluators.hallucination import lexical
from spyglass.evaluators.hallucination.claims import split_sentences
from spyglass.evaluators.hallucination.evidence import SpanInput, Verdicts

SNIPPET_CHARS = 300


class GroundednessBackend(Protocol):
    """A model that decides, claim by claim, whether the context supports the completion."""

    name: str
    version: str
    threshold: float

    def score(self, inputs: Sequence[SpanInput], ctx: EvalContext) -> list[Verdicts | None]:
        """One ``Verdicts`` per evaluable input, ``None`` for inputs without context."""
        ...

    def threshold_for(self, claims: int) -> float:
        """The flag threshold of a completion with ``claims`` checked claims."""
        ...


def evidence_snippet(chunk_text: str, claim: str) -> str:
    """The chunk itself when short, else its sentence sharing the most words with the claim (capped)."""
    if len(chunk_text) <= SNIPPET_CHARS:
        return chunk_text
    wanted = set(lexical.content_tokens(claim))
    sentences = split_sentences(chunk_text) or [chunk_text]
    best = max(sentences, key=lambda s: len(wanted & set(lexical.content_tokens(s))))
    return best if len(best) <= SNIPPET_CHARS else best[:SNIPPET_CHARS - 1] + "…"


class HallucinationEvaluator(Evaluator):
    """Scores how ungrounded a completion is (higher = less grounded); lists the unsupported claims.

    Spans without context documents (and without a prompt long enough to carry the context) are
    labelled ``not_evaluable`` with a NaN score and never flagged.
    """

    name = "hallucination"
    version = "1"

    def __init__(self, backend: GroundednessBackend | None = None) -> None:
        if backend is None:
            from spyglass.evaluators.hallucination.offline import FeatureBackend

            backend = FeatureBackend()
        self.backend = backend

    def applies_to(self, span: dict[str, Any]) -> bool:
        """Every span with a completion: spans without context still get a ``not_evaluable`` record."""
        return bool(span.get("completion"))

    def evaluate(self, spans: list[dict[str, Any]], ctx: EvalContext) -> list[Score]:
        """One score per span, in order; the backend sees the whole batch at once."""
        inputs = [SpanInput.from_span(span) for span in spans]
        verdicts = self.backend.score(inputs, ctx)
        return [self._score(item, verdict) for item, verdict in zip(inputs, verdicts)]

    def _score(self, item: SpanInput, verdict: Verdicts | None) -> Score:
        base = {"backend": self.backend.name, "model_version": self.backend.version,
                "threshold": self.backend.threshold}
        if verdict is None:
            reason = "empty completion" if not item.completion.strip() else "no context documents on the span"
            return Score(score=math.nan, label="not_evaluable", flagged=False, details={**base, "reason": reason})
        claims, unsupported_claims = [], []
        checked = verdict.checked if verdict.checked is not None else [True] * len(verdict.claims)
        threshold = self.backend.threshold_for(int(sum(checked)))  # more claims, more chances of a false flag
        for i, claim in enumerate(verdict.claims):
            if not checked[i]:
                claims.append({"text": claim, "factual": False, "unsupported": False})
                continue
            probability = float(verdict.unsupported[i])
            is_unsupported = probability >= threshold
            claims.append({"text": claim, "support": round(1.0 - probability, 4), "unsupported": is_unsupported})
            if is_unsupported:
                chunk = verdict.chunks[verdict.best_chunk[i]]
                unsupported_claims.append({"claim": claim, "support": round(1.0 - probability, 4),
                                           "evidence": evidence_snippet(chunk.text, claim), "source": chunk.source,
                                           "document": chunk.doc_index})
        score = float(max(verdict.unsupported))
        flagged = score >= threshold
        details = {**base, "threshold": threshold, "claims": claims, "unsupported_claims": unsupported_claims,
                   "documents": len(item.documents), "chunks_checked": len(verdict.chunks)}
        label = "hallucinated" if flagged else "grounded" if any(checked) else "no_factual_claims"
        return Score(score=min(max(score, 0.0), 1.0), label=label,
                     flagged=flagged, details=details)
