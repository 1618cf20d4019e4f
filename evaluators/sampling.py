"""Bounded evaluation lag: when the evaluators fall behind, score a weighted sample of each batch.

Pure policy, no I/O. A batch the models can score before the lag reaches its target is scored
whole (weight 1). Otherwise it gets a scoring budget: what the models can score in the time the
batch's records took to arrive (so the group consumes faster than spans come in and the lag
shrinks), or in what is left of the target, whichever is more. The budget goes
first to the spans the pre-filter marks risky, then to a uniform sample of the rest, each
stratum a simple random sample. Every scored span carries a weight, the number of spans of its
stratum it stands for (seen / scored), so per-window sums of weights and of weighted flags are
unbiased estimates of the totals (Horvitz-Thompson) and flag rate = weighted flagged / weighted
evaluated. A stratum that gets no budget in a batch hands its count to the next batch's weight.
Spans sampled already when they were read (``presample``) carry ``sample_weight``, the spans each
stands for; the two weights multiply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from spyglass.evaluators.prefilter import is_risky

REST_SHARE = 0.25  # at least this share of a tight budget goes to the unflagged rest, so it is estimated too


@dataclass
class SamplePlan:
    """The spans to score now, each with its weight; ``seen`` spans were in the batch."""

    spans: list[dict[str, Any]]
    weights: list[float]
    seen: int
    lag_s: float

    @property
    def share(self) -> float:
        return len(self.spans) / self.seen if self.seen else 1.0


@dataclass
class LagSampler:
    """Decides per batch what to score; ``observe`` feeds it the models' measured cost.

    Not thread-safe: one sampler per evaluator sink (the sink's store thread calls it).
    """

    target_lag_s: float
    headroom: float = 0.8  # share of the arrival time the models may use while catching up
    seed: int | None = None
    risky: Callable[[dict[str, Any]], bool] = is_risky
    per_span_s: float = 0.05  # scoring seconds per span (EWMA); a CPU's order of magnitude to start
    fixed_s: float = 0.02  # seconds per stored batch besides scoring (insert, commit)
    _carry: dict[str, float] = field(default_factory=lambda: {"risky": 0.0, "rest": 0.0})

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def plan(self, spans: Sequence[dict[str, Any]], lag_s: float, arrival_s: float) -> SamplePlan:
        """What to score of ``spans``, whose oldest record waited ``lag_s`` and which took ``arrival_s`` to arrive."""
        budget = len(spans)
        if self.target_lag_s > 0:
            # seconds the models may spend: what keeps pace with arrivals, or what is left of the target
            spare = self.headroom * max(arrival_s, self.target_lag_s - lag_s) - self.fixed_s
            if len(spans) * self.per_span_s > spare:
                budget = min(len(spans), self._stochastic_round(max(spare, 0.0) / self.per_span_s))
        if budget == len(spans) and not any(self._carry.values()):  # all scored: no strata needed
            weights = [_read_weight(s) for s in spans]
            return SamplePlan(list(spans), weights, round(sum(weights)), lag_s)
        strata: dict[str, list[dict[str, Any]]] = {"risky": [], "rest": []}
        for span in spans:
            strata["risky" if self.risky(span) else "rest"].append(span)
        risky, rest = strata["risky"], strata["rest"]
        take_rest = min(len(rest), max(budget - len(risky), round(budget * REST_SHARE) if rest else 0))
        take_risky = min(len(risky), budget - take_rest)
        chosen: list[dict[str, Any]] = []
        weights: list[float] = []
        represented = 0.0
        # newest first within a stratum's sample (a later cut keeps the freshest)
        for name, members, take in (("risky", risky, take_risky), ("rest", rest, take_rest)):
            read = sum(_read_weight(s) for s in members)
            represented += read
            seen = read + self._carry[name]
            if take <= 0:
                self._carry[name] = seen
                continue
            self._carry[name] = 0
            sample = self.rng.sample(members, take) if take < len(members) else list(members)
            sample.sort(key=lambda s: s.get("start_time") or 0, reverse=True)
            chosen += sample
            # each stands for its read weight times its stratum's spans per scored one (the carry spread evenly)
            weights += [_read_weight(s) * seen / read * len(members) / take for s in sample]
        return SamplePlan(chosen, weights, round(represented), lag_s)

    def observe(self, scored: int, scoring_s: float, other_s: float) -> None:
        """A batch of ``scored`` spans took ``scoring_s`` in the models and ``other_s`` besides."""
        self.fixed_s = 0.8 * self.fixed_s + 0.2 * other_s
        if scored:
            self.per_span_s = max(0.8 * self.per_span_s + 0.2 * scoring_s / scored, 1e-6)

    def _stochastic_round(self, value: float) -> int:
        whole = int(value)
        return whole + (1 if self.rng.random() < value - whole else 0)


def _read_weight(span: dict[str, Any]) -> float:
    return float(span.get("sample_weight", 1.0))


def weighted_rate(flags: Sequence[bool], weights: Sequence[float]) -> tuple[float, float]:
    """Flag rate estimate and its 95 % half-width from weighted flags (what the rollup sums give).

    The variance is the Horvitz-Thompson one for Poisson sampling, sum w(w-1)(f - R)^2 / W^2,
    computed from the sums the rollup keeps; 0 when every weight is 1 (nothing was sampled).
    """
    total = sum(weights)
    flagged = sum(w for f, w in zip(flags, weights) if f)
    a = sum(w * (w - 1) for f, w in zip(flags, weights) if f)
    b = sum(w * (w - 1) for w in weights)
    return rate_interval(flagged, total, a, b)


def rate_interval(flagged_w: float, weight: float, flagged_w2: float, weight_w2: float) -> tuple[float, float]:
    """(rate, 95 % half-width) from sum(w f), sum(w), sum(w(w-1) f), sum(w(w-1)); NaN without data."""
    if weight <= 0:
        return float("nan"), float("nan")
    rate = flagged_w / weight
    variance = max((1 - 2 * rate) * flagged_w2 + rate * rate * weight_w2, 0.0) / (weight * weight)
    return rate, 1.96 * variance ** 0.5
