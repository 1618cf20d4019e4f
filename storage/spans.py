"""Writing spans: a JSON array of rows parsed by ClickHouse (format JSONEachRow), with re-delivery filtered out."""

from __future__ import annotations

from typing import Any, Sequence

import orjson

from spyglass.storage.store import Store

# The columns of a span, written by ingest and read back by every reader (the one list).
SPAN_COLUMNS = (
    "project", "trace_id", "span_id", "parent_span_id", "service", "name", "kind", "start_time",
    "end_time", "duration_ms", "status", "error", "model", "provider", "prompt", "prompt_messages",
    "completion", "prompt_tokens", "completion_tokens", "total_tokens", "cost", "conversation_id",
    "user_id", "prompt_name", "prompt_version", "context", "context_sources", "tags", "metadata",
    "metadata_num", "environment", "release", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
)


def insert_spans(store: Store, rows: list[dict[str, Any]], dedup_token: str | None = None) -> None:
    """Insert normalized span rows (``wire.validate_span`` output) in one block.

    The same ``dedup_token`` twice inserts once: use it when retrying the same batch.
    """
    if rows:
        store.insert_json_rows("spans", SPAN_COLUMNS, orjson.dumps(rows), dedup_token)  # a JSON array, as ingest sends


def insert_span_file(store: Store, path: str, dedup_token: str | None = None) -> None:
    """Insert a file holding the rows as one JSON array (``ingest.decode.decode_for_insert``).

    Ingest removed duplicates already, so ClickHouse skips collapsing them at insert time
    (``optimize_on_insert=0``: about 10% less CPU per row, measured); merges and FINAL still do.
    """
    store.insert_json_file("spans", SPAN_COLUMNS, path, dedup_token, {"optimize_on_insert": 0})


def stored_spans(store: Store, keys: Sequence[tuple[str, str, str]], start_lo: float,
                 start_hi: float) -> dict[tuple[str, str, str], int]:
    """Which of these spans, each named by its identity ``(project, trace_id, span_id)`` and started
    in [start_lo, start_hi], are stored already, each with the insert that stored it
    (``insert_batch``, see ``storage.rollups``)."""
    if not keys:
        return {}
    # by span id, then the identities in Python: an array of 20,000 tuples as a query parameter
    # takes seconds to bind and parse (measured: 2.1 s against 0.28 s), and this runs on the
    # consumer thread, where seconds mean leaving the group
    found = store.rows(
        "SELECT project, trace_id, span_id, any(insert_batch) AS batch FROM spans "
        "WHERE project IN {projects:Array(String)} "
        "AND start_time BETWEEN fromUnixTimestamp64Micro({lo:Int64}) AND fromUnixTimestamp64Micro({hi:Int64}) "
        "AND span_id IN {ids:Array(String)} GROUP BY project, trace_id, span_id",
        parameters={"projects": sorted({k[0] for k in keys}), "lo": int(start_lo * 1e6) - 1,
                    "hi": int(start_hi * 1e6) + 1, "ids": sorted({k[2] for k in keys})})
    wanted = set(keys)
    stored = ((row["project"], row["trace_id"], row["span_id"], row["batch"]) for row in found)
    return {(p, t, s): batch for p, t, s, batch in stored if (p, t, s) in wanted}
