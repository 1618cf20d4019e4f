"""Ingest throughput: Kafka -> validation -> ClickHouse through the real IngestWorker,
beside a raw clickhouse-connect columnar insert of the same rows, in the same run (once before
and once after the ingest run, averaged, so a change in the machine's load shifts both sides).

    python bench/ingest.py [--spans 600000]

Ingest is a pipeline: while one batch is inserted the next is decoded and the one after fetched.
Its first batch's fetch and decode and its last batch's insert overlap with nothing (~0.3 s, a
tenth of a 200k-span run), which a steady stream does not pay. So the default run is 600k spans
(30 batches), and ``steady_spans_per_s`` is the rate from the first batch stored to the last,
beside ``spans_per_s`` from the first record fetched to the last span stored.

Last line: {"spans_per_s": ..., "raw_insert_spans_per_s": ..., "ratio": ..., "steady_spans_per_s": ...,
"steady_ratio": ..., "cpu_us_per_span": ..., "bytes_per_span_disk": ..., "bytes_per_span_json": ...};
the last three feed docs/capacity.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
import uuid

import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, os.path.dirname(__file__))
from procs import tree_cpu_s  # noqa: E402  (this process and its decode workers)
from traffic import generate_spans  # noqa: E402

from spyglass.broker import EmbeddedBroker, ensure_topics, make_producer  # noqa: E402
from spyglass.ingest.worker import IngestWorker  # noqa: E402
from spyglass.sdk.wire import SCHEMA_VERSION, validate_span  # noqa: E402
from spyglass.storage import Store, migrate  # noqa: E402
from spyglass.storage.spans import SPAN_COLUMNS  # noqa: E402

SPANS_PER_RECORD = 500


def raw_columnar_insert(store: Store, spans: list[dict]) -> float:
    """clickhouse-connect's columnar insert of the same spans, validated beforehand; returns spans/s."""
    rows = [validate_span(s) for s in spans]
    columns = []
    for name in SPAN_COLUMNS:
        values = [r[name] for r in rows]
        if name in ("start_time", "end_time"):
            values = [int(v * 1_000_000) for v in values]  # DateTime64(6) ticks
        columns.append(values)
    del rows
    started = time.perf_counter()
    for lo in range(0, len(spans), 20_000):  # same block size as ingest's batches
        store.client.insert("spans", [c[lo:lo + 20_000] for c in columns], column_names=list(SPAN_COLUMNS),
                            column_oriented=True)
    return len(spans) / (time.perf_counter() - started)


def disk_bytes_per_span(store: Store, spans: int) -> float:
    """Compressed bytes of the spans table on disk per span, after merging its parts."""
    store.command("OPTIMIZE TABLE spans FINAL")
    size = store.rows("SELECT sum(data_compressed_bytes) AS b FROM system.parts WHERE database = currentDatabase() "
                      "AND table = 'spans' AND active")[0]["b"]
    return size / spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=600_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--decode-processes", type=int, default=1, help="ingest's decode workers (0: inline)")
    args = parser.parse_args()
    console = Console(stderr=True)
    total = args.spans
    start = time.time() - 3600
    data_dir = tempfile.mkdtemp(prefix="spyglass-bench-")

    def raw_run(database: str) -> float:
        """Each side holds only its own input: here the spans in memory, for ingest the records in Kafka."""
        raw_store = Store(f"chdb://{data_dir}", database)
        migrate(raw_store)
        rate = raw_columnar_insert(raw_store, generate_spans(total, start=start))
        raw_store.command(f"DROP DATABASE {database}")  # its background merges must not slow the other side
        gc.collect()
        console.print(f"raw columnar insert: {rate:,.0f} spans/s")
        return rate

    spans = generate_spans(total, start=start)
    payload_bytes = sum(len(orjson.dumps(s)) for s in spans[:2000]) / 2000
    console.print(f"{total:,} spans, {payload_bytes:,.0f} bytes each on average (JSON)")
    raw_before = raw_run("bench_raw_before")

    with EmbeddedBroker() as broker:
        topic, dlq = f"bench.spans.{uuid.uuid4().hex[:6]}", "bench.dlq"
        ensure_topics(broker.bootstrap, {topic: args.partitions, dlq: 1})
        producer = make_producer(broker.bootstrap, linger_ms=20, batch_size=1 << 20)
        started = time.perf_counter()
        for lo in range(0, total, SPANS_PER_RECORD):
            body = orjson.dumps({"schema_version": SCHEMA_VERSION, "spans": spans[lo:lo + SPANS_PER_RECORD]})
            producer.send(topic, body)
        producer.flush()
        console.print(f"produced in {time.perf_counter() - started:.1f}s")
        del spans
        gc.collect()

        store = Store(f"chdb://{data_dir}", "bench_ingest")
        migrate(store)
        worker = IngestWorker(store, broker.bootstrap, topic, dlq, group="bench",
                              consumer_options={"max_poll_interval_ms": 2000},
                              decode_processes=args.decode_processes)
        thread = threading.Thread(target=worker.run, daemon=True)
        cpu_before = tree_cpu_s()
        thread.start()
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("ingesting", total=total)
            first_stored = None  # (spans, time) when the first batch was stored
            while worker.stats.stored < total and thread.is_alive():
                stored_now = worker.stats.stored
                if stored_now and first_stored is None:
                    first_stored = (stored_now, time.monotonic())
                progress.update(task, completed=stored_now)
                time.sleep(0.01)
        done = time.monotonic()
        cpu_used = tree_cpu_s() - cpu_before  # includes the broker client and chDB's insert threads
        if not thread.is_alive():
            console.print("[red]the ingest worker stopped early; see the log above[/]")
        worker.stop()
        thread.join()
        rate = total / (done - worker.stats.first_record_at)
        steady = (total - first_stored[0]) / (done - first_stored[1]) if first_stored else rate
        stored = store.rows("SELECT count() AS n FROM spans FINAL")[0]["n"]
        disk = disk_bytes_per_span(store, stored)
    console.print(f"ingest: {rate:,.0f} spans/s")
    raw_rate = (raw_before + raw_run("bench_raw_after")) / 2
    table = Table(title="Kafka -> ClickHouse ingest (chDB, same run)")
    for column in ("path", "spans/s"):
        table.add_column(column)
    table.add_row("spyglass ingest (poll, decode, validate, insert, commit)", f"{rate:,.0f}")
    table.add_row("  the same, first batch stored to last (steady stream)", f"{steady:,.0f}")
    table.add_row("raw clickhouse-connect columnar insert (mean of before and after)", f"{raw_rate:,.0f}")
    console.print(table)
    console.print(f"per span: {cpu_used / total * 1e6:,.1f} CPU µs in ingest (all threads and decode workers), "
                  f"{disk:,.0f} bytes on disk (compressed) vs {payload_bytes:,.0f} bytes of JSON")
    console.print(f"stored {stored:,} of {total:,} (worker: {worker.stats}, "
                  f"duplicates skipped {worker.span_sink.duplicates_skipped})")
    print(json.dumps({"spans_per_s": round(rate), "raw_insert_spans_per_s": round(raw_rate),
                      "ratio": round(rate / raw_rate, 3), "steady_spans_per_s": round(steady),
                      "steady_ratio": round(steady / raw_rate, 3), "spans": total, "stored": stored,
                      "cpu_us_per_span": round(cpu_used / total * 1e6, 1),
                      "bytes_per_span_disk": round(disk, 1), "bytes_per_span_json": round(payload_bytes, 1)}))


if __name__ == "__main__":
    main()
