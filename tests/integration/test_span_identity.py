"""A span is (project, trace_id, span_id): a span id reused in another trace or project is a new span.

Through the whole road (POST /v1/spans -> Kafka -> ingest -> chDB -> GET /v1/traces/{id}) on the
session's stack, and migration 0008 on a database that holds rows in the old layout.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.engine import LazyEncoder
from spyglass.evaluators.sink import EvaluationSink
from spyglass.sdk.wire import validate_span
from spyglass.storage import Store, migrate
from spyglass.storage.schema import available_migrations
from spyglass.storage.spans import SPAN_COLUMNS, insert_spans
from support import Length, unique_name, wait_for

pytestmark = pytest.mark.integration


def span(project: str, trace_id: str, span_id: str, start: float, completion: str = "a") -> dict:
    return {"trace_id": trace_id, "span_id": span_id, "project": project, "name": "chat", "kind": "llm",
            "start_time": start, "end_time": start + 0.5, "model": "m", "prompt": "q", "completion": completion,
            "total_tokens": 3}


def served(api, trace_id: str, project: str) -> list[dict]:
    response = api.get(f"/v1/traces/{trace_id}", params={"project": project})
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return response.json()["spans"]


def test_a_span_id_reused_across_traces_and_projects_is_stored_and_served(api, stack):
    first, second = unique_name("p"), unique_name("p")
    start = time.time() - 60
    # the same span id, at the same instant: in two traces of one project, and in a second project
    spans = [span(first, "trace-a", "s1", start, "from a"), span(first, "trace-b", "s1", start, "from b"),
             span(second, "trace-a", "s1", start, "from the other project")]
    assert api.post("/v1/spans", json={"schema_version": 1, "spans": spans}).status_code == 202
    cases = [(first, "trace-a", "from a"), (first, "trace-b", "from b"), (second, "trace-a", "from the other project")]
    for project, trace_id, completion in cases:
        found = wait_for(lambda: served(api, trace_id, project), 60, message=f"{project}/{trace_id} served")
        assert [(s["span_id"], s["completion"]) for s in found] == [("s1", completion)]

    skipped = stack.ingest.span_sink.duplicates_skipped
    assert api.post("/v1/spans", json={"schema_version": 1, "spans": spans[:1]}).status_code == 202  # re-delivered
    wait_for(lambda: stack.ingest.span_sink.duplicates_skipped > skipped, 60, message="the re-delivery skipped")
    assert [s["completion"] for s in served(api, "trace-a", first)] == ["from a"], "a true re-delivery shows once"


def test_evaluations_of_a_reused_span_id_are_kept_apart(store):
    first, second = unique_name("p"), unique_name("p")
    start = time.time() - 60
    rows = [validate_span(span(first, "trace-a", "s1", start, "short")),
            validate_span(span(first, "trace-b", "s1", start, "x" * 90)),
            validate_span(span(second, "trace-a", "s1", start, "x" * 30))]
    sink = EvaluationSink(store, [Length()], EvalContext(LazyEncoder("cpu")))
    batch = SimpleNamespace(decoded=SimpleNamespace(rows=rows), may_repeat=True, prepared=None)
    batch.prepared = sink.prepare(batch)
    assert sink.store(batch) == 3
    stored = store.rows("SELECT project, trace_id, span_id, score FROM evaluations FINAL "
                        "WHERE project IN {p:Array(String)} ORDER BY project = {f:String} DESC, trace_id",
                        parameters={"p": [first, second], "f": first})
    assert [(r["project"], r["trace_id"], r["score"]) for r in stored] == [
        (first, "trace-a", 0.05), (first, "trace-b", 0.9), (second, "trace-a", 0.3)]
    spans, done = sink.prepare(SimpleNamespace(decoded=SimpleNamespace(rows=rows), may_repeat=True))
    assert (spans, len(done)) == ([], 3), "a replay finds each of the three scored"


def _old_layout(store: Store) -> None:
    """The database as migrations 0001-0007 left it (before span identity)."""
    store.command("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, checksum String, "
                  "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version")
    for migration in available_migrations():
        if migration.version < 8:
            for statement in migration.statements():
                store.command(statement)
            store.command("INSERT INTO schema_migrations (version, name, checksum) VALUES "
                          "({v:UInt32}, {n:String}, {c:String})",
                          parameters={"v": migration.version, "n": migration.name, "c": migration.checksum})


def _insert_old(store: Store, rows: list[dict], token: str) -> None:
    """Insert through the columns the old layout has (later migrations add token-detail columns)."""
    later = {"cache_read_tokens", "cache_write_tokens", "reasoning_tokens"}
    columns = [c for c in SPAN_COLUMNS if c not in later]
    store.insert_json_rows("spans", columns, orjson.dumps([{c: r[c] for c in columns if c in r} for r in rows]),
                           token)


def test_migration_0008_keeps_rows_and_rollups_and_keys_on_identity(chdb_path: Path):
    store = Store(f"chdb://{chdb_path}", unique_name("mig"))
    try:
        _old_layout(store)
        project, start = unique_name("p"), time.time() - 120
        rows = [validate_span(span(project, f"t{i}", f"s{i}", start + i)) for i in range(20)]
        _insert_old(store, rows, "old-1")
        _insert_old(store, rows[:5], "old-2")  # a re-delivery the old layout has not merged yet
        store.command("INSERT INTO evaluations (project, trace_id, span_id, span_start, evaluator, version, score, "
                      "label, flagged, details) VALUES ({p:String}, 't0', 's0', now64(), 'length', '1', 0.5, "
                      "'short', false, '{}')", parameters={"p": project})
        before = _counts(store, project)

        assert [m.version for m in migrate(store) if m.version == 8] == [8]
        keys = {r["name"]: r["sorting_key"] for r in store.rows(
            "SELECT name, sorting_key FROM system.tables WHERE database = currentDatabase() "
            "AND name IN ('spans', 'evaluations')")}
        assert keys == {"spans": "project, start_time, span_id, trace_id",
                        "evaluations": "project, evaluator, version, span_start, span_id, trace_id"}
        assert _counts(store, project) == before, "every row, insert_batch and rollup kept"
        assert not store.rows("SELECT name FROM system.tables WHERE database = currentDatabase() "
                              "AND name LIKE '%0008'"), "the copies are gone"

        # the view still feeds the rollup from the new table; a reused span id at the same instant stays
        insert_spans(store, [validate_span(span(project, "other-trace", "s0", start))], dedup_token="new-1")
        after = _counts(store, project)
        assert after["final"] == before["final"] + 1 and after["rollup"] == before["rollup"] + 1
        assert migrate(store) == [], "applied once"
    finally:
        store.command(f"DROP DATABASE IF EXISTS {store.database}")
        store.close()


def _counts(store: Store, project: str) -> dict:
    p = {"p": project}
    return store.rows(
        "SELECT (SELECT count() FROM spans FINAL WHERE project = {p:String}) AS final, "
        "(SELECT arraySort(groupUniqArray(insert_batch)) FROM spans WHERE project = {p:String}) AS batches, "
        "(SELECT sum(spans) FROM spans_1m WHERE project = {p:String}) AS rollup, "
        "(SELECT count() FROM evaluations FINAL WHERE project = {p:String}) AS evaluations", parameters=p)[0]
