"""The offline groundedness classifier: standardized features -> logistic regression, numpy only.

Weights, the IDF table and the decision threshold live in ``models/groundedness_lr.json``,
written by ``train.py``; nothing here needs scikit-learn at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spyglass.evaluators.hallucination.claim_gate import ClaimGate

MODEL_PATH = Path(__file__).with_name("models") / "groundedness_lr.json"
# A completion's score is its worst claim's, so an answer of n faithful claims has about n chances
# of a false flag (faithful answers of 5 BEGIN responses: 59 % flagged, one alone: 10 %). The
# threshold rises with the number of claims so that the faithful flag rate f of one claim becomes
# 1 - (1 - f) ** (1 / n ** CLAIMS_EXPONENT) per claim: 1 would hold the span's rate at f (and
# cost too much recall), 0 is no correction; 0.3 was chosen on bundles of tune-split answers.
CLAIMS_EXPONENT = 0.3


def claims_threshold(threshold: float, quantiles: np.ndarray, exponent: float, claims: int) -> float:
    """The threshold for a completion of ``claims`` checked claims; ``quantiles``: P(unsupported) of
    faithful tune claims at evenly spaced levels 0..1 (``threshold`` itself for one claim)."""
    if claims <= 1 or len(quantiles) < 2 or exponent <= 0:
        return threshold
    levels = np.linspace(0.0, 1.0, len(quantiles))
    flag_rate = 1.0 - float(np.interp(threshold, quantiles, levels))  # faithful claims at or above it
    per_claim = 1.0 - (1.0 - flag_rate) ** (1.0 / claims ** exponent)
    return max(threshold, float(np.interp(1.0 - per_claim, levels, quantiles)))


@dataclass(frozen=True)
class GroundednessModel:
    """Maps claim feature rows to the probability that the claim is unsupported."""

    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    idf: dict[str, float]
    chunk_tokens: int
    version: str
    gate: ClaimGate | None = None  # skips sentences that are not factual claims (insults, abuse)
    faithful_quantiles: tuple[float, ...] = ()  # see claims_threshold; empty: one threshold for all
    claims_exponent: float = 0.0

    def threshold_for(self, claims: int) -> float:
        """The flag threshold of a completion with ``claims`` checked claims (``threshold`` for one)."""
        return claims_threshold(self.threshold, np.asarray(self.faithful_quantiles), self.claims_exponent, claims)

    def unsupported_probability(self, features: np.ndarray) -> np.ndarray:
        """P(unsupported) per row of ``features`` (columns in ``feature_names`` order)."""
        z = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def checked(self, claim_vectors: np.ndarray) -> np.ndarray:
        """Which claims are factual claims to check (all of them when the model has no gate)."""
        if self.gate is None or len(claim_vectors) == 0:
            return np.ones(len(claim_vectors), dtype=bool)
        return ~self.gate.not_a_claim(claim_vectors)

    def to_json(self) -> dict:
        """A JSON-serializable form (what ``save`` writes)."""
        return {"feature_names": list(self.feature_names), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept,
                "threshold": self.threshold, "chunk_tokens": self.chunk_tokens, "version": self.version,
                "idf": self.idf, "claim_gate": self.gate.to_json() if self.gate else None,
                "faithful_quantiles": list(self.faithful_quantiles), "claims_exponent": self.claims_exponent}

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the model as compact JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True))


def load_model(path: str | Path | None = None) -> GroundednessModel:
    """Load the shipped (or a given) model file; raises FileNotFoundError naming the path."""
    path = Path(path) if path else MODEL_PATH
    if not path.exists():
        raise FileNotFoundError(f"groundedness model not found at {path}: run "
                                "python -m spyglass.training.hallucination.train")
    raw = json.loads(path.read_text())
    return GroundednessModel(feature_names=tuple(raw["feature_names"]), mean=np.asarray(raw["mean"]),
                             scale=np.asarray(raw["scale"]), coef=np.asarray(raw["coef"]),
                             intercept=float(raw["intercept"]), threshold=float(raw["threshold"]),
                             idf=dict(raw["idf"]), chunk_tokens=int(raw["chunk_tokens"]),
                             version=str(raw["version"]),
                             gate=ClaimGate.from_json(raw["claim_gate"]) if raw.get("claim_gate") else None,
                             faithful_quantiles=tuple(raw.get("faithful_quantiles", ())),
                             claims_exponent=float(raw.get("claims_exponent", 0.0)))
