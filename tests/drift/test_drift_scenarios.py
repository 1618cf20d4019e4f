"""Generated traffic with known shifts: each detected within one window; stationary traffic rarely alarms.

Embeddings are the real MiniLM vectors of a generated pool (computed once per session).
"""

from __future__ import annotations

import numpy as np
import pytest

from spyglass.drift.compare import DriftConfig, compare_windows
from spyglass.drift.scenarios import SHIFTS, generate_window, window_sample

# the feature that must flag each shift
EXPECTED = {"topic": ("prompt_embedding", "completion_embedding"), "length": ("prompt_length",),
            "latency": ("latency_ms",), "model": ("model",)}
WINDOWS_PER_SHIFT = 5
WINDOW_SPANS = 1000
STATIONARY_WINDOWS = 100
STATIONARY_SPANS = 400


def _window(embedded_pool, n: int, rng: np.random.Generator, shift: str | None = None):
    pool = embedded_pool.pool
    return window_sample(pool, generate_window(pool, n, rng, shift), embedded_pool.prompts,
                         embedded_pool.completions)


@pytest.mark.parametrize("shift", SHIFTS)
def test_known_shift_is_detected_within_one_window(embedded_pool, shift):
    rng = np.random.default_rng(100 + SHIFTS.index(shift))
    detected = 0
    for _ in range(WINDOWS_PER_SHIFT):
        results = compare_windows(_window(embedded_pool, WINDOW_SPANS, rng),
                                  _window(embedded_pool, WINDOW_SPANS, rng, shift), DriftConfig())
        flagged = {r.feature for r in results if r.drifted}
        detected += bool(flagged & set(EXPECTED[shift]))
    rate = detected / WINDOWS_PER_SHIFT
    print(f"\n{shift} shift: detected in {detected}/{WINDOWS_PER_SHIFT} windows (rate {rate:.2f})")
    assert rate == 1.0


def test_stationary_false_alarm_rate_over_100_windows(embedded_pool):
    rng = np.random.default_rng(7)
    alarms = 0
    flagged_features: dict[str, int] = {}
    for _ in range(STATIONARY_WINDOWS):
        results = compare_windows(_window(embedded_pool, STATIONARY_SPANS, rng),
                                  _window(embedded_pool, STATIONARY_SPANS, rng), DriftConfig())
        drifted = [r.feature for r in results if r.drifted]
        alarms += bool(drifted)
        for feature in drifted:
            flagged_features[feature] = flagged_features.get(feature, 0) + 1
    rate = alarms / STATIONARY_WINDOWS
    print(f"\nstationary: {alarms}/{STATIONARY_WINDOWS} windows raised any drift (false-alarm rate {rate:.2f}); "
          f"by feature {flagged_features}; {len(results)} features tested per window")
    assert len(results) >= 10
    assert rate <= 0.05
