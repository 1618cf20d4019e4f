"""Token-budget packing: every item once, budgets respected, far less padding than arrival order."""

from __future__ import annotations

import random

import pytest

from spyglass.evaluators.batching import pack_by_tokens, padded_tokens


def test_every_item_once_and_under_budget():
    rng = random.Random(7)
    lengths = [rng.randint(3, 200) for _ in range(500)]
    batches = pack_by_tokens(lengths, token_budget=2048, max_batch=64)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(500))
    for batch in batches:
        assert len(batch) <= 64
        assert len(batch) * max(lengths[i] for i in batch) <= 2048
    # sorted by length: batches are length-homogeneous
    assert [lengths[i] for i in flat] == sorted(lengths)


def test_sorting_saves_padding_against_arrival_order():
    rng = random.Random(3)
    lengths = [rng.choice([8, 16, 500]) for _ in range(256)]
    packed = pack_by_tokens(lengths, token_budget=8192)
    arrival = [list(range(i, min(i + 16, 256))) for i in range(0, 256, 16)]
    assert padded_tokens(packed, lengths) < 0.6 * padded_tokens(arrival, lengths)


def test_item_longer_than_budget_goes_alone():
    batches = pack_by_tokens([10, 10, 5000, 10], token_budget=100)
    assert [2] in batches
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3]


def test_empty_and_bad_arguments():
    assert pack_by_tokens([], 100) == []
    with pytest.raises(ValueError):
        pack_by_tokens([1], 0)
    with pytest.raises(ValueError):
        pack_by_tokens([1], 10, max_batch=0)
