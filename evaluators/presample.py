"""Sampling as spans are read: far behind its target lag, the evaluator group validates only what it may score.

Reading a span costs the group its validation (~20 µs of Python) whether the models score it or
not, so at tens of thousands of spans a second the reading alone outruns the target: the group
read 6,000 spans/s of 22,000 arriving and fell further behind while scoring almost none. Behind
target, each record's raw spans pass the pre-filter first. Spans with a risky look are read, as
are a uniform ``rate`` of the rest, each with weight 1 / rate (``sample_weight``); spans without a
prompt or a completion, which no evaluator reads, are not. ``LagSampler`` then samples what was
read, and its weights multiply these, so the rollups' rates stay unbiased estimates.

The rate follows the share the models could score in the last batch, times ``OVERSAMPLE`` (the
scoring sampler still picks among more than it scores); on target, everything is read.
"""

from __future__ import annotations

import random
from typing import Any

from spyglass.evaluators.prefilter import is_risky

OVERSAMPLE = 4.0  # spans read per span the models can score, while behind
MIN_RATE = 0.001


class ReadSampler:
    """Which raw spans of a record to validate; ``update`` after each planned batch. Thread-safe enough:
    the consumer thread reads ``rate``, the store thread sets it (a float, replaced whole)."""

    def __init__(self, seed: int | None = None) -> None:
        self.rate = 1.0
        self.rng = random.Random(seed)

    def update(self, scored_share: float, behind: bool) -> None:
        """Set the next batches' rate from the share of the last one the models scored."""
        self.rate = min(1.0, max(OVERSAMPLE * scored_share, MIN_RATE)) if behind else 1.0

    def choose(self, spans: list[Any]) -> list[tuple[Any, float]]:
        """(span, weight) for the spans to validate; all of them, weight 1, while on target."""
        rate = self.rate
        if rate >= 1.0:
            return [(span, 1.0) for span in spans]
        chosen = []
        for span in spans:
            if not isinstance(span, dict):
                chosen.append((span, 1.0))  # malformed: validation says why (the ingest group dead-letters it)
                continue
            text = {"completion": _text(span.get("completion")), "prompt": _text(span.get("prompt")),
                    "context": _text(span.get("context"))}
            if not text["completion"] and not text["prompt"]:
                continue
            if is_risky(text):
                chosen.append((span, 1.0))
            elif self.rng.random() < rate:
                chosen.append((span, 1.0 / rate))
        return chosen


def _text(value: Any) -> str:
    """The text of a raw wire field: a string, or chat messages / documents with ``content``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_text(item.get("content") if isinstance(item, dict) else item) for item in value)
    return "" if value is None else str(value)
