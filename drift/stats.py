"""Two-sample drift statistics as plain functions over numpy arrays (no storage, no I/O).

Every test returns a p-value *and* an effect size; whether a feature drifted is decided on both
(see ``spyglass.drift.compare``), so a huge window cannot turn a negligible change into an alarm.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

HISTOGRAM_BINS = 24
TOP_CATEGORIES = 15


@dataclass
class TestResult:
    """One feature's comparison: what was measured, how surprising, how large."""

    method: str
    statistic: float
    p_value: float
    effect_size: float
    details: dict[str, Any] = field(default_factory=dict)


def robust_scale(values: np.ndarray) -> float:
    """A spread for normalising shifts: IQR/1.349 (a sigma for normal data), else std, else 1."""
    q25, q75 = np.percentile(values, [25, 75])
    scale = float(q75 - q25) / 1.349
    if scale <= 0:
        scale = float(np.std(values))
    return scale if scale > 0 else 1.0


def _histogram(reference: np.ndarray, current: np.ndarray) -> dict[str, list[float]]:
    """Shared bin edges over both windows (1st-99th percentile, so outliers do not flatten it)."""
    pooled = np.concatenate([reference, current])
    lo, hi = np.percentile(pooled, [1, 99])
    if hi <= lo:
        lo, hi = float(pooled.min()) - 0.5, float(pooled.max()) + 0.5
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    ref_counts, _ = np.histogram(np.clip(reference, lo, hi), edges)
    cur_counts, _ = np.histogram(np.clip(current, lo, hi), edges)
    return {"edges": [round(float(e), 6) for e in edges],
            "reference": (ref_counts / max(len(reference), 1)).round(5).tolist(),
            "current": (cur_counts / max(len(current), 1)).round(5).tolist()}


def _quantiles(values: np.ndarray) -> dict[str, float]:
    points = np.percentile(values, [5, 25, 50, 75, 95])
    return {f"p{q}": round(float(v), 6) for q, v in zip((5, 25, 50, 75, 95), points)}


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> TestResult:
    """Wasserstein distance (statistic, in the feature's units) with the KS test's p-value.

    Effect size: the Wasserstein distance divided by the reference's robust scale, i.e. roughly
    "by how many reference sigmas the distribution moved".
    """
    reference = np.asarray(reference, dtype=np.float64)
    current = np.asarray(current, dtype=np.float64)
    distance = float(stats.wasserstein_distance(reference, current))
    ks = stats.ks_2samp(reference, current)
    scale = robust_scale(reference)
    return TestResult("wasserstein", distance, float(ks.pvalue), distance / scale, {
        "test": "ks", "ks_statistic": float(ks.statistic), "scale": scale,
        "reference_quantiles": _quantiles(reference), "current_quantiles": _quantiles(current),
        "histogram": _histogram(reference, current)})


def category_counts(values: Sequence[str] | Sequence[Sequence[str]]) -> Counter:
    """Counts of each category; a list of lists (tags) counts every element, '(none)' for empty."""
    counts: Counter = Counter()
    for value in values:
        if isinstance(value, (list, tuple, np.ndarray)):
            counts.update(value if len(value) else ["(none)"])
        else:
            counts[value if value != "" else "(none)"] += 1
    return counts


def categorical_drift(reference: Counter, current: Counter) -> TestResult:
    """Jensen-Shannon distance (base 2, in [0, 1]; statistic and effect size) with a chi-square p-value.

    Categories seen in only one window count: a new model name is exactly the drift to catch.
    """
    names = sorted(set(reference) | set(current), key=lambda c: -(reference[c] + current[c]))
    ref = np.array([reference[c] for c in names], dtype=np.float64)
    cur = np.array([current[c] for c in names], dtype=np.float64)
    if len(names) < 2 or ref.sum() == 0 or cur.sum() == 0:
        distance, chi2, p_value, dof = 0.0, 0.0, 1.0, 0
    else:
        distance = float(jensenshannon(ref / ref.sum(), cur / cur.sum(), base=2))
        chi2, p_value, dof, _ = stats.chi2_contingency(np.vstack([ref, cur]))
    top = names[:TOP_CATEGORIES]
    return TestResult("js", distance, float(p_value), distance, {
        "test": "chi2", "chi2": float(chi2), "dof": int(dof), "categories": top,
        "reference": [round(reference[c] / max(ref.sum(), 1), 5) for c in top],
        "current": [round(current[c] / max(cur.sum(), 1), 5) for c in top],
        "other_categories": max(len(names) - len(top), 0)})
