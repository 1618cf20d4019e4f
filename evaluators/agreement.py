"""How well an evaluator agrees with reviewers: precision, recall and Cohen's kappa with intervals (pure).

A reviewer's label says whether the evaluator's verdict on a span was right. The human truth is
then "should have been flagged" = flagged if right, not flagged if wrong, which gives the
confusion matrix: TP flagged & right, FP flagged & wrong, FN not flagged & wrong, TN not flagged & right.
- precision and recall: Wilson score intervals (good at small n and near 0 or 1);
- kappa: Cohen's (1960) agreement beyond chance, with the large-sample standard error
  sqrt(po (1 - po) / (n (1 - pe)^2)) and a normal interval clipped to [-1, 1].
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Confusion:
    """Counts of an evaluator's flags against reviewers' truth."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None without trials."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def kappa(c: Confusion, z: float = Z95) -> tuple[float | None, tuple[float, float] | None]:
    """Cohen's kappa and its interval; (None, None) when undefined (no labels, or chance agreement is 1)."""
    n = c.n
    if n == 0:
        return None, None
    po = (c.tp + c.tn) / n
    pe = ((c.tp + c.fp) * (c.tp + c.fn) + (c.fn + c.tn) * (c.fp + c.tn)) / (n * n)
    if pe >= 1:
        return None, None
    k = (po - pe) / (1 - pe)
    se = math.sqrt(po * (1 - po) / (n * (1 - pe) ** 2))
    return k, (max(-1.0, k - z * se), min(1.0, k + z * se))


def agreement(c: Confusion) -> dict[str, Any]:
    """Precision, recall, kappa (each with a 95 % interval), accuracy and the counts."""
    k, k_ci = kappa(c)
    flagged, positives = c.tp + c.fp, c.tp + c.fn
    return {**asdict(c), "n": c.n,
            "precision": c.tp / flagged if flagged else None, "precision_ci": wilson(c.tp, flagged),
            "recall": c.tp / positives if positives else None, "recall_ci": wilson(c.tp, positives),
            "kappa": k, "kappa_ci": k_ci, "accuracy": (c.tp + c.tn) / c.n if c.n else None}
