"""Pure batching decisions: sort texts by token length, pack them under a token budget.

A batch costs what its padded tensor costs: ``len(batch) * longest``. Sorting by length first
keeps each batch's members alike, so little of the budget goes to padding.
"""

from __future__ import annotations

from typing import Sequence


def pack_by_tokens(lengths: Sequence[int], token_budget: int, max_batch: int | None = None) -> list[list[int]]:
    """Group item indices into batches, shortest first, each under ``token_budget`` padded tokens.

    ``lengths[i]`` is item i's token count. A batch's padded cost is its size times its longest
    item; an item longer than the budget on its own goes alone in its batch (the model truncates).
    ``max_batch`` caps the number of items per batch. Every index appears in exactly one batch.
    """
    if token_budget < 1:
        raise ValueError(f"token_budget must be positive, got {token_budget}")
    if max_batch is not None and max_batch < 1:
        raise ValueError(f"max_batch must be positive, got {max_batch}")
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = max(int(lengths[i]), 1)  # sorted ascending: the newcomer is the longest
        full = max_batch is not None and len(current) >= max_batch
        if current and (full or (len(current) + 1) * longest > token_budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def padded_tokens(batches: Sequence[Sequence[int]], lengths: Sequence[int]) -> int:
    """Total padded tokens of a batching (what the model actually computes over)."""
    return sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
