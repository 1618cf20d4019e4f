"""The unfiltered trace list (newest slices first) pages exactly like the full query, long traces included."""

from __future__ import annotations

import random
import time

import pytest

from spyglass.storage.spans import insert_spans
from spyglass.storage.traces import TraceFilter, _summaries, list_traces

pytestmark = pytest.mark.integration


def _spans(rng: random.Random, now: float) -> list[dict]:
    spans = []
    for t in range(400):
        start = now - rng.uniform(0, 5 * 3600) if t % 3 else now - rng.uniform(0, 600)  # denser lately
        length = 2000.0 if t % 50 == 0 else rng.uniform(0.1, 5)  # some traces outlast a slice
        for s in range(4):
            at = start + (length if s == 3 else s * 0.01)
            spans.append({"project": "slices", "trace_id": f"t{t:04d}", "span_id": f"s{s}",
                          "parent_span_id": "" if s == 0 else "s0", "name": "step", "kind": "chain",
                          "start_time": at, "end_time": at + 0.05, "service": "svc"})
    spans.append({"project": "other", "trace_id": "t0001", "span_id": "x", "name": "n", "kind": "chain",
                  "start_time": now - 1, "end_time": now})  # the same trace id in another project
    return spans


def _pages(fetch) -> list[list[tuple[str, object]]]:
    pages, cursor = [], None
    while True:
        rows, cursor = fetch(cursor)
        pages.append([(r["trace_id"], r["span_count"]) for r in rows])
        if cursor is None:
            return pages


def test_slices_page_like_the_full_query(store) -> None:
    now = time.time()
    insert_spans(store, _spans(random.Random(22), now))
    window = TraceFilter(start=now - 86_400, end=now + 60, project="slices")

    def full(cursor):
        from spyglass.storage.traces import decode_cursor, encode_cursor

        rows = _summaries(store, window, 25, decode_cursor(cursor) if cursor else None)
        more = len(rows) > 25
        rows = rows[:25]
        return rows, encode_cursor(rows[-1]["start_us"], rows[-1]["trace_id"]) if more else None

    fast = _pages(lambda cursor: list_traces(store, window, 25, cursor))
    assert fast == _pages(full)
    assert sum(len(p) for p in fast) == 400 and all(n == 4 for p in fast for _, n in p)
