"""Compare a reference window with a current window, feature by feature, and decide what drifted.

A feature drifts only when BOTH hold:
- its p-value is below ``alpha / number_of_features_tested`` (Bonferroni: the chance that any
  feature of a stationary group raises a false alarm in one run stays below ``alpha``), and
- its effect size reaches the minimum for its method (``MIN_EFFECT``), so that 100k-span windows,
  where every negligible wobble is "significant", do not alarm.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from spyglass.core.settings import DriftSettings
from spyglass.drift.embedding_stats import domain_auc
from spyglass.drift.stats import TestResult, categorical_drift, numeric_drift

# Minimum effect size per method (see drift/README.md for how they were chosen):
# wasserstein: shift of 0.1 reference sigma; js: Jensen-Shannon distance 0.05;
# domain_auc: AUC 0.6, or the current window's share of the top-decile classifier scores 0.1 above
# its share of all texts (a 10% new topic gives about 0.25; noise at 1,000 texts a side ~0.035).
MIN_EFFECT = {"wasserstein": 0.1, "js": 0.05, "domain_auc": 0.1}


_DEFAULT = DriftSettings.model_fields  # the settings' defaults, so the two cannot disagree


@dataclass(frozen=True)
class DriftConfig:
    """Thresholds and sample sizes of a drift run."""

    alpha: float = _DEFAULT["alpha"].default
    min_samples: int = _DEFAULT["min_samples"].default
    min_effect: dict[str, float] = field(default_factory=lambda: dict(MIN_EFFECT))
    embed_sample: int = _DEFAULT["embed_sample"].default  # embedded texts per window and field
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: DriftSettings) -> "DriftConfig":
        """The thresholds the drift settings choose (the rest at their defaults)."""
        return cls(alpha=settings.alpha, min_samples=settings.min_samples, embed_sample=settings.embed_sample)


@dataclass
class WindowSample:
    """What one window holds for one group: numeric columns, categories, embeddings (rows)."""

    n: int
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    categorical: dict[str, Counter] = field(default_factory=dict)
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class FeatureDrift:
    """One row of ``drift_reports`` without the group and window bounds."""

    feature: str
    feature_kind: str
    method: str
    statistic: float
    p_value: float
    effect_size: float
    drifted: bool
    reference_n: int
    current_n: int
    details: dict[str, Any]


def _planned(reference: WindowSample, current: WindowSample,
             config: DriftConfig) -> list[tuple[str, str, Callable[[], TestResult], int, int]]:
    """(feature, kind, test, reference_n, current_n) for every feature with enough samples on both sides."""
    enough = config.min_samples
    plan: list[tuple[str, str, Callable[[], TestResult], int, int]] = []
    for name in sorted(set(reference.numeric) & set(current.numeric)):
        ref, cur = reference.numeric[name], current.numeric[name]
        if len(ref) >= enough and len(cur) >= enough:
            plan.append((name, "numeric", lambda r=ref, c=cur: numeric_drift(r, c), len(ref), len(cur)))
    for name in sorted(set(reference.categorical) & set(current.categorical)):
        ref_counts, cur_counts = reference.categorical[name], current.categorical[name]
        if reference.n >= enough and current.n >= enough:
            plan.append((name, "categorical", lambda r=ref_counts, c=cur_counts: categorical_drift(r, c),
                         reference.n, current.n))
    for name in sorted(set(reference.embeddings) & set(current.embeddings)):
        ref, cur = reference.embeddings[name], current.embeddings[name]
        if len(ref) >= enough and len(cur) >= enough:
            kw = {"max_n": config.embed_sample, "seed": config.seed}
            plan.append((name, "embedding", lambda r=ref, c=cur: domain_auc(r, c, **kw), len(ref), len(cur)))
    return plan


def compare_windows(reference: WindowSample, current: WindowSample, config: DriftConfig) -> list[FeatureDrift]:
    """Test every shared feature; ``drifted`` needs p < alpha/tests AND effect >= its minimum."""
    plan = _planned(reference, current, config)
    alpha_per_test = config.alpha / max(len(plan), 1)
    out = []
    for feature, kind, test, ref_n, cur_n in plan:
        result = test()
        min_effect = config.min_effect.get(result.method, 0.0)
        p_value = float(np.clip(np.nan_to_num(result.p_value, nan=1.0), 0.0, 1.0))
        drifted = p_value < alpha_per_test and result.effect_size >= min_effect
        details = {**result.details, "alpha": config.alpha, "alpha_per_test": alpha_per_test,
                   "min_effect": min_effect}
        out.append(FeatureDrift(feature, kind, result.method, float(result.statistic), p_value,
                                float(result.effect_size), bool(drifted), ref_n, cur_n, details))
    return out
