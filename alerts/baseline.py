"""Robust z-score of a value against its own trailing history (median and MAD; pure)."""

from __future__ import annotations

import math
from statistics import median
from typing import Sequence

# MAD of a normal distribution is 0.6745 sigma; scaling by 1.4826 makes it estimate sigma.
MAD_TO_SIGMA = 1.4826
# Iglewicz & Hoaglin: when MAD is 0 (over half the history identical), use the mean absolute
# deviation, which for a normal distribution is 0.7979 sigma.
MEAN_AD_TO_SIGMA = 1.2533


def robust_z(value: float, history: Sequence[float]) -> float:
    """How many robust standard deviations ``value`` lies from the median of ``history``.

    Positive above the median, negative below. Returns NaN for an empty history or NaN value,
    and +/-inf when the history is perfectly flat and ``value`` differs from it.
    """
    points = [h for h in history if not math.isnan(h)]
    if not points or math.isnan(value):
        return math.nan
    center = median(points)
    deviations = [abs(h - center) for h in points]
    scale = MAD_TO_SIGMA * median(deviations)
    if scale == 0:
        scale = MEAN_AD_TO_SIGMA * sum(deviations) / len(deviations)
    if scale == 0:
        return 0.0 if value == center else math.copysign(math.inf, value - center)
    return (value - center) / scale


def departs(z: float, z_threshold: float, direction: str) -> bool:
    """Whether ``z`` departs from the baseline in ``direction`` (above, below, both)."""
    if math.isnan(z):
        return False
    if direction == "above":
        return z >= z_threshold
    if direction == "below":
        return z <= -z_threshold
    return abs(z) >= z_threshold
