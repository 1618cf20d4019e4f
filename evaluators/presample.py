"""Sampling as spans are read: far behind its target lag, the evaluator group validates only what it may score.

Reading a span costs the group its validation (~20 µs of Python) whether the models score it or
not, so at tens of thousands of spans a second the reading alone outruns the target: the group
read 6,000 spans/s of 22,000 arriving and fell further behind while scoring almost none. Behind
target, each record's raw spans get the pre-filter's quick look first (``looks_risky``, ~10 µs:
no context check, which needs the span read). Spans with a risky look are read, as
are a uniform ``rate`` of the rest, each with weight 1 / rate (``sample_weight``); spans without a
prompt or a completion, which no evaluator reads, are not. ``LagSampler`` then samples what was
read, and its weights multiply these, so the rollups' rates stay unbiased estimates.

Parsing a record's JSON costs ~5 µs a span as well, so further behind whole records are skipped
unparsed: a uniform share ``record_rate`` of them is parsed, its spans weighted 1 / record_rate
more. Both rates follow the share the models could score in the last batch, times ``OVERSAMPLE``
and ``RECORD_OVERSAMPLE`` (the scoring sampler still picks among more than it scores); on target,
everything is read.
"""

from __future__ import annotations

import random
from typing import Any, Sequence, TypeVar

from spyglass.evaluators.prefilter import looks_risky

T = TypeVar("T")

OVERSAMPLE = 4.0  # spans read per span the models can score, while behind
# records parsed per span the models can score: at a 5 % risky share, 2.5 risky spans read per one
# scored, so skipping whole records (no parse at all) costs the risky-first sample nothing
RECORD_OVERSAMPLE = 50.0
MIN_RATE = 0.001


class ReadSampler:
    """Which records to parse and which of their raw spans to validate; ``update`` after each planned
    batch. The consumer thread calls ``records`` then ``choose``; the store thread calls ``update``."""

    def __init__(self, seed: int | None = None) -> None:
        self.rate = 1.0  # share of the spans without a risky look that are read
        self.record_rate = 1.0  # share of the records parsed at all
        self.rng = random.Random(seed)
        self._record_weight, self._rate = 1.0, 1.0  # this batch's, fixed by records()

    def update(self, scored_share: float, behind: bool) -> None:
        """Set the next batches' rates from the share of the last one the models scored."""
        self.rate = min(1.0, max(OVERSAMPLE * scored_share, MIN_RATE)) if behind else 1.0
        self.record_rate = min(1.0, max(RECORD_OVERSAMPLE * scored_share, MIN_RATE)) if behind else 1.0

    @property
    def reads_all(self) -> bool:
        """On target: every record parsed and every span read (then no choice to make per span)."""
        return self.rate >= 1.0 and self.record_rate >= 1.0

    def records(self, items: Sequence[T]) -> list[T]:
        """The records of a batch to parse: all of them, or behind target a uniform share."""
        record_rate, self._rate = self.record_rate, self.rate
        self._record_weight = 1.0 / record_rate
        if record_rate >= 1.0:
            return list(items)
        return [item for item in items if self.rng.random() < record_rate]

    def choose(self, spans: list[Any]) -> list[tuple[Any, float]]:
        """(span, weight) for the spans of a parsed record to validate; all of them while on target."""
        weight, rate = self._record_weight, self._rate
        if rate >= 1.0:
            return [(span, weight) for span in spans]
        chosen = []
        for span in spans:
            if not isinstance(span, dict):
                chosen.append((span, weight))  # malformed: validation says why (the ingest group dead-letters it)
                continue
            completion, prompt = _text(span.get("completion")), _text(span.get("prompt"))
            if not completion and not prompt:
                continue
            if looks_risky(completion, prompt):
                chosen.append((span, weight))
            elif self.rng.random() < rate:
                chosen.append((span, weight / rate))
        return chosen


def _text(value: Any) -> str:
    """The text of a raw wire field: a string, or chat messages / documents with ``content``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_text(item.get("content") if isinstance(item, dict) else item) for item in value)
    return "" if value is None else str(value)
