"""Where ingest's CPU goes, per span, stage by stage, beside the raw insert and a ClickHouse-side mapping.

    python bench/ingest_paths.py [--spans 20000] [--rounds 3]

No broker: the same records ``bench/ingest.py`` produces, timed in process CPU seconds (chDB
runs in this process, so its threads count too), median of ``--rounds``:

- ``python_decode``: ingest's decode (``decode_for_insert``: parse, validate, price, JSON rows to a file)
- ``ch_parse``: ClickHouse parsing that file into a Null table with the spans columns (no storage)
- ``ch_insert``: the same file inserted into ``spans`` (parse, parts, skip indexes, rollup views)
- ``raw_insert``: clickhouse-connect's columnar insert of the same rows into ``spans`` (bench/ingest.py's yardstick)
- ``ch_mapping``: the records as they came off Kafka, spans extracted and mapped to the columns by
  ClickHouse (``JSONExtract``) into the Null table, without validation: a lower bound of the
  ClickHouse-side route

Last line: JSON of the µs per span of each, plus ``ingest_over_raw`` = (python_decode + ch_insert) / raw_insert.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Callable

import orjson

sys.path.insert(0, os.path.dirname(__file__))
from traffic import generate_spans  # noqa: E402

from spyglass.ingest.decode import Source, decode_for_insert  # noqa: E402
from spyglass.sdk.wire import SCHEMA_VERSION, validate_span  # noqa: E402
from spyglass.storage import Store, migrate  # noqa: E402
from spyglass.storage.spans import SPAN_COLUMNS, insert_span_file  # noqa: E402

SPANS_PER_RECORD = 500
# one JSONExtract per span into a typed tuple (one parse), plus the fields whose shape varies
SPAN_TUPLE = ("Tuple(trace_id String, span_id String, parent_span_id String, project String, service String, "
              "name String, kind String, start_time Float64, end_time Float64, status String, error String, "
              "model String, provider String, completion String, prompt_tokens UInt32, completion_tokens UInt32, "
              "total_tokens UInt32, cost Float64, conversation_id String, user_id String, prompt_name String, "
              "prompt_version String, environment String, release String, tags Array(String), "
              "metadata Map(String, String))")
MAPPING = """
INSERT INTO spans_null (project, trace_id, span_id, parent_span_id, service, name, kind, start_time, end_time,
    duration_ms, status, error, model, provider, prompt, prompt_messages, completion, prompt_tokens,
    completion_tokens, total_tokens, cost, conversation_id, user_id, prompt_name, prompt_version, context,
    context_sources, tags, metadata, environment, release)
SELECT t.project, t.trace_id, t.span_id, t.parent_span_id, t.service, t.name, if(t.kind = '', 'other', t.kind),
    fromUnixTimestamp64Micro(toInt64(t.start_time * 1e6)), fromUnixTimestamp64Micro(toInt64(t.end_time * 1e6)),
    (t.end_time - t.start_time) * 1000, t.status, t.error, t.model, t.provider, JSONExtractString(s, 'prompt'),
    JSONExtractRaw(s, 'prompt'), t.completion, t.prompt_tokens, t.completion_tokens, t.total_tokens, t.cost,
    t.conversation_id, t.user_id, t.prompt_name, t.prompt_version,
    arrayMap(d -> JSONExtractString(d, 'content'), JSONExtractArrayRaw(s, 'context')),
    arrayMap(d -> JSONExtractString(d, 'source'), JSONExtractArrayRaw(s, 'context')),
    t.tags, t.metadata, t.environment, t.release
FROM (SELECT s, JSONExtract(s, '{tuple}') AS t
      FROM file('{path}', RowBinary, 'value String') ARRAY JOIN JSONExtractArrayRaw(value, 'spans') AS s)
"""


def cpu_us_per_span(run: Callable[[], object], spans: int) -> float:
    """Process CPU (all threads, chDB's included) of one call, in µs per span."""
    gc.collect()
    started = time.process_time()
    run()
    return (time.process_time() - started) / spans * 1e6


def row_binary_strings(values: list[bytes]) -> bytes:
    """Values as RowBinary rows of one String column: LEB128 length, then the bytes."""
    out = bytearray()
    for value in values:
        n = len(value)
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
        out += value
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.spans
    spans = generate_spans(n, start=time.time() - 3600)
    records = [orjson.dumps({"schema_version": SCHEMA_VERSION, "spans": spans[lo:lo + SPANS_PER_RECORD]})
               for lo in range(0, n, SPANS_PER_RECORD)]
    items = [(value, Source("bench", 0, i)) for i, value in enumerate(records)]
    rows = [validate_span(s) for s in spans]
    work = tempfile.mkdtemp(prefix="spyglass-paths-")
    store = Store(f"chdb://{work}/chdb", "paths")
    migrate(store)
    store.command("CREATE TABLE spans_null AS spans ENGINE = Null")
    raw_records = os.path.join(work, "records.bin")
    with open(raw_records, "wb") as file:
        file.write(row_binary_strings(records))
    columns = ", ".join(SPAN_COLUMNS)
    figures: dict[str, list[float]] = {k: [] for k in ("python_decode", "ch_parse", "ch_insert", "raw_insert",
                                                         "ch_mapping")}
    for round_ in range(args.rounds):
        box: dict[str, object] = {}
        figures["python_decode"].append(cpu_us_per_span(
            lambda: box.setdefault("d", decode_for_insert(items, work)), n))
        path = box["d"].encoded.path  # type: ignore[attr-defined]
        figures["ch_parse"].append(cpu_us_per_span(lambda: store.command(
            f"INSERT INTO spans_null ({columns}) FROM INFILE '{path}' FORMAT JSONEachRow",
            settings={"date_time_input_format": "best_effort"}), n))
        figures["ch_insert"].append(cpu_us_per_span(
            lambda: insert_span_file(store, path, f"paths-json-{round_}"), n))
        os.unlink(path)
        cols = [[r[c] for r in rows] for c in SPAN_COLUMNS]
        for i, name in enumerate(SPAN_COLUMNS):
            if name in ("start_time", "end_time"):
                cols[i] = [int(v * 1_000_000) for v in cols[i]]
        figures["raw_insert"].append(cpu_us_per_span(lambda: store.client.insert(
            "spans", cols, column_names=list(SPAN_COLUMNS), column_oriented=True,
            settings={"insert_deduplication_token": f"paths-raw-{round_}"}), n))
        figures["ch_mapping"].append(cpu_us_per_span(
            lambda: store.command(MAPPING.format(tuple=SPAN_TUPLE, path=raw_records)), n))
    result = {k: round(statistics.median(v), 1) for k, v in figures.items()}
    result["ingest_over_raw"] = round((result["python_decode"] + result["ch_insert"]) / result["raw_insert"], 2)
    for name, value in result.items():
        print(f"{name:>16}: {value}", file=sys.stderr)
    print(json.dumps({"spans": n, **result}))


if __name__ == "__main__":
    main()
