"""Spyglass's /metrics scraped by the real Prometheus (Debian prometheus), queried over its HTTP API.

Ingest runs against the real broker and chDB. Its first inserts fail (the spans table is renamed
away, a real ClickHouse error), so lag builds up where Prometheus sees it; once the table is back,
everything is stored, lag returns to 0 and the counters match what was sent.
"""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from services import query, start_prometheus
from spyglass.broker import ensure_topics, make_producer
from spyglass.ingest.worker import IngestWorker
from spyglass.sdk.wire import encode_record
from spyglass.telemetry.exposition import serve
from support import unique_name, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def make_spans(n: int, project: str, prefix: str) -> list[dict]:
    now = time.time() - 60
    return [{"trace_id": f"{prefix}-t{i}", "span_id": f"{prefix}-{i}", "project": project, "name": "chat",
             "kind": "llm", "start_time": now + i * 0.001, "end_time": now + i * 0.001 + 0.2, "model": "m",
             "prompt": f"private question {i}", "completion": "answer", "user_id": f"user-{i}"} for i in range(n)]


@pytest.fixture()
def metrics_endpoint():
    server = serve("127.0.0.1", 0)
    yield f"127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture()
def prometheus(prometheus_bin, tmp_path, metrics_endpoint):
    running = start_prometheus(prometheus_bin, tmp_path, [metrics_endpoint], scrape_interval_s=1.0)
    yield running
    running.stop()


def test_prometheus_sees_stored_spans_dead_letters_and_lag_back_to_zero(store, broker, prometheus):
    project, group = unique_name("prom"), unique_name("ingest")
    spans_topic, dlq_topic = unique_name("spans"), unique_name("dlq")
    ensure_topics(broker.bootstrap, {spans_topic: 2, dlq_topic: 1})
    good = [make_spans(100, project, f"r{r}") for r in range(4)] + [make_spans(3, project, "last")]
    bad_typed = {**make_spans(1, project, "bad")[0], "prompt_tokens": "ten"}
    no_trace = {"span_id": "no-trace", "project": project}
    sent = sum(len(batch) for batch in good)
    producer = make_producer(broker.bootstrap)
    for batch in good[:4]:
        producer.send(spans_topic, encode_record(batch))
    producer.send(spans_topic, encode_record([bad_typed, *good[4], no_trace]))
    producer.send(spans_topic, b"{not json")
    producer.send(spans_topic, orjson.dumps({"schema_version": 99, "spans": []}))
    producer.flush()
    producer.close()
    store.command("RENAME TABLE spans TO spans_away")  # every insert fails until it is back
    worker = IngestWorker(store, broker.bootstrap, spans_topic, dlq_topic, group=group, batch_ms=100,
                          decode_processes=0, consumer_options={"max_poll_interval_ms": 1500})
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    selector = f'group="{group}"'
    try:
        wait_for(lambda: query(prometheus, f"sum(spyglass_consumer_lag_records{{{selector}}}) > 0"), 60,
                 message="Prometheus to see the lag")
        wait_for(lambda: query(prometheus, f"spyglass_consumer_store_failures_total{{{selector}}} > 0"), 60,
                 message="Prometheus to see failed stores")
        store.command("RENAME TABLE spans_away TO spans")
        stored = wait_for(lambda: query(prometheus, f"spyglass_spans_stored_total{{{selector}}} == {sent}"), 60,
                          message=f"{sent} spans stored in Prometheus")
        assert list(stored.values()) == [float(sent)]
        wait_for(lambda: query(prometheus, f"sum(spyglass_consumer_lag_records{{{selector}}}) == 0"), 60,
                 message="lag back to 0")
        letters = wait_for(lambda: len(query(prometheus, f"spyglass_dead_letters_total{{{selector}}}")) == 3
                           and query(prometheus, f"spyglass_dead_letters_total{{{selector}}}"), 30,
                           message="dead letters by reason")
        assert letters == {f"group={group},reason=record": 2.0, f"group={group},reason=prompt_tokens": 1.0,
                           f"group={group},reason=trace_id": 1.0}
        received = query(prometheus, f"spyglass_spans_received_total{{{selector}}}")
        assert list(received.values())[0] >= sent + 4  # re-fetched after the failures: counted again
        count = store.rows("SELECT count() AS n FROM spans FINAL WHERE project = {p:String}",
                           parameters={"p": project})[0]["n"]
        assert count == sent
        # no private or high-cardinality values in any Spyglass series
        series = prometheus.get("/api/v1/series", **{"match[]": '{__name__=~"spyglass_.+"}'})["data"]
        text = str(series)
        assert series and project not in text and "user-" not in text and "private question" not in text
    finally:
        worker.stop()
        thread.join(30)
