"""Which sentences of a completion are factual claims at all: abuse and insults are not checked.

"That is a stupid question" or "you lazy idiot" state nothing a document could support or
contradict; scoring them as unsupported made every toxic answer a hallucination too. The gate
is a logistic regression on the claim's MiniLM embedding (already computed for the groundedness
features, so it costs one dot product): factual sentences are the answers of the grounded sets'
train split (right and wrong ones alike: both are claims), abusive ones the sentences of
civil_toxic_spans holding an annotated insult, threat or profanity span. Its cut is set so that
at most ``MAX_FACTUAL_SKIPPED`` of held-back factual sentences are skipped.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import numpy as np

from spyglass.evaluators.hallucination.claims import decontextualize, split_claims, split_sentences

MAX_FACTUAL_SKIPPED = 0.01
ABUSE_TYPES = {"Insult", "Threat", "Profane/Obscene", "Identity based Attack"}


@dataclass(frozen=True)
class ClaimGate:
    """P(not a factual claim) of a claim embedding; claims at or above ``threshold`` are not checked."""

    coef: np.ndarray
    intercept: float
    threshold: float

    def not_a_claim(self, vectors: np.ndarray) -> np.ndarray:
        """Boolean per row of ``vectors`` (unit MiniLM embeddings): True when the row is not a claim."""
        z = np.asarray(vectors, dtype=np.float64) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z)) >= self.threshold

    def to_json(self) -> dict:
        """A JSON-serializable form."""
        return {"coef": [round(float(v), 5) for v in self.coef], "intercept": self.intercept,
                "threshold": self.threshold}

    @classmethod
    def from_json(cls, raw: dict) -> "ClaimGate":
        """Inverse of ``to_json``."""
        return cls(coef=np.asarray(raw["coef"]), intercept=float(raw["intercept"]), threshold=float(raw["threshold"]))


def abusive_sentences(path: str, limit: int, seed: int = 0) -> list[str]:
    """Sentences of civil_toxic_spans that contain an annotated abusive span."""
    out = []
    for line in open(path, encoding="utf-8"):
        row = json.loads(line)
        spans = [s for s in row.get("toxic_spans") or [] if s.get("type") in ABUSE_TYPES]
        if not spans:
            continue
        cursor = 0
        for sentence in split_sentences(row["text"]):
            start = row["text"].find(sentence, cursor)
            cursor = max(cursor, start)
            end = start + len(sentence)
            if 3 <= len(sentence.split()) <= 40 and any(s["start"] < end and s["end"] > start for s in spans):
                out.append(sentence)
    random.Random(seed).shuffle(out)
    return out[:limit]


def fit_gate(encoder, examples: list, abuse_path: str, per_class: int = 3000) -> ClaimGate:
    """Fit on train-split answers vs abusive sentences; set the cut on the tune-split answers."""
    from sklearn.linear_model import LogisticRegression

    def claims_of(split: str) -> list[str]:
        texts = [decontextualize(c, e.span.prompt) for e in examples if e.split == split
                 for c in split_claims(e.span.completion)]
        random.Random(1).shuffle(texts)
        return texts[:per_class]

    abusive = abusive_sentences(abuse_path, 2 * per_class)
    factual, held_back = claims_of("train"), claims_of("tune")
    x = encoder.embed(factual + abusive[:per_class])
    y = np.r_[np.zeros(len(factual)), np.ones(len(abusive[:per_class]))]
    fit = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)
    gate = ClaimGate(coef=fit.coef_[0], intercept=float(fit.intercept_[0]), threshold=1.0)
    held = 1.0 / (1.0 + np.exp(-(encoder.embed(held_back) @ gate.coef + gate.intercept)))
    threshold = float(max(np.quantile(held, 1.0 - MAX_FACTUAL_SKIPPED), 0.5))
    caught = (1.0 / (1.0 + np.exp(-(encoder.embed(abusive[per_class:]) @ gate.coef + gate.intercept))) >= threshold)
    print(f"claim gate: cut {threshold:.3f}, held-back abusive sentences skipped {caught.mean():.3f}, "
          f"factual skipped <= {MAX_FACTUAL_SKIPPED}")
    return ClaimGate(coef=gate.coef, intercept=gate.intercept, threshold=round(threshold, 4))
