"""Freed heap memory goes back to the operating system (glibc's malloc_trim)."""

from __future__ import annotations

import threading

import pytest

from spyglass.core.memory import HeapTrimmer, malloc_trim


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def _fragment_a_thread_arena() -> list[bytes]:
    """Allocate ~150 MB in a thread's arena and free it all but every 50th block (holes glibc keeps)."""
    kept: list[bytes] = []

    def work() -> None:
        blocks = [bytes(3000) for _ in range(50_000)]
        kept.extend(blocks[::50])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return kept


@pytest.mark.skipif(malloc_trim() is None, reason="no malloc_trim in this C library")
def test_trimming_returns_the_freed_holes_of_a_thread_arena():
    kept = _fragment_a_thread_arena()
    before = _rss_mb()
    malloc_trim()()
    assert _rss_mb() < before - 50, "malloc_trim gave nothing back"
    assert len(kept) == 1000


def test_the_trimmer_stops_at_once():
    trimmer = HeapTrimmer(interval_s=0.01)
    thread = threading.Thread(target=trimmer.run)
    thread.start()
    threading.Event().wait(0.1)
    trimmer.stop()
    thread.join(2)
    assert not thread.is_alive()
    assert trimmer.trims > 0 or malloc_trim() is None
