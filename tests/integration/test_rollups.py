"""spans_1m after an insert whose materialized view never ran (a crash between part and view).

Detaching the view while spans are inserted reproduces exactly what a SIGKILL in that window
leaves behind; the repair must then count those spans once, as the view would have.
"""

from __future__ import annotations

import contextlib

import pytest

from spyglass.sdk.wire import encode_record, validate_span
from spyglass.storage.rollups import repair_span_rollups
from spyglass.storage.spans import insert_spans, stored_spans
from support import unique_name, wait_for
from test_ingest import count, make_spans, producer, start_worker, topics  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

ROLLUP_ROW = """SELECT minute, service, model, environment, sum(spans) AS spans, sum(llm_calls) AS llm_calls,
    sum(errors) AS errors, quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) AS latency,
    sum(latency_ms_sum) AS latency_sum, max(latency_ms_max) AS latency_max, sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens, sum(total_tokens) AS total_tokens, sum(cost) AS cost,
    groupBitmapMerge(batches) AS inserts
    FROM spans_1m WHERE project = {p:String} GROUP BY minute, service, model, environment
    ORDER BY minute, service, model, environment"""


@contextlib.contextmanager
def view_detached(store):
    """Inserts inside this block store spans but never reach spans_1m."""
    store.command("DETACH TABLE spans_1m_mv")
    try:
        yield
    finally:
        store.command("ATTACH TABLE spans_1m_mv")


def rollup(store, project):
    return store.rows(ROLLUP_ROW, parameters={"p": project})


def varied_rows(project: str) -> list[dict]:
    """Spans over several minutes, models, kinds and statuses, so every rollup column is exercised."""
    rows = make_spans(400, project)
    for i, span in enumerate(rows):
        span["start_time"] -= (i % 3) * 60
        span["end_time"] = span["start_time"] + 0.05 * (i % 17)
        span["model"] = ("gpt-4o-mini", "claude-3-5-haiku")[i % 2]
        span["kind"] = ("llm", "tool", "chain")[i % 3]
        if i % 7 == 0:
            span["status"], span["error"] = "error", "timeout"
    return [validate_span(span) for span in rows]


def test_repair_counts_an_uncounted_insert_exactly_as_the_view_would(store):
    counted, lost = unique_name("p"), unique_name("p")
    rows = varied_rows(counted)
    insert_spans(store, rows, dedup_token="first")
    with view_detached(store):
        insert_spans(store, [{**row, "project": lost} for row in rows], dedup_token="second")
    assert rollup(store, lost) == []

    batches = set(stored_spans(store, [r["span_id"] for r in rows], [lost], rows[0]["start_time"] - 600,
                               rows[-1]["start_time"] + 600).values())
    assert len(batches) == 1
    assert repair_span_rollups(store, batches, [lost]) == len(rollup(store, counted))
    assert rollup(store, lost) == rollup(store, counted)  # every column, quantiles included
    assert repair_span_rollups(store, batches, [lost]) == 0, "a counted insert is never added twice"
    assert rollup(store, lost) == rollup(store, counted)


def test_repair_leaves_counted_inserts_and_untokened_rows_alone(store):
    project = unique_name("p")
    rows = varied_rows(project)
    insert_spans(store, rows[:200], dedup_token="counted")
    with view_detached(store):
        insert_spans(store, rows[200:])  # no token: not an ingest insert, never repaired
    before = rollup(store, project)
    batches = stored_spans(store, [r["span_id"] for r in rows], [project], rows[0]["start_time"] - 600,
                           rows[-1]["start_time"] + 600).values()
    assert repair_span_rollups(store, batches, [project]) == 0
    assert rollup(store, project) == before


def test_ingest_replay_completes_rollups_an_interrupted_insert_missed(store, producer, topics, start_worker):
    project = unique_name("p")
    spans = make_spans(600, project)
    for lo in range(0, 600, 200):
        producer.send(topics[0], encode_record(spans[lo:lo + 200]))
    producer.flush()
    with view_detached(store):  # the first worker's inserts store spans, and their view never runs
        first = start_worker()
        wait_for(lambda: count(store, project)[0] == 600, 60, message="600 spans stored")
        first.stop()
    totals = "SELECT sum(spans) AS n, sum(total_tokens) AS t, round(sum(cost), 6) AS c FROM spans_1m WHERE project = {p:String}"
    assert store.rows(totals, parameters={"p": project})[0]["n"] == 0

    replay = start_worker()  # a new group reads from the start: every span is found stored
    wait_for(lambda: replay.worker.span_sink.duplicates_skipped >= 600, 60, message="replay filtered")
    assert replay.worker.span_sink.rollups_repaired > 0
    assert store.rows(totals, parameters={"p": project})[0] == {"n": 600, "t": 9000, "c": 0.6}

    again = start_worker()
    wait_for(lambda: again.worker.span_sink.duplicates_skipped >= 600, 60, message="second replay filtered")
    assert again.worker.span_sink.rollups_repaired == 0
    assert store.rows(totals, parameters={"p": project})[0] == {"n": 600, "t": 9000, "c": 0.6}
    assert count(store, project) == (600, 600)
