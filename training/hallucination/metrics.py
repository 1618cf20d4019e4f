"""Balanced accuracy, F1 and threshold choice over binary labels (1 = hallucinated), numpy only."""

from __future__ import annotations

import numpy as np


def balanced_accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Mean of the recall on each class."""
    labels, predicted = np.asarray(labels, bool), np.asarray(predicted, bool)
    tpr = (predicted & labels).sum() / max(labels.sum(), 1)
    tnr = (~predicted & ~labels).sum() / max((~labels).sum(), 1)
    return float((tpr + tnr) / 2)


def f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of the hallucinated class."""
    labels, predicted = np.asarray(labels, bool), np.asarray(predicted, bool)
    tp = (predicted & labels).sum()
    denominator = predicted.sum() + labels.sum()
    return float(2 * tp / denominator) if denominator else 0.0


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The cut on ``scores`` (flag when score >= cut) with the highest balanced accuracy."""
    candidates = np.unique(scores)
    accuracies = [balanced_accuracy(labels, scores >= c) for c in candidates]
    return float(candidates[int(np.argmax(accuracies))])


def pairwise_accuracy(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Share of (hallucinated, supported) pairs of a group where the hallucinated one scores higher."""
    wins, total = 0.0, 0
    for group in np.unique(groups):
        members = groups == group
        bad, good = scores[members & (labels == 1)], scores[members & (labels == 0)]
        for b in bad:
            for g in good:
                wins += 1.0 if b > g else 0.5 if b == g else 0.0
                total += 1
    return wins / total if total else float("nan")
