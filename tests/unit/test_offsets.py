"""The consumer's offset bookkeeping without a broker: commits, rewinds, partial stores, rebalances."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.structs import TopicPartition

from spyglass.ingest.offsets import BOUND_MARGIN, OffsetBook

A, B, C = (TopicPartition("spyglass.spans", p) for p in range(3))


def test_a_stored_batch_commits_the_offset_after_its_last_record():
    book = OffsetBook()
    book.fetched(A, 0, 9)
    book.fetched(B, 5, 5)
    book.fetched(A, 10, 14)
    batch = book.close()
    assert (batch.first, batch.next) == ({A: 0, B: 5}, {A: 15, B: 6})
    assert batch.may_repeat, "the first batch after start may repeat what a crashed run stored"
    assert batch.ranges == "spyglass.spans:0:0-15,spyglass.spans:1:5-6"
    assert book.stored(batch) == {A: 15, B: 6}
    assert not book.pending and book.held == 0


def test_a_failed_store_rewinds_to_its_first_offset_and_drops_what_came_after():
    book = OffsetBook()
    book.fetched(A, 0, 9)
    failed = book.close()
    book.fetched(A, 10, 19)
    book.fetched(B, 3, 4)
    book.close()  # still decoding when the store failed
    book.fetched(A, 20, 21)  # pending, not yet a batch
    assert book.rewind({A, B}) == {A: 0, B: 3}
    assert not book.pending and book.held == 0
    with pytest.raises(ValueError):
        book.stored(failed)  # dropped: it will be fetched again, never committed from here
    book.fetched(A, 0, 9)
    assert book.close().may_repeat, "the refetched batch may hold spans the failed store wrote"


def test_partial_stores_commit_what_is_stored_and_rewind_the_rest():
    book = OffsetBook()
    book.fetched(A, 0, 9)
    first = book.close()
    book.fetched(A, 10, 19)
    book.fetched(B, 0, 4)
    second = book.close()
    assert not second.may_repeat
    assert book.stored(first) == {A: 10}
    assert book.rewind({A, B}) == {A: 10, B: 0}, "back to the second batch, not the stored first"


def test_batches_are_stored_oldest_first():
    book = OffsetBook()
    book.fetched(A, 0, 0)
    book.close()
    book.fetched(A, 1, 1)
    second = book.close()
    with pytest.raises(ValueError, match="oldest first"):
        book.stored(second)


def test_a_rebalance_seeks_only_the_partitions_kept():
    book = OffsetBook()
    book.fetched(A, 100, 109)
    book.fetched(B, 50, 59)
    book.close()
    book.fetched(C, 7, 8)
    # B was revoked: its new owner starts from the last commit; C was kept; A too
    assert book.rewind({A, C}) == {A: 100, C: 7}
    book.fetched(B, 0, 3)  # newly assigned elsewhere, now ours: from the committed offset
    assert book.close().may_repeat


def test_a_rebalance_with_nothing_held_seeks_nothing():
    book = OffsetBook()
    assert book.rewind({A, B}) == {}
    book.fetched(A, 0, 0)
    assert book.close().may_repeat


# A model of the loop against one partition log: whatever the order of fetches, closes, stores,
# failures (some after writing part of the batch) and rebalances, the committed offset never passes a record that is not stored (nothing
# lost), and a record is fetched again after being stored only in a batch marked may_repeat.
STEPS = st.lists(st.sampled_from(["fetch", "close", "store", "fail", "partial", "rebalance"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(STEPS, st.integers(1, 5))
def test_nothing_lost_and_repeats_are_marked(steps, per_fetch):
    book, position, committed = OffsetBook(), 0, 0
    stored: set[int] = set()
    held = []  # batches closed, oldest first, as the loop holds them
    for step in steps + ["drain"]:
        if step == "drain":  # stop: close what is pending and store everything held
            if book.pending:
                held.append(book.close())
            steps_left = ["store"] * len(held)
        else:
            steps_left = [step]
        for step in steps_left:
            book, position, committed = _apply(book, step, held, stored, position, committed, per_fetch)
    assert committed == position, "a clean stop commits everything fetched"
    assert set(range(position)) <= stored


def _apply(book, step, held, stored, position, committed, per_fetch):
    """One step of the model loop; returns the new (book, position, committed)."""
    if step == "fetch":
        book.fetched(A, position, position + per_fetch - 1)
        position += per_fetch
    elif step == "close" and book.pending:
        held.append(book.close())
    elif step == "store" and held:
        batch = held.pop(0)
        records = set(range(batch.first[A], batch.next[A]))
        assert batch.may_repeat or not records & stored, "a repeat in a batch not marked may_repeat"
        stored |= records
        committed = book.stored(batch)[A]
    elif step in ("fail", "partial", "rebalance"):
        if step == "partial" and held:  # the store wrote some rows, then failed
            stored |= set(range(held[0].first[A], (held[0].first[A] + held[0].next[A] + 1) // 2))
        held.clear()
        position = book.rewind({A}).get(A, position)
    assert all(offset in stored for offset in range(committed)), "committed past an unstored record"
    assert position >= committed
    return book, position, committed


def test_every_batch_below_the_bound_a_previous_owner_committed_may_repeat():
    book = OffsetBook()
    book.assigned(A, 10, "spyglass:stores-below=30", end=100)
    book.fetched(A, 10, 19)
    book.stored(book.close())
    book.fetched(A, 20, 29)
    assert book.close().may_repeat, "the previous owner may have stored up to 30 without committing"
    book.fetched(A, 30, 39)
    assert not book.close().may_repeat


def test_a_commit_without_a_bound_may_hide_anything_up_to_the_end():
    book = OffsetBook()  # e.g. a broker that keeps no commit metadata (Tansu)
    book.assigned(A, 10, None, end=50)
    book.fetched(A, 10, 19)
    book.stored(book.close())
    book.fetched(A, 40, 49)
    assert book.close().may_repeat
    book.fetched(A, 50, 59)
    assert not book.close().may_repeat


def test_a_partition_never_committed_was_never_stored_from():
    book = OffsetBook()
    book.assigned(A, None, None, end=100)
    book.fetched(A, 0, 9)
    book.stored(book.close())  # the first batch after start is marked anyway
    book.fetched(A, 10, 19)
    assert not book.close().may_repeat


def test_a_store_past_the_bound_commits_a_higher_bound_first():
    book = OffsetBook()
    book.assigned(A, None, None, end=0)
    book.fetched(A, 0, 9)
    first = book.close()
    assert book.intents(first, {A: 40}) == {A: (0, 40 + BOUND_MARGIN)}, "from the batch's first offset"
    assert book.metadata(A, 40 + BOUND_MARGIN) == f"spyglass:stores-below={40 + BOUND_MARGIN}"
    book.bound_committed({A: 40 + BOUND_MARGIN})
    book.stored(first)
    assert book.metadata(A) == f"spyglass:stores-below={40 + BOUND_MARGIN}", "later commits carry it on"
    book.fetched(A, 10, 19)
    assert book.intents(book.close(), {A: 50}) == {}, "still below the bound: no commit needed"


def test_a_failed_store_marks_every_record_it_held():
    book = OffsetBook()
    book.fetched(A, 0, 9)
    book.close()
    book.fetched(A, 10, 19)
    book.close()
    assert book.rewind({A}) == {A: 0}
    book.fetched(A, 0, 4)
    book.stored(book.close())
    book.fetched(A, 5, 14)
    assert book.close().may_repeat, "the failed store may have written records up to 20"


# The same log with takeovers: an owner killed at any point (its holdings lost, its last commit and
# that commit's metadata kept by the broker, or not) and a new owner from the commit. No record is
# stored twice in a batch not marked may_repeat, whatever the order.
TAKEOVER_STEPS = st.lists(st.sampled_from(["fetch", "close", "store", "fail", "crash"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(TAKEOVER_STEPS, st.integers(1, 5), st.booleans())
def test_a_new_owner_after_a_crash_marks_whatever_the_old_one_may_have_stored(steps, per_fetch, keeps_metadata):
    book, position, stored, held = OffsetBook(), 0, set(), []
    committed: tuple[int | None, str | None] = (None, None)  # what the broker keeps: offset, metadata
    book.assigned(A, None, None, end=0)
    for step in steps:
        if step == "fetch":
            book.fetched(A, position, position + per_fetch - 1)
            position += per_fetch
        elif step == "close" and book.pending:
            held.append(book.close())
        elif step == "store" and held:
            batch = held.pop(0)
            for tp, (offset, bound) in book.intents(batch, {A: position}).items():
                committed = (offset, book.metadata(tp, bound))
                book.bound_committed({tp: bound})
            records = set(range(batch.first[A], batch.next[A]))
            assert batch.may_repeat or not records & stored, "a repeat in a batch not marked may_repeat"
            stored |= records
            committed = (book.stored(batch)[A], book.metadata(A))
        elif step == "fail":
            held.clear()
            position = book.rewind({A}).get(A, position)
        elif step == "crash":  # a new owner; the broker may or may not have kept the metadata
            book, held = OffsetBook(), []
            book.assigned(A, committed[0], committed[1] if keeps_metadata else None, end=position)
            position = committed[0] or 0
        assert committed[0] is None or set(range(committed[0])) <= stored, "committed past an unstored record"
