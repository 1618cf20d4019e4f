"""Segment comparison: each segment's outcome rate against the rest, with Holm-corrected tests (pure).

For a rate outcome (refusals, evaluator flags, negative feedback) each segment is compared with
every span outside it: a two-sided two-proportion z-test (pooled), p-values corrected across all
comparisons of a run with Holm's step-down method (family-wise error at ``alpha``), and the
effect size as a rate ratio. Every outcome here is adverse (refused, flagged, thumbs down), so
the four-fifths rule (a group's favourable rate below 4/5 of another's) becomes: a segment is
disparate when its corrected p-value is below ``alpha`` and its adverse rate is above 5/4 of the
rest's. A segment treated better than the rest is tested (its p-value counts in the correction)
but not reported: when one group is refused far more often, every other group looks favoured
by comparison. Segments with fewer than ``min_n`` spans are not tested.

For a measured outcome (completion length, latency) each segment's values are compared with the
rest's by a two-sided Mann-Whitney U test (no normality assumed: latencies are skewed), corrected
together with the rates; the effect size is the ratio of means, and the adverse direction is the
outcome's own (``ADVERSE``: shorter answers, slower answers), with the same 4/5 bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

FOUR_FIFTHS = 0.8
# measured outcomes and the direction in which a segment is treated worse
ADVERSE = {"completion_length": "lower", "latency_ms": "higher"}


@dataclass(frozen=True)
class Comparison:
    """One segment against the rest for one outcome."""

    dimension: str
    segment: str
    outcome: str
    segment_n: int
    segment_hits: int
    rest_n: int
    rest_hits: int
    p_value: float = 1.0
    p_adjusted: float = 1.0
    disparate: bool = False

    @property
    def segment_rate(self) -> float:
        return self.segment_hits / self.segment_n if self.segment_n else math.nan

    @property
    def rest_rate(self) -> float:
        return self.rest_hits / self.rest_n if self.rest_n else math.nan

    @property
    def rate_ratio(self) -> float:
        """Segment rate / rest rate (inf when the rest never has the outcome and the segment does)."""
        if self.rest_hits == 0:
            return 1.0 if self.segment_hits == 0 else math.inf
        return self.segment_rate / self.rest_rate


@dataclass(frozen=True)
class MeanComparison:
    """One segment against the rest for a measured outcome; ``segment_rate``/``rest_rate`` are the means."""

    dimension: str
    segment: str
    outcome: str
    segment_n: int
    segment_rate: float
    rest_n: int
    rest_rate: float
    p_value: float = 1.0
    p_adjusted: float = 1.0
    disparate: bool = False

    @property
    def rate_ratio(self) -> float:
        """Segment mean / rest mean."""
        if self.rest_rate == 0:
            return 1.0 if self.segment_rate == 0 else math.inf
        return self.segment_rate / self.rest_rate


def mean_comparison(dimension: str, segment: str, outcome: str, inside: Sequence[float],
                    outside: Sequence[float]) -> MeanComparison:
    """The segment's values against the rest's: means and the Mann-Whitney U p-value (uncorrected)."""
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(inside, outside, alternative="two-sided").pvalue) if len(set(inside) | set(outside)) > 1 \
        else 1.0
    return MeanComparison(dimension, segment, outcome, len(inside), sum(inside) / len(inside), len(outside),
                          sum(outside) / len(outside), p_value=p if math.isfinite(p) else 1.0)


def is_material(outcome: str, ratio: float, ratio_bar: float = FOUR_FIFTHS) -> bool:
    """Whether a ratio (segment / rest) is beyond the 4/5 bar in the outcome's adverse direction."""
    if ADVERSE.get(outcome) == "lower":
        return ratio < ratio_bar
    return ratio > 1 / ratio_bar


def correct(tested: Sequence["Comparison | MeanComparison"], alpha: float = 0.01,
            ratio_bar: float = FOUR_FIFTHS) -> list["Comparison | MeanComparison"]:
    """Holm-correct every comparison of a run together and give each its disparate verdict."""
    adjusted = holm([c.p_value for c in tested])
    return [replace(c, p_adjusted=p, disparate=p < alpha and is_material(c.outcome, c.rate_ratio, ratio_bar))
            for c, p in zip(tested, adjusted)]


def two_proportion_p(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1.0 when undefined."""
    if not n_a or not n_b:
        return 1.0
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 1.0
    z = (hits_a / n_a - hits_b / n_b) / se
    return math.erfc(abs(z) / math.sqrt(2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (monotone, capped at 1), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def compare_segments(counts: Iterable[tuple[str, str, str, int, int]], totals: dict[str, tuple[int, int]],
                     alpha: float = 0.01, ratio_bar: float = FOUR_FIFTHS, min_n: int = 30) -> list[Comparison]:
    """Compare every (dimension, segment, outcome, n, hits) with the rest of its outcome's ``totals`` (n, hits).

    Returns every tested comparison with corrected p-values and the disparate verdict.
    """
    return correct(rate_comparisons(counts, totals, min_n), alpha, ratio_bar)


def rate_comparisons(counts: Iterable[tuple[str, str, str, int, int]], totals: dict[str, tuple[int, int]],
                     min_n: int = 30) -> list[Comparison]:
    """The tested rate comparisons of ``counts`` with their uncorrected p-values (see ``compare_segments``)."""
    tested = []
    for dimension, segment, outcome, n, hits in counts:
        total_n, total_hits = totals[outcome]
        rest_n, rest_hits = total_n - n, total_hits - hits
        if n < min_n or rest_n < min_n:
            continue
        tested.append(Comparison(dimension, segment, outcome, n, hits, rest_n, rest_hits,
                                 p_value=two_proportion_p(hits, n, rest_hits, rest_n)))
    return tested
