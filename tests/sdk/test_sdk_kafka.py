"""End to end through a real Kafka-protocol broker: delivery on shutdown, outage and recovery."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, TopicPartition

import spyglass.sdk as spyglass
from spyglass.broker import EmbeddedBroker, ensure_topics
from spyglass.broker.embedded import free_port
from spyglass.sdk.wire import decode_record, validate_span

from support import unique_name, wait_for

pytestmark = pytest.mark.integration

PARTITIONS = 2


def consume(bootstrap: str, topic: str, expected: int, timeout_s: float = 30) -> tuple[list[dict], int]:
    """Spans on ``topic`` (and the record count), reading until ``expected`` distinct spans arrived.

    Delivery is at-least-once: a record the broker took just as it went away may come twice.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500)
    # Every partition: the producer may have made Tansu auto-create the topic with its own count.
    partitions = wait_for(lambda: consumer.partitions_for_topic(topic), 10, message=f"{topic} metadata")
    consumer.assign([TopicPartition(topic, p) for p in partitions])  # no group: no join wait
    consumer.seek_to_beginning()
    spans: list[dict] = []
    records = 0

    def poll() -> bool:
        nonlocal records
        for batch in consumer.poll(timeout_ms=200).values():
            for message in batch:
                records += 1
                spans.extend(decode_record(message.value))
        return len({span["span_id"] for span in spans}) >= expected

    try:
        wait_for(poll, timeout_s, message=f"{expected} spans on {topic}")
    finally:
        consumer.close()
    return spans, records


def test_all_spans_are_delivered_after_shutdown(broker):
    topic = unique_name("sdk_spans")
    ensure_topics(broker.bootstrap, {topic: PARTITIONS})
    spyglass.init(project="kafka-e2e", kafka_bootstrap=broker.bootstrap, kafka_topic=topic,
                  max_batch_size=300, flush_interval_s=60)  # only shutdown sends
    for i in range(600):
        with spyglass.span("request", metadata={"i": i}):
            spyglass.record_llm(model="m", prompt=f"question {i}", completion="answer", prompt_tokens=3)
    spyglass.shutdown()
    assert spyglass.stats()["sent"] == 1_200
    spans, records = consume(broker.bootstrap, topic, 1_200)
    assert len({span["span_id"] for span in spans}) == 1_200 == len(spans)
    assert records <= 6  # hundreds of spans per record
    for span in spans:
        assert validate_span(span)["project"] == "kafka-e2e"


def test_flush_waits_for_every_batch_in_flight(broker):
    topic = unique_name("sdk_pipelined")
    ensure_topics(broker.bootstrap, {topic: PARTITIONS})
    spyglass.init(project="pipelined", kafka_bootstrap=broker.bootstrap, kafka_topic=topic,
                  max_batch_size=50, max_in_flight=8, max_queue_size=10_000)
    for i in range(3_000):
        spyglass.record_llm(model="m", prompt=f"question {i}", completion="answer " * 20)
    assert spyglass.flush(30)
    counts = spyglass.stats()  # counted when acknowledged, not when handed to the producer
    assert counts["sent"] == 3_000 and counts["pending"] == 0 and counts["failed"] == 0
    spyglass.shutdown()
    spans, records = consume(broker.bootstrap, topic, 3_000)
    assert len({span["span_id"] for span in spans}) == 3_000 and records >= 60


def test_broker_outage_keeps_memory_bounded_and_recovers():
    port = free_port()
    own = EmbeddedBroker(port=port).start()
    topic = unique_name("sdk_outage")
    try:
        ensure_topics(own.bootstrap, {topic: PARTITIONS})
        spyglass.init(project="outage", kafka_bootstrap=own.bootstrap, kafka_topic=topic,
                      max_queue_size=1_000, max_batch_size=200, flush_interval_s=0.05, max_in_flight=4)
        for _ in range(100):
            with spyglass.span("before"):
                pass
        assert spyglass.flush(15)
        sent_before = spyglass.stats()["sent"]
        assert sent_before == 100

        own.stop()
        for i in range(20_000):
            with spyglass.span("during", metadata={"i": i, "payload": "x" * 100}):
                pass
            if i % 1_000 == 0:
                assert spyglass.stats()["pending"] <= 1_000
        counts = spyglass.stats()
        # held: the queue, the batches in flight and the one the blocking path retries
        assert counts["pending"] <= 1_000 and counts["dropped"] >= 20_000 - 1_000 - 200 * (4 + 1)
        assert spyglass.flush(0.1) is False
        wait_for(lambda: spyglass.stats()["retries"] > 0, 20, message="the SDK to notice the outage")

        own = EmbeddedBroker(port=port).start()  # same address; Tansu starts empty
        ensure_topics(own.bootstrap, {topic: PARTITIONS})
        # The spans queued during the outage go first; then the SDK accepts spans again.
        wait_for(lambda: spyglass.stats()["pending"] == 0, 30, message="the outage backlog to drain")
        for _ in range(300):
            with spyglass.span("after"):
                pass
        assert spyglass.flush(60)
        counts = spyglass.stats()
        assert counts["pending"] == 0
        assert counts["sent"] + counts["dropped"] + counts["failed"] == 20_400
        delivered_after_restart = counts["sent"] - sent_before
        spans, _ = consume(own.bootstrap, topic, delivered_after_restart)
        unique = {span["span_id"]: span["name"] for span in spans}
        assert len(unique) == delivered_after_restart
        assert list(unique.values()).count("during") >= 1_000  # the backlog held through the outage
        assert list(unique.values()).count("after") == 300  # nothing lost once the broker is back
    finally:
        spyglass.shutdown(timeout_s=2)
        own.stop()
