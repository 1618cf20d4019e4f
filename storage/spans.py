"""Writing spans: JSON parsed by ClickHouse (spans as sent, or rows), with re-delivery filtered out."""

from __future__ import annotations

from typing import Any, Sequence

import orjson

from spyglass.ingest.prices import PRICE_VERSION_KEY
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


# ``ingest.insert_body``: spans as sent, each with ``_decided``: (start, end, duration, cost, price version,
# flattened prompt, chat messages, flattened completion)
SENT_SPANS_STRUCTURE = (
    "project String, trace_id String, span_id String, parent_span_id String, service String, name String, "
    "kind String, status String, error String, model String, provider String, prompt String, completion String, "
    "prompt_tokens UInt32, completion_tokens UInt32, total_tokens UInt32, cache_read_tokens UInt32, "
    "cache_write_tokens UInt32, reasoning_tokens UInt32, conversation_id String, user_id String, "
    "prompt_name String, prompt_version String, environment String, release String, context String, "
    "tags Array(String), metadata String, _decided Tuple(DateTime64(6, 'UTC'), DateTime64(6, 'UTC'), Float64, "
    "Float64, String, Nullable(String), Nullable(String), Nullable(String))")
_IS_TEXT = "startsWith(x.2, '\"') OR x.2 IN ('true', 'false')"  # a metadata value stored as a string
# each column as ``validate_span`` and ``price_row`` make it (a column not named here: as sent)
_SENT_SPAN_COLUMNS = {
    "kind": "if(kind = '', 'other', kind)",
    "start_time": "_decided.1", "end_time": "_decided.2", "duration_ms": "_decided.3", "cost": "_decided.4",
    "status": "if(status = '', if(error = '', 'ok', 'error'), status)",
    "prompt": "ifNull(_decided.6, prompt)", "prompt_messages": "ifNull(_decided.7, '')",
    "completion": "ifNull(_decided.8, completion)",
    "total_tokens": "if(total_tokens = 0, prompt_tokens + completion_tokens, total_tokens)",
    # a document is a string or {"content", "source"}
    "context": "arrayMap(e -> if(startsWith(e, '{'), JSONExtractString(e, 'content'), JSONExtractString(e)), docs)",
    "context_sources": "arrayMap(e -> if(startsWith(e, '{'), JSONExtractString(e, 'source'), ''), docs)",
    "metadata": "mapFromArrays(arrayConcat(arrayMap(x -> x.1, texts), if(_decided.5 = '', [], ['" + PRICE_VERSION_KEY
                + "'])), arrayConcat(arrayMap(x -> if(startsWith(x.2, '\"'), JSONExtractString(x.2), x.2), texts), "
                "if(_decided.5 = '', [], [_decided.5])))",
    "metadata_num": "mapFromArrays(arrayMap(x -> x.1, numbers), arrayMap(x -> toFloat64(x.2), numbers))",
}
SENT_SPANS_SQL = (
    "SELECT " + ", ".join(_SENT_SPAN_COLUMNS.get(c, c) for c in SPAN_COLUMNS) + " FROM ("
    "SELECT *, JSONExtractArrayRaw(context) AS docs, JSONExtractKeysAndValuesRaw(metadata) AS pairs, "
    f"arrayFilter(x -> {_IS_TEXT}, pairs) AS texts, arrayFilter(x -> NOT ({_IS_TEXT}), pairs) AS numbers "
    "FROM {source})")
# values as they were written: a chat message list or object, the documents and the metadata as JSON
# text, a number as its digits (a version or a release)
SENT_SPANS_SETTINGS = {"input_format_json_read_objects_as_strings": 1, "input_format_json_read_arrays_as_strings": 1,
                       "input_format_json_read_numbers_as_strings": 1}


def insert_sent_spans(store: Store, path: str, dedup_token: str | None = None) -> None:
    """Insert a file of spans as sent (``ingest.insert_body``); ClickHouse maps them to the columns.

    Ingest removed duplicates already, so ClickHouse skips collapsing them at insert time
    (``optimize_on_insert=0``: about 10% less CPU per row, measured); merges and FINAL still do.
    """
    store.insert_select_file("spans", SPAN_COLUMNS, SENT_SPANS_SQL, SENT_SPANS_STRUCTURE, path, dedup_token,
                             {**SENT_SPANS_SETTINGS, "optimize_on_insert": 0})


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
