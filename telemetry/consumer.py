"""What a span consumer group (ingest, evaluators) reports: received, stored, dead letters, lag.

The consumer loop calls these from its own thread; prometheus_client's metrics are thread-safe.
Lag is the high watermark minus the first offset not yet stored, per assigned partition, so it
reaches 0 only once ClickHouse holds everything (not merely once it was fetched).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Callable, TypeVar

from spyglass.sdk.wire import KNOWN_FIELDS
from spyglass.telemetry import catalogue as m

log = logging.getLogger(__name__)
T = TypeVar("T")
_ROOT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}")
# The span's own fields (wire format): anything else becomes "other", so labels stay bounded.
SPAN_FIELDS = KNOWN_FIELDS | {"span"}


def dead_letter_reason(field: str) -> str:
    """A bounded label for a dead letter: ``record`` (unreadable record) or the span's top-level field."""
    if not field:
        return "record"
    root = _ROOT.match(field)
    name = root.group(0) if root else ""
    return name if name in SPAN_FIELDS else "other"


class ConsumerTelemetry:
    """Metrics of one consumer-group member; ``label`` is ``ingest`` or ``evaluators``."""

    def __init__(self, group: str, label: str, observe_every_s: float = 0.5) -> None:
        self.group = group
        self.label = label
        self.every_s = observe_every_s
        self._stored_at: dict[Any, int] = {}  # TopicPartition -> next offset to store
        self._lag_series: set[tuple[str, str]] = set()
        self._observed = 0.0

    def decoded(self, decoded: Any) -> None:
        """A batch came back from decoding (rows or encoded rows, and dead letters)."""
        rows = len(decoded.encoded) if getattr(decoded, "encoded", None) is not None else len(decoded.rows)
        m.SPANS_RECEIVED.labels(self.group).inc(rows + len(decoded.dead))

    def timed(self, store: Callable[[Any], T]) -> Callable[[Any], T]:
        """``store`` wrapped to observe its duration (runs on the loop's helper thread)."""
        histogram = m.STORE_SECONDS.labels(self.group)

        def run(batch: Any) -> T:
            started = time.perf_counter()
            try:
                return store(batch)
            finally:
                histogram.observe(time.perf_counter() - started)

        return run

    def stored(self, batch: Any, stored: int) -> None:
        """A batch was stored and its offsets committed."""
        counter = m.SPANS_STORED if self.label == "ingest" else m.EVALUATIONS_STORED
        counter.labels(self.group).inc(stored)
        m.BATCH_SPANS.labels(self.group).observe(stored)
        for letter in batch.decoded.dead:
            m.DEAD_LETTERS.labels(self.group, dead_letter_reason(letter.field)).inc()
        for tp, offset in batch.next.items():
            self._stored_at[tp] = max(offset, self._stored_at.get(tp, 0))

    def failed(self) -> None:
        """A batch was not stored (it will be fetched again)."""
        m.STORE_FAILURES.labels(self.group).inc()

    def observe(self, loop: Any, force: bool = False) -> None:
        """Every ``observe_every_s`` at most: lag per assigned partition and the pipeline's batches."""
        now = time.monotonic()
        if not force and now - self._observed < self.every_s:
            return
        self._observed = now
        m.PIPELINE_BATCHES.labels(self.group, "decoding").set(len(getattr(loop, "_decoding", ())))
        m.PIPELINE_BATCHES.labels(self.group, "storing").set(1 if getattr(loop, "_inflight", None) else 0)
        consumer = loop._consumer
        assigned = consumer.assignment()
        seen = set()
        for tp in assigned:
            high = consumer.highwater(tp)
            if high is None:
                continue  # no fetch answered yet: unknown, not zero
            if tp not in self._stored_at:
                self._stored_at[tp] = self._committed(consumer, tp)
            key = (tp.topic, str(tp.partition))
            seen.add(key)
            m.CONSUMER_LAG.labels(self.group, *key).set(max(high - self._stored_at[tp], 0))
        for key in self._lag_series - seen:  # partitions that moved to another member
            m.CONSUMER_LAG.remove(self.group, *key)
        self._lag_series = seen
        for tp in set(self._stored_at) - set(assigned):
            del self._stored_at[tp]

    @staticmethod
    def _committed(consumer: Any, tp: Any) -> int:
        """The group's committed offset, else the partition's first (what a new group reads first)."""
        try:
            committed = consumer.committed(tp, timeout_ms=2000)
            if committed is not None:
                return int(committed)
            return int(consumer.beginning_offsets([tp], timeout_ms=2000)[tp])
        except Exception as exc:  # noqa: BLE001 - a metric must never stop the consumer
            log.debug("lag: cannot read the committed offset of %s: %s", tp, exc)
            return int(consumer.position(tp))


def evaluator_batch(name: str, scores: list[tuple[str, Any]], seconds: float) -> None:
    """One evaluator scored a batch: spans, errors (``label == "error"``) and its time."""
    m.EVALUATOR_SPANS.labels(name).inc(len(scores))
    errors = sum(1 for _, score in scores if getattr(score, "label", "") == "error")
    if errors:
        m.EVALUATOR_ERRORS.labels(name).inc(errors)
    m.EVALUATOR_SECONDS.labels(name).observe(seconds)


class _EvaluatorLag:
    """The evaluators' lag: while a batch is scored, now minus its oldest record; after, what it ended at."""

    def __init__(self) -> None:
        self.oldest = 0.0  # epoch seconds of the oldest record of the batch in flight; 0: none
        self.last = 0.0

    def seconds(self) -> float:
        return max(time.time() - self.oldest, 0.0) if self.oldest else self.last


LAG = _EvaluatorLag()
m.EVALUATOR_LAG.set_function(LAG.seconds)


def evaluator_sampling(oldest_s: float, seen: int, scored: int) -> None:
    """The evaluators start a batch whose oldest record was written at ``oldest_s`` (epoch; 0: unknown),
    scoring ``scored`` of its ``seen`` spans."""
    LAG.oldest = oldest_s
    if seen:
        m.EVALUATOR_SCORED_SHARE.set(scored / seen)
        m.EVALUATOR_SPANS_SEEN.inc(seen)
        m.EVALUATOR_SPANS_SAMPLED_OUT.inc(seen - scored)


def evaluator_batch_done() -> None:
    """The batch in flight was stored (or given up): the lag stays at what it reached."""
    LAG.last, LAG.oldest = LAG.seconds(), 0.0


def evaluator_status() -> dict[str, float | None]:
    """What this process's evaluators last reported: lag, target and scored share (None: no evaluators here)."""
    seen = m.EVALUATOR_SPANS_SEEN._value.get()
    target = m.EVALUATOR_TARGET_LAG._value.get()
    if not seen and not target:
        return {"lag_s": None, "target_lag_s": None, "scored_share": None, "spans_seen": 0, "spans_sampled_out": 0}
    return {"lag_s": LAG.seconds(), "target_lag_s": target,
            "scored_share": m.EVALUATOR_SCORED_SHARE._value.get() if seen else None,
            "spans_seen": int(seen), "spans_sampled_out": int(m.EVALUATOR_SPANS_SAMPLED_OUT._value.get())}
