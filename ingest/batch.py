"""A batch of consumed records and the sink interface the consumer loop feeds; no Kafka here.

Sinks (``ingest.worker.SpanStoreSink``, ``evaluators.sink.EvaluationSink``) depend on this module
only, never on the loop in ``ingest.consumer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from spyglass.core.errors import SpyglassError
from spyglass.ingest.decode import Decoded

Partition = tuple[str, int]  # (topic, partition); kafka's TopicPartition is one
Prepared = TypeVar("Prepared")  # what a sink's prepare() hands to its store(): ingest a row count, evaluators a plan
Prepared_co = TypeVar("Prepared_co", covariant=True)


class StoreInterrupted(SpyglassError):
    """A sink stopped storing a batch because the consumer is stopping; the batch is not committed."""


@dataclass(frozen=True)
class OffsetRange:
    """The records of one batch: per partition, its first offset and the offset after its last."""

    first: dict[Partition, int]
    next: dict[Partition, int]
    may_repeat: bool  # the batch may hold spans a previous run (or a failed store) already stored

    @property
    def ranges(self) -> str:
        """``topic:partition:first-next,...`` for logs (never for identity: offsets restart on a new broker)."""
        return ",".join(f"{tp[0]}:{tp[1]}:{self.first[tp]}-{self.next[tp]}" for tp in sorted(self.next))


@dataclass
class Batch(Generic[Prepared]):
    """Decoded records and the offsets they cover; ``prepared`` is what the sink's ``prepare`` returned."""

    decoded: Decoded
    offsets: OffsetRange
    prepared: Prepared | None = None
    oldest_ms: int = 0  # Kafka timestamps (epoch ms) of the batch's oldest and newest records; 0: unknown
    newest_ms: int = 0

    @property
    def first(self) -> dict[Partition, int]:
        return self.offsets.first

    @property
    def next(self) -> dict[Partition, int]:
        return self.offsets.next

    @property
    def ranges(self) -> str:
        return self.offsets.ranges

    @property
    def may_repeat(self) -> bool:
        return self.offsets.may_repeat


class SpanSink(Protocol[Prepared]):
    """Where batches go. ``prepare`` runs on the consumer thread, ``store`` on the helper thread.

    A sink may name its decoder as attribute ``decode``: a module-level function (it must pickle,
    to run in the decode process) from ``[(value, Source)]`` to ``Decoded``; else ``decode_values``.
    """

    def prepare(self, batch: Batch[Prepared]) -> Prepared:
        """Cheap per-batch work (filtering); its result is ``batch.prepared``. May raise SpyglassError."""

    def store(self, batch: Batch[Prepared]) -> int:
        """Persist the batch; return how many items were stored. Raise to have it fetched again."""

    def forget(self) -> None:
        """A store failed: drop any memory of what was sent but maybe not stored."""

    # optional: ``discard(decoded)`` releases what a decoded batch holds that will never be stored
    # optional: ``abandon(batch)`` (thread-safe) stops the store of ``batch`` soon, because its
    # partitions are being given up in a rebalance (``ingest.handover``); the evaluation sink has it
