"""Rollups after an insert whose materialized view never ran (a crash between part and view).

Detaching the view while rows are inserted reproduces exactly what a SIGKILL in that window
leaves behind; the repair must then count those rows once, as the view would have.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.engine import LazyEncoder
from spyglass.evaluators.sink import EvaluationSink
from spyglass.sdk.wire import encode_record, validate_span
from spyglass.storage.rollups import SPANS_1M, repair_recent, repair_rollup
from spyglass.storage.spans import insert_spans, stored_spans
from support import Length, unique_name, wait_for
from test_ingest import count, make_spans, producer, start_worker, topics  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

ROLLUP_ROW = """SELECT minute, service, model, environment, sum(spans) AS spans, sum(llm_calls) AS llm_calls,
    sum(errors) AS errors, quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) AS latency,
    sum(latency_ms_sum) AS latency_sum, max(latency_ms_max) AS latency_max, sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens, sum(total_tokens) AS total_tokens, sum(cost) AS cost,
    groupBitmapMerge(batches) AS inserts
    FROM spans_1m WHERE project = {p:String} GROUP BY minute, service, model, environment
    ORDER BY minute, service, model, environment"""

EVALUATION_ROLLUP_ROW = """SELECT minute, evaluator, model, sum(evaluated) AS evaluated, sum(flagged) AS flagged,
    sum(errors) AS errors, sum(scored) AS scored, sum(score_sum) AS score_sum, max(score_max) AS score_max,
    quantilesTDigestMerge(0.5, 0.9, 0.99)(score_q) AS score_q, groupBitmapMerge(batches) AS inserts
    FROM evaluations_1m WHERE project = {p:String}
    GROUP BY minute, evaluator, model ORDER BY minute, evaluator, model"""


@contextlib.contextmanager
def view_detached(store, view="spans_1m_mv"):
    """Inserts inside this block store rows but never reach the view's rollup."""
    store.command(f"DETACH TABLE {view}")
    try:
        yield
    finally:
        store.command(f"ATTACH TABLE {view}")


def rollup(store, project, query=ROLLUP_ROW):
    return store.rows(query, parameters={"p": project})


def varied_rows(project: str) -> list[dict]:
    """Spans over several minutes, models, kinds and statuses, so every rollup column is exercised."""
    rows = make_spans(400, project, prefix=project)
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

    batches = set(stored_spans(store, [(lost, r["trace_id"], r["span_id"]) for r in rows],
                               rows[0]["start_time"] - 600, rows[-1]["start_time"] + 600).values())
    assert len(batches) == 1
    assert repair_rollup(store, SPANS_1M, batches, [lost]) == len(rollup(store, counted))
    assert rollup(store, lost) == rollup(store, counted)  # every column, quantiles included
    assert repair_rollup(store, SPANS_1M, batches, [lost]) == 0, "a counted insert is never added twice"
    assert rollup(store, lost) == rollup(store, counted)


def test_start_after_a_crash_counts_the_last_insert(store):
    """What the embedded stack does when it starts: its broker replays nothing, so it checks its last inserts."""
    counted, lost = unique_name("p"), unique_name("p")
    rows = varied_rows(counted)
    insert_spans(store, rows, dedup_token="earlier")
    with view_detached(store):  # the crash: the last insert's part written, its view's rows not
        insert_spans(store, [{**row, "project": lost} for row in rows], dedup_token="last")
    assert repair_recent(store, SPANS_1M) == len(rollup(store, counted))
    assert rollup(store, lost) == rollup(store, counted)
    assert repair_recent(store, SPANS_1M) == 0, "counted once"


def test_repair_leaves_counted_inserts_and_untokened_rows_alone(store):
    project = unique_name("p")
    rows = varied_rows(project)
    insert_spans(store, rows[:200], dedup_token="counted")
    with view_detached(store):
        insert_spans(store, rows[200:])  # no token: not an ingest insert, never repaired
    before = rollup(store, project)
    batches = stored_spans(store, [(project, r["trace_id"], r["span_id"]) for r in rows],
                           rows[0]["start_time"] - 600, rows[-1]["start_time"] + 600).values()
    assert repair_rollup(store, SPANS_1M, batches, [project]) == 0
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
    totals = ("SELECT sum(spans) AS n, sum(total_tokens) AS t, round(sum(cost), 6) AS c FROM spans_1m "
              "WHERE project = {p:String}")
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


def batch_of(rows, may_repeat, token):
    """What the consumer loop hands a sink: decoded span rows, whether they may repeat (``token``: unused now)."""
    return SimpleNamespace(decoded=SimpleNamespace(rows=rows), may_repeat=may_repeat, token=token, prepared=None)


def test_evaluator_replay_completes_rollups_an_interrupted_insert_missed(store):
    counted, lost = unique_name("p"), unique_name("p")
    sink = EvaluationSink(store, [Length()], EvalContext(LazyEncoder("cpu")))
    for project in (counted, lost):
        rows = varied_rows(project)
        for i, row in enumerate(rows):
            row["completion"] = "x" * (1 + i % 120)
        batch = batch_of(rows, False, f"offsets-{project}")
        batch.prepared = sink.prepare(batch)
        if project == lost:  # the evaluations are stored, their rollup rows never written
            with view_detached(store, "evaluations_1m_mv"):
                sink.store(batch)
            assert rollup(store, lost, EVALUATION_ROLLUP_ROW) == []
        else:
            sink.store(batch)

    spans, done = sink.prepare(batch_of(rows, True, "a-replay"))  # the lost project's spans come again
    assert (spans, len(done)) == ([], len(rows)), "every span was scored already"
    assert sink.rollups_repaired == len(rollup(store, counted, EVALUATION_ROLLUP_ROW)) > 0
    expected = [{**row, "inserts": 1} for row in rollup(store, counted, EVALUATION_ROLLUP_ROW)]
    assert rollup(store, lost, EVALUATION_ROLLUP_ROW) == expected
    sink.prepare(batch_of(rows, True, "another-replay"))
    assert rollup(store, lost, EVALUATION_ROLLUP_ROW) == expected, "counted once"
