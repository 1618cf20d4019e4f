"""The embedded broker's memory stays bounded while spans pass through it (real Tansu, real clients)."""

from __future__ import annotations

import logging
import os
import threading
import time

import lz4.frame
import orjson
import psutil
import pytest
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaError

from spyglass.broker import EmbeddedBroker, ensure_topics, make_producer
from spyglass.broker.rotation import BrokerRetention
from spyglass.ingest.consumer import SpanConsumer
from spyglass.ingest.decode import Decoded, Source
from spyglass.sdk.wire import decode_record, encode_record
from spyglass.telemetry.catalogue import BROKER_SHED_RECORDS

from support import unique_name, wait_for

pytestmark = pytest.mark.integration

MB = 1 << 20
SPANS_PER_RECORD = 2_000


def compact_spans(first: int, n: int) -> list[dict]:
    """``n`` small valid spans numbered from ``first``; 200 random bytes each, so lz4 cannot hide them."""
    now = time.time()
    return [{"trace_id": f"{i // 4:032x}", "span_id": f"{i:016x}", "name": "step", "project": "retention",
             "start_time": now, "end_time": now + 0.01, "metadata": {"blob": os.urandom(200).hex()}}
            for i in range(first, first + n)]


def span_numbers(items: list[tuple[bytes | None, Source]]) -> Decoded:
    """The sink's decoder: the span ids of each record, as numbers (the test counts, it does not store)."""
    out = Decoded()
    for value, _ in items:
        out.rows.extend({"n": int(span["span_id"], 16)} for span in decode_record(value, orjson.loads))
    return out


def send(producer: KafkaProducer, topic: str, record: bytes) -> None:
    """Produce until acknowledged, as the SDK does: a send that meets the topic being recreated fails."""
    wait_for(lambda: _sent(producer, topic, record), 60, interval_s=0.05, message="the record to be taken")


def _sent(producer: KafkaProducer, topic: str, record: bytes) -> bool:
    try:
        producer.send(topic, record).get(10)
        return True
    except KafkaError:
        return False


class CountingSink:
    """Collects which spans the consumer group stored."""

    decode = staticmethod(span_numbers)

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def prepare(self, batch) -> None:
        return None

    def store(self, batch) -> int:
        self.seen.update(row["n"] for row in batch.decoded.rows)
        return len(batch.decoded.rows)

    def forget(self) -> None:
        pass


@pytest.mark.slow
def test_memory_stays_bounded_while_a_million_spans_pass_through():
    total, window = 1_000_000, 100_000  # the producer stays at most `window` spans ahead of the group
    with EmbeddedBroker(gate=True) as broker:
        topic, group = unique_name("retention"), unique_name("group")
        ensure_topics(broker.bootstrap, {topic: 2})
        broker_process = psutil.Process(broker.pid)
        retention = BrokerRetention(broker.bootstrap, {topic: 2}, broker.pid, soft_bytes=64 * MB,
                                    hard_bytes=192 * MB, interval_s=1.0, gate=broker.gate)
        sink = CountingSink()
        consumer = SpanConsumer(sink, broker.bootstrap, topic, group, batch_spans=20_000, batch_ms=100,
                                consumer_options={"max_poll_interval_ms": 2_000})
        threads = [threading.Thread(target=consumer.run), threading.Thread(target=retention.run)]
        for thread in threads:
            thread.start()
        producer = make_producer(broker.bootstrap)  # the backend's settings: lz4, no idempotence
        peak = produced_bytes = 0
        try:
            for first in range(0, total, SPANS_PER_RECORD):
                record = encode_record(compact_spans(first, SPANS_PER_RECORD))
                produced_bytes += len(lz4.frame.compress(record))
                send(producer, topic, record)
                peak = max(peak, broker_process.memory_info().rss)
                wait_for(lambda: first - len(sink.seen) < window, 120, interval_s=0.02,
                         message="the consumer group to keep up")
            producer.flush()
            wait_for(lambda: len(sink.seen) >= total, 180, message="every span at the consumer group")
            peak = max(peak, broker_process.memory_info().rss)
        finally:
            producer.close()
            consumer.stop()
            retention.stop()
            for thread in threads:
                thread.join(60)
    assert sink.seen == set(range(total))  # nothing lost across the recreations, producers held at the gate
    assert retention.rotations >= 2 and retention.shed_records == 0
    # Without retention the broker would hold every compressed record: `produced_bytes` (>250 MB).
    assert peak < 192 * MB < produced_bytes, (peak >> 20, produced_bytes >> 20)


def test_the_gate_holds_produce_requests_while_fenced_and_passes_them_after():
    with EmbeddedBroker(gate=True) as broker:
        topic = unique_name("gate")
        ensure_topics(broker.bootstrap, {topic: 1})
        part = TopicPartition(topic, 0)
        reader = KafkaConsumer(bootstrap_servers=broker.bootstrap)
        producer = make_producer(broker.bootstrap)
        producer.send(topic, b'{"before": 1}').get(10)
        broker.gate.fence()
        pending = producer.send(topic, b'{"during": 1}')
        wait_for(lambda: broker.gate._held, 10, message="the produce request held at the gate")
        assert broker.gate.wait_idle(5)  # nothing forwarded is unanswered
        assert reader.end_offsets([part])[part] == 1 and not pending.is_done  # fetches pass, produce waits
        broker.gate.lift()
        assert pending.get(10).offset == 1
        producer.close()
        reader.close()


@pytest.mark.slow
def test_at_the_cap_the_oldest_unread_records_are_shed_and_counted(caplog):
    with EmbeddedBroker(gate=True) as broker:
        topic, stalled = unique_name("shed"), unique_name("stalled")
        ensure_topics(broker.bootstrap, {topic: 1})
        part = TopicPartition(topic, 0)
        reader = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=stalled, enable_auto_commit=False)
        reader.assign([part])
        reader.commit({part: OffsetAndMetadata(0, "", -1)})  # a group that never reads on
        reader.close()
        retention = BrokerRetention(broker.bootstrap, {topic: 1}, broker.pid, soft_bytes=24 * MB,
                                    hard_bytes=48 * MB, interval_s=1.0, gate=broker.gate)
        before = BROKER_SHED_RECORDS.labels(topic)._value.get()
        producer = make_producer(broker.bootstrap)
        actions = []
        with caplog.at_level(logging.WARNING, logger="spyglass.broker.rotation"):
            for first in range(0, 400_000, SPANS_PER_RECORD):  # ~90 MB of compressed records
                send(producer, topic, encode_record(compact_spans(first, SPANS_PER_RECORD)))
                if first % (10 * SPANS_PER_RECORD) == 0:
                    actions += [plan.action for plan in retention.check()]
            actions += [plan.action for plan in retention.check()]
        producer.close()
        rss = psutil.Process(broker.pid).memory_info().rss
    assert "shed" in actions and "rotate" not in actions  # the stalled group needs everything until the cap
    assert retention.shed_records > 0 and retention.shed_spans >= retention.shed_records * SPANS_PER_RECORD * 0.9
    assert BROKER_SHED_RECORDS.labels(topic)._value.get() - before == retention.shed_records
    assert any("shed" in record.getMessage() for record in caplog.records)
    assert rss < 48 * MB + 8 * MB


class StallingSink(CountingSink):
    """Stores until it holds ``stall_at`` spans, then waits in ``store`` until released (a lagging group)."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.stall_at = stall_at
        self.release = threading.Event()

    def store(self, batch) -> int:
        if len(self.seen) >= self.stall_at:
            self.release.wait(60)
        return super().store(batch)


class TallySink(CountingSink):
    """Also counts every row it stores, so a span stored twice shows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = 0

    def store(self, batch) -> int:
        self.rows += len(batch.decoded.rows)
        return super().store(batch)


def test_a_group_skips_the_carried_records_it_had_stored_and_reads_the_rest():
    per_record, records = 100, 40
    with EmbeddedBroker(gate=True) as broker:
        topic = unique_name("carried")
        ensure_topics(broker.bootstrap, {topic: 2})
        fast, slow = TallySink(), StallingSink(stall_at=per_record * records * 6 // 10)
        consumers = [SpanConsumer(sink, broker.bootstrap, topic, unique_name(name), batch_spans=per_record,
                                  batch_ms=50, consumer_options={"max_poll_interval_ms": 2_000})
                     for sink, name in ((fast, "ingest"), (slow, "evaluators"))]
        threads = [threading.Thread(target=c.run) for c in consumers]
        for thread in threads:
            thread.start()
        producer = make_producer(broker.bootstrap)
        try:
            for first in range(0, per_record * records, per_record):
                send(producer, topic, encode_record(compact_spans(first, per_record)))
            wait_for(lambda: len(fast.seen) == per_record * records and len(slow.seen) >= slow.stall_at, 60,
                     message="the fast group to store all, the slow one to stall")
            retention = BrokerRetention(broker.bootstrap, {topic: 2}, broker.pid, soft_bytes=1,
                                        hard_bytes=1 << 40, interval_s=60, gate=broker.gate)
            assert [plan.action for plan in retention.check()] == ["rotate"]  # the slow group's backlog carried
            wait_for(lambda: consumers[0].stats.carried_skipped > 0, 30, message="the fast group to skip")
            slow.release.set()
            total = per_record * (records + 10)
            for first in range(per_record * records, total, per_record):
                send(producer, topic, encode_record(compact_spans(first, per_record)))
            wait_for(lambda: len(fast.seen) == total and len(slow.seen) == total, 60,
                     message="both groups to read the records sent after the recreation")
        finally:
            slow.release.set()
            producer.close()
            for consumer in consumers:
                consumer.stop()
            for thread in threads:
                thread.join(60)
    assert fast.seen == slow.seen == set(range(total))
    assert fast.rows == total  # no carried record stored twice by the group that had stored it
    assert retention.carried_records > 0
    assert consumers[0].stats.carried_skipped == retention.carried_records  # it had stored them all
    assert consumers[1].stats.carried_skipped == 0  # it had stored none of what was carried for it
