"""Token-budget packing for cross-encoder batches: the fallback when ``evaluators/batching.py`` is absent.

Items are sorted by length and cut into batches whose padded size (longest item x batch size)
stays under a token budget, so one long pair does not force a huge padded batch of short ones.
"""

from __future__ import annotations

from typing import Sequence


def pack_by_tokens(lengths: Sequence[int], token_budget: int, max_batch: int | None = None) -> list[list[int]]:
    """Indices into ``lengths`` grouped into batches of at most ``token_budget`` padded tokens.

    An item longer than the budget gets a batch of its own (the model truncates it; callers chunk
    their inputs so this does not happen).
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        longest_if_added = max(longest, lengths[i])
        if current and (longest_if_added * (len(current) + 1) > token_budget
                        or (max_batch is not None and len(current) >= max_batch)):
            batches.append(current)
            current, longest_if_added = [], lengths[i]
        current.append(i)
        longest = longest_if_added
    if current:
        batches.append(current)
    return batches
