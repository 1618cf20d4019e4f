"""The offline default backend: shared-encoder similarity + lexical features -> logistic regression."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.hallucination.chunking import TokenCounter, approx_token_counts
from spyglass.evaluators.hallucination.evidence import SpanInput, Verdicts, extract
from spyglass.evaluators.hallucination.model import GroundednessModel, load_model


class FeatureBackend:
    """Scores claims with the trained feature classifier; needs nothing beyond the shared encoder."""

    name = "features-lr"

    def __init__(self, model: GroundednessModel | None = None, count: TokenCounter = approx_token_counts) -> None:
        self.model = model or load_model()
        self.threshold = self.model.threshold
        self.version = self.model.version
        self.count = count

    def threshold_for(self, claims: int) -> float:
        """The flag threshold of a completion with ``claims`` checked claims (``model.claims_threshold``)."""
        return self.model.threshold_for(claims)

    def score(self, inputs: Sequence[SpanInput], ctx: EvalContext) -> list[Verdicts | None]:
        """Per evaluable input, P(unsupported) and best evidence of each claim; ``None`` otherwise."""
        results: list[Verdicts | None] = []
        for evidence in extract(inputs, ctx.encoder, self.model.idf, self.model.chunk_tokens, self.count):
            if evidence is None:
                results.append(None)
                continue
            unsupported = np.asarray(self.model.unsupported_probability(evidence.features))
            checked = self.model.checked(evidence.claim_vectors)
            unsupported = np.where(checked, unsupported, 0.0)  # an insult is not an unsupported fact
            results.append(Verdicts(claims=evidence.claims, chunks=evidence.chunks, unsupported=unsupported,
                                    best_chunk=evidence.best_chunk, checked=checked))
        return results
