"""SDK export throughput to the embedded broker: pipelined sends vs one batch at a time, same run.

One process records realistic LLM-call spans (prompts, retrieved documents, completions; see
bench/traffic.py) as fast as its thread can, with a queue big enough that nothing is dropped,
then flushes. Exported spans/s = spans / (first record → flush returned, every batch
acknowledged by the broker). The process CPU time per span (caller, export thread and the
producer's network thread together) says what a dedicated core would sustain: on a loaded
machine the wall-clock figure mostly measures the wait for a core. Each mode gets its own topic on one Tansu broker; the spans the
broker holds are counted back with a consumer. Prints a table, then one JSON line.

    python bench/sdk_export.py [--spans 200000] [--in-flight 8]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from rich.console import Console
from rich.table import Table

import spyglass.sdk as spyglass
from spyglass.broker import EmbeddedBroker, ensure_topics
from spyglass.sdk.wire import decode_record

try:
    from bench.traffic import generate_spans
except ImportError:  # run as a script from bench/
    from traffic import generate_spans  # type: ignore[no-redef]

_LLM_FIELDS = ("model", "provider", "prompt", "completion", "context", "prompt_tokens", "completion_tokens",
               "cost", "prompt_name", "prompt_version", "metadata", "conversation_id", "user_id")


def llm_calls(n: int) -> list[dict[str, Any]]:
    """``n`` keyword sets for ``record_llm``, from generated realistic LLM spans."""
    spans = [s for s in generate_spans(4 * n) if s["kind"] == "llm"][:n]
    return [{key: span[key] for key in _LLM_FIELDS if key in span} for span in spans]


def count_spans(bootstrap: str, topic: str) -> int:
    """Spans the broker holds on ``topic`` (partition 0), decoded record by record."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=32 * 1024 * 1024)
    part = TopicPartition(topic, 0)
    consumer.assign([part])
    consumer.seek_to_beginning(part)
    end = consumer.end_offsets([part])[part]
    spans = 0
    while consumer.position(part) < end:
        for records in consumer.poll(1000).values():
            spans += sum(len(decode_record(record.value)) for record in records)
    consumer.close()
    return spans


def run(bootstrap: str, calls: list[dict[str, Any]], n: int, in_flight: int) -> dict[str, float]:
    """Record ``n`` spans through a fresh SDK client; return caller µs/span, export spans/s, counts."""
    topic = f"bench.sdk.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, {topic: 1})
    spyglass.init(project="bench", service="bench", kafka_bootstrap=bootstrap, kafka_topic=topic,
                  max_queue_size=n + 1, max_batch_size=512, max_in_flight=in_flight)
    record, pool = spyglass.record_llm, len(calls)
    cpu = time.process_time()
    start = time.perf_counter()
    for i in range(n):
        record(**calls[i % pool])
    recorded = time.perf_counter()
    flushed = spyglass.flush(300)
    done = time.perf_counter()
    cpu = time.process_time() - cpu  # both threads and the producer's: what one core must do per span
    stats = spyglass.stats()
    spyglass.shutdown(30)
    held = count_spans(bootstrap, topic)
    return {"caller_us_per_span": (recorded - start) / n * 1e6, "spans_per_s": n / (done - start),
            "cpu_us_per_span": cpu / n * 1e6,
            "sent": stats.get("sent", 0), "dropped": stats.get("dropped", 0), "failed": stats.get("failed", 0),
            "held": held, "flushed": flushed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200_000, help="spans per mode")
    parser.add_argument("--in-flight", type=int, default=8, help="batches in flight for the pipelined mode")
    args = parser.parse_args()
    calls = llm_calls(2_000)
    span_bytes = sum(len(json.dumps(c)) for c in calls) / len(calls)
    with EmbeddedBroker() as broker:
        results = {"one batch at a time": run(broker.bootstrap, calls, args.spans, 1),
                   f"pipelined ({args.in_flight} in flight)": run(broker.bootstrap, calls, args.spans,
                                                                   args.in_flight)}
    table = Table(title=f"SDK export to the embedded broker ({args.spans:,} LLM spans of ~{span_bytes:,.0f} "
                        "JSON bytes each, one process)")
    for column in ("mode", "exported spans/s", "caller µs/span", "process CPU µs/span", "sent", "held by broker", "dropped", "failed"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for mode, r in results.items():
        table.add_row(mode, f"{r['spans_per_s']:,.0f}", f"{r['caller_us_per_span']:.2f}",
                      f"{r['cpu_us_per_span']:.1f}", f"{r['sent']:,}",
                      f"{r['held']:,}", f"{r['dropped']:,}", f"{r['failed']:,}")
    Console().print(table)
    old, new = results.values()
    print(json.dumps({"sdk_spans_per_s": round(new["spans_per_s"]), "one_at_a_time_spans_per_s": round(old["spans_per_s"]),
                      "speedup": round(new["spans_per_s"] / old["spans_per_s"], 2),
                      "caller_us_per_span": round(new["caller_us_per_span"], 2),
                      "caller_us_per_span_one_at_a_time": round(old["caller_us_per_span"], 2),
                      "cpu_us_per_span": round(new["cpu_us_per_span"], 1),
                      "cpu_us_per_span_one_at_a_time": round(old["cpu_us_per_span"], 1),
                      "lost": args.spans - new["held"], "span_json_bytes": round(span_bytes)}))


if __name__ == "__main__":
    main()
