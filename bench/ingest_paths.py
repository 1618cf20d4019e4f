"""Where ingest's CPU goes, per span, stage by stage: spans as sent (ingest's route) beside JSON rows
(the route before) and the raw insert.

    python bench/ingest_paths.py [--spans 20000] [--rounds 3]

No broker: the same records ``bench/ingest.py`` produces, timed in CPU seconds (the decode
stages on their thread; the ClickHouse stages in the whole process, as chDB runs in it), median
of ``--rounds``:

- ``sent_decode``: ingest's decode (``decode_for_insert``: msgspec parse and validation, prices,
  the spans as sent re-encoded to a file)
- ``sent_parse``: ClickHouse parsing that file and mapping the spans to the columns, into a Null table
- ``sent_insert``: the same into ``spans`` (``insert_sent_spans``: also parts, skip indexes, rollup views)
- ``rows_decode``: the route before: rows built in Python (``decode_values``) and written as one JSON array
- ``rows_parse`` / ``rows_insert``: that file into the Null table / into ``spans``
- ``raw_insert``: clickhouse-connect's columnar insert of the same rows into ``spans`` (bench/ingest.py's yardstick)

Last line: JSON of the µs per span of each, plus ``sent_over_raw`` = (sent_decode + sent_insert) / raw_insert
and ``rows_over_raw`` likewise.
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

from spyglass.ingest.decode import Source, decode_for_insert, decode_values  # noqa: E402
from spyglass.sdk.wire import SCHEMA_VERSION, validate_span  # noqa: E402
from spyglass.storage import Store, migrate  # noqa: E402
from spyglass.storage.spans import (SPAN_COLUMNS, SENT_SPANS_SETTINGS, SENT_SPANS_SQL,  # noqa: E402
                                    SENT_SPANS_STRUCTURE, insert_sent_spans)

SPANS_PER_RECORD = 500


def cpu_us_per_span(run: Callable[[], object], spans: int, clock: Callable[[], float] = time.process_time) -> float:
    """CPU of one call in µs per span: by default the process's (chDB's threads included, and its
    background merges of earlier inserts), for Python's stages ``time.thread_time``. The cycle
    collector is off, as in ingest's decode workers (``decode_pool.py``)."""
    gc.collect()
    gc.disable()
    started = clock()
    run()
    used = clock() - started
    gc.enable()
    return used / spans * 1e6


def write_rows(items: list, folder: str) -> str:
    """The route before: rows built in Python, one JSON array in a file."""
    fd, path = tempfile.mkstemp(suffix=".json", dir=folder)
    with os.fdopen(fd, "wb") as file:
        file.write(orjson.dumps(decode_values(items).rows))
    return path


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
    columns = ", ".join(SPAN_COLUMNS)
    figures: dict[str, list[float]] = {k: [] for k in ("sent_decode", "sent_parse", "sent_insert", "rows_decode",
                                                         "rows_parse", "rows_insert", "raw_insert")}
    for round_ in range(args.rounds):
        box: dict[str, object] = {}
        figures["sent_decode"].append(cpu_us_per_span(
            lambda: box.setdefault("sent", decode_for_insert(items, work)), n, time.thread_time))
        sent = box["sent"].encoded.path  # type: ignore[attr-defined]
        figures["sent_parse"].append(cpu_us_per_span(lambda: store.insert_select_file(
            "spans_null", SPAN_COLUMNS, SENT_SPANS_SQL, SENT_SPANS_STRUCTURE, sent, settings=SENT_SPANS_SETTINGS), n))
        figures["sent_insert"].append(cpu_us_per_span(
            lambda: insert_sent_spans(store, sent, f"paths-sent-{round_}"), n))
        figures["rows_decode"].append(cpu_us_per_span(lambda: box.setdefault("rows", write_rows(items, work)), n,
                                                      time.thread_time))
        path = box["rows"]
        figures["rows_parse"].append(cpu_us_per_span(lambda: store.command(
            f"INSERT INTO spans_null ({columns}) FROM INFILE '{path}' FORMAT JSONEachRow",
            settings={"date_time_input_format": "best_effort"}), n))
        figures["rows_insert"].append(cpu_us_per_span(lambda: store.insert_json_file(
            "spans", SPAN_COLUMNS, str(path), f"paths-rows-{round_}", {"optimize_on_insert": 0}), n))
        os.unlink(sent)
        os.unlink(path)
        cols = [[r[c] for r in rows] for c in SPAN_COLUMNS]
        for i, name in enumerate(SPAN_COLUMNS):
            if name in ("start_time", "end_time"):
                cols[i] = [int(v * 1_000_000) for v in cols[i]]
        figures["raw_insert"].append(cpu_us_per_span(lambda: store.client.insert(
            "spans", cols, column_names=list(SPAN_COLUMNS), column_oriented=True,
            settings={"insert_deduplication_token": f"paths-raw-{round_}"}), n))
    result = {k: round(statistics.median(v), 1) for k, v in figures.items()}
    for route in ("sent", "rows"):
        result[f"{route}_over_raw"] = round((result[f"{route}_decode"] + result[f"{route}_insert"])
                                            / result["raw_insert"], 2)
    for name, value in result.items():
        print(f"{name:>16}: {value}", file=sys.stderr)
    print(json.dumps({"spans": n, **result}))


if __name__ == "__main__":
    main()
