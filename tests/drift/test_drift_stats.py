"""Unit tests of the drift statistics and the decision rule (no ClickHouse, no model)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from spyglass.drift.compare import DriftConfig, WindowSample, compare_windows
from spyglass.drift.embedding_stats import domain_auc
from spyglass.drift.stats import categorical_drift, category_counts, numeric_drift, robust_scale


def test_numeric_drift_measures_shift_in_reference_sigmas():
    rng = np.random.default_rng(0)
    reference = rng.normal(100, 10, 5000)
    same = numeric_drift(reference, rng.normal(100, 10, 5000))
    moved = numeric_drift(reference, rng.normal(110, 10, 5000))
    assert same.effect_size < 0.1 and same.p_value > 0.001
    assert abs(moved.effect_size - 1.0) < 0.1 and moved.p_value < 1e-50
    assert abs(moved.statistic - 10.0) < 1.0  # Wasserstein in the feature's own units
    assert sum(moved.details["histogram"]["reference"]) > 0.9


def test_robust_scale_falls_back_when_iqr_is_zero():
    assert robust_scale(np.array([5.0] * 99 + [6.0])) > 0
    assert robust_scale(np.zeros(10)) == 1.0


def test_large_sample_trap_tiny_shift_is_significant_but_not_drift():
    rng = np.random.default_rng(1)
    reference = WindowSample(300_000, numeric={"latency_ms": rng.normal(1000, 100, 300_000)})
    current = WindowSample(300_000, numeric={"latency_ms": rng.normal(1003, 100, 300_000)})
    [result] = compare_windows(reference, current, DriftConfig())
    print(f"\nlarge-sample trap: p={result.p_value:.2g} effect={result.effect_size:.3f} drifted={result.drifted}")
    assert result.p_value < 1e-6
    assert result.effect_size < 0.1 and not result.drifted


def test_categorical_drift_new_category_and_identical_mix():
    same = categorical_drift(Counter(a=500, b=500), Counter(a=500, b=500))
    assert same.effect_size == 0.0 and same.p_value > 0.99
    new = categorical_drift(Counter({"gpt-4o": 1000}), Counter({"gpt-4o": 700, "gpt-5": 300}))
    assert new.effect_size > 0.3 and new.p_value < 1e-20
    assert new.details["categories"] == ["gpt-4o", "gpt-5"]


def test_category_counts_counts_each_tag_and_empty_lists():
    assert category_counts([["a", "b"], [], ["a"]]) == Counter(a=2, b=1, **{"(none)": 1})
    assert category_counts(["x", "", "x"]) == Counter(x=2, **{"(none)": 1})


def test_domain_auc_separates_clusters_and_not_identical_sources():
    rng = np.random.default_rng(2)
    base = rng.normal(size=(800, 384))
    shifted = domain_auc(base[:400], base[400:] + 0.5)
    same = domain_auc(base[:400], base[400:])
    assert shifted.statistic > 0.95 and shifted.p_value < 1e-20 and shifted.effect_size > 0.4
    assert abs(same.statistic - 0.5) < 0.06 and same.effect_size < 0.15 and same.p_value > 0.001


def test_domain_auc_is_not_fooled_by_repeated_prompts():
    """Templated traffic repeats texts: memorising them across folds must not look like drift."""
    rng = np.random.default_rng(3)
    templates = rng.normal(size=(60, 384))
    p_values = [domain_auc(templates[rng.integers(0, 60, 400)], templates[rng.integers(0, 60, 400)],
                           seed=s).p_value for s in range(10)]
    assert min(p_values) > 0.001


def test_drifted_needs_both_p_value_below_bonferroni_and_effect_above_minimum():
    rng = np.random.default_rng(4)
    numeric = {f"f{i}": rng.normal(0, 1, 2000) for i in range(4)}
    current = {k: v + (0.5 if k == "f0" else 0.0) for k, v in numeric.items()}
    current = {k: rng.permutation(v) for k, v in current.items()}
    results = compare_windows(WindowSample(2000, numeric=numeric),
                              WindowSample(2000, numeric={k: rng.normal(0, 1, 2000) + (0.5 if k == "f0" else 0)
                                                          for k in numeric}), DriftConfig(alpha=0.01))
    assert [r.feature for r in results if r.drifted] == ["f0"]
    assert all(r.details["alpha_per_test"] == 0.01 / 4 for r in results)
    strict = compare_windows(WindowSample(2000, numeric=numeric), WindowSample(2000, numeric=current),
                             DriftConfig(min_effect={"wasserstein": 5.0}))
    assert not any(r.drifted for r in strict)


def test_features_below_min_samples_are_not_tested():
    results = compare_windows(WindowSample(50, numeric={"x": np.zeros(50)}),
                              WindowSample(50, numeric={"x": np.ones(50)}), DriftConfig(min_samples=100))
    assert results == []
