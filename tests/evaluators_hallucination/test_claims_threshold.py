"""The flag threshold per number of claims (model.claims_threshold) and its use by the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from spyglass.evaluators.hallucination.model import claims_threshold, load_model

QUANTILES = np.linspace(0.0, 1.0, 101) ** 2  # faithful claims' scores: most are low


def test_one_claim_keeps_the_tuned_threshold_and_more_claims_raise_it():
    thresholds = [claims_threshold(0.4, QUANTILES, 0.3, n) for n in (0, 1, 2, 3, 5, 10)]
    assert thresholds[:2] == [0.4, 0.4]
    assert all(a < b for a, b in zip(thresholds[1:], thresholds[2:]))
    assert thresholds[-1] < 1.0


def test_the_faithful_flag_rate_per_claim_follows_the_exponent():
    # one claim: 1 - sqrt(0.4) of faithful claims score at or above 0.4; n claims: 1 - (1 - f) ** (1 / n ** e)
    f = 1 - np.sqrt(0.4)
    for n in (2, 5):
        per_claim = 1 - (1 - f) ** (1 / n ** 0.3)
        expected = (1 - per_claim) ** 2  # the quantile of level 1 - per_claim
        assert claims_threshold(0.4, QUANTILES, 0.3, n) == pytest.approx(expected, abs=2e-3)


def test_no_quantiles_or_no_exponent_means_one_threshold():
    assert claims_threshold(0.4, np.array([]), 0.3, 5) == 0.4
    assert claims_threshold(0.4, QUANTILES, 0.0, 5) == 0.4


def test_the_shipped_model_carries_its_quantiles():
    model = load_model()
    assert len(model.faithful_quantiles) == 101 and model.claims_exponent > 0
    assert model.threshold_for(1) == model.threshold < model.threshold_for(5)
