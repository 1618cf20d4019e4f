"""Kafka -> ingest -> ClickHouse against the real broker (Tansu) and the real engine (chDB)."""

from __future__ import annotations

import threading
import time

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from spyglass.broker import ensure_topics, make_producer
from spyglass.ingest.worker import IngestWorker
from spyglass.sdk.wire import MAX_RECORD_BYTES, encode_record
from support import unique_name, wait_for

pytestmark = pytest.mark.integration


def make_spans(n: int, project: str, prefix: str = "s") -> list[dict]:
    now = time.time() - 60
    return [{"trace_id": f"{prefix}-trace-{i // 4}", "span_id": f"{prefix}-{i}", "project": project,
             "name": "chat", "kind": "llm", "start_time": now + i * 0.001, "end_time": now + i * 0.001 + 0.25,
             "model": "gpt-4o-mini", "prompt": f"question {i}", "completion": f"answer {i}",
             "prompt_tokens": 10, "completion_tokens": 5, "cost": 0.001} for i in range(n)]


@pytest.fixture()
def topics(broker):
    spans, dlq = unique_name("spans"), unique_name("dlq")
    ensure_topics(broker.bootstrap, {spans: 3, dlq: 1})
    return spans, dlq


@pytest.fixture()
def producer(broker):
    p = make_producer(broker.bootstrap)
    yield p
    p.close()


class RunningWorker:
    """An IngestWorker on a thread, stopped at the end of the test."""

    def __init__(self, store, broker, topics, group):
        self.worker = IngestWorker(store, broker.bootstrap, topics[0], topics[1], group=group, batch_ms=100,
                                   consumer_options={"max_poll_interval_ms": 1500})
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.worker.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.fixture()
def start_worker(store, broker, topics):
    started = []

    def start(group: str | None = None) -> RunningWorker:
        running = RunningWorker(store, broker, topics, group or unique_name("ingest"))
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


def count(store, project: str) -> tuple[int, int]:
    row = store.rows("SELECT count() AS n, uniqExact(span_id) AS u FROM spans FINAL WHERE project = {p:String}",
                     parameters={"p": project})[0]
    return row["n"], row["u"]


def committed_offsets(broker, group: str, topic: str) -> int:
    """Sum of the group's committed offsets over the topic's partitions (without joining the group)."""
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False)
    total = sum(consumer.committed(TopicPartition(topic, p)) or 0 for p in range(3))
    consumer.close()
    return total


def dlq_messages(broker, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest",
                             consumer_timeout_ms=500)
    consumer.assign([TopicPartition(topic, 0)])
    found: list = []
    wait_for(lambda: found.extend(consumer) or len(found) >= expected, 30, message="dead letters")
    consumer.close()
    return found


def test_spans_land_once_and_rollups_match(store, producer, topics, start_worker):
    project = unique_name("p")
    spans = make_spans(1000, project)
    for lo in range(0, 1000, 250):
        producer.send(topics[0], encode_record(spans[lo:lo + 250]))
    producer.flush()
    start_worker()
    wait_for(lambda: count(store, project)[0] == 1000, 60, message="1000 spans stored")
    rollup = store.rows("SELECT sum(spans) AS n, sum(total_tokens) AS t, round(sum(cost), 6) AS c FROM spans_1m "
                        "WHERE project = {p:String}", parameters={"p": project})[0]
    assert rollup == {"n": 1000, "t": 15000, "c": 1.0}


def test_records_delivered_twice_show_once(store, producer, topics, start_worker):
    project = unique_name("p")
    record = encode_record(make_spans(300, project))
    producer.send(topics[0], record)
    producer.send(topics[0], record)  # the same record again, as a producer retry would
    producer.flush()
    running = start_worker()
    wait_for(lambda: running.worker.span_sink.duplicates_skipped >= 300, 60, message="duplicates skipped")
    # a second delivery after the first batch was stored, and a restart of the worker
    producer.send(topics[0], record)
    producer.flush()
    wait_for(lambda: running.worker.span_sink.duplicates_skipped >= 600, 60, message="late duplicate skipped")
    assert count(store, project) == (300, 300)
    raw = store.rows("SELECT count() AS n FROM spans WHERE project = {p:String}", parameters={"p": project})[0]["n"]
    assert raw == 300, "duplicates were filtered before insert, so rollups stay exact"
    assert store.rows("SELECT sum(spans) AS n FROM spans_1m WHERE project = {p:String}",
                      parameters={"p": project})[0]["n"] == 300


def test_two_workers_share_partitions(store, producer, topics, start_worker):
    project = unique_name("p")
    group = unique_name("ingest")
    first, second = start_worker(group), start_worker(group)
    wait_for(lambda: first.worker.partitions and second.worker.partitions
             and len(first.worker.partitions | second.worker.partitions) == 3, 60, message="both members assigned")
    spans = make_spans(3000, project)
    for lo in range(0, 3000, 100):
        producer.send(topics[0], encode_record(spans[lo:lo + 100]))
    producer.flush()
    wait_for(lambda: count(store, project)[0] == 3000, 90, message="3000 spans stored")
    assert count(store, project) == (3000, 3000)
    wait_for(lambda: first.worker.stats.stored + second.worker.stats.stored == 3000, 30, message="both settled")
    assert first.worker.stats.stored > 0 and second.worker.stats.stored > 0


def test_insert_failure_commits_nothing_and_recovers(store, producer, topics, start_worker, broker):
    project = unique_name("p")
    group = unique_name("ingest")
    running = start_worker(group)
    producer.send(topics[0], encode_record(make_spans(50, project, "warm")))
    producer.flush()
    wait_for(lambda: count(store, project)[0] == 50, 60, message="warm-up spans")
    store.command("RENAME TABLE spans TO spans_away")  # every insert now fails in ClickHouse
    try:
        producer.send(topics[0], encode_record(make_spans(200, project, "during")))
        producer.flush()
        wait_for(lambda: running.worker.stats.failures >= 2, 60, message="failed inserts")
        assert committed_offsets(broker, group, topics[0]) == 1, "only the warm-up record is committed"
    finally:
        store.command("RENAME TABLE spans_away TO spans")
    wait_for(lambda: count(store, project)[0] == 250, 60, message="rows after recovery")
    assert count(store, project) == (250, 250)


def test_bad_records_go_to_dlq_with_reasons(store, producer, topics, start_worker, broker):
    project = unique_name("p")
    good = make_spans(10, project)
    wrong_typed = {**make_spans(1, project, "bad")[0], "prompt_tokens": "ten"}
    missing = {"span_id": "no-trace", "project": project}
    unhashable = {**make_spans(1, project, "odd")[0], "kind": ["llm"]}  # once a TypeError that stopped the worker
    producer.send(topics[0], b"{not json")
    producer.send(topics[0], orjson.dumps({"schema_version": 99, "spans": []}))
    producer.send(topics[0], b"x" * (MAX_RECORD_BYTES + 1), )
    producer.send(topics[0], encode_record([*good[:5], wrong_typed, missing, unhashable, *good[5:]]))
    producer.flush()
    start_worker()
    wait_for(lambda: count(store, project)[0] == 10, 60, message="good spans stored")
    letters = dlq_messages(broker, topics[1], 6)
    reasons = [dict(m.headers) for m in letters]
    errors = " | ".join(r["spyglass-error"].decode() for r in reasons)
    assert "not valid JSON" in errors and "schema_version" in errors and "exceeds" in errors
    fields = {r["spyglass-field"].decode(): r["spyglass-span-id"].decode() for r in reasons if r["spyglass-field"]}
    assert fields == {"prompt_tokens": "bad-0", "trace_id": "no-trace", "kind": "odd-0"}
    assert all(r["spyglass-source"].decode().startswith(topics[0] + "/") for r in reasons)
    assert orjson.loads(next(m.value for m in letters if dict(m.headers)["spyglass-field"] == b"prompt_tokens")) \
        == wrong_typed, "the dead letter keeps the original span"
