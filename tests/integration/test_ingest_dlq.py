"""A dead letter the broker refuses is not lost: the batch is not committed and is tried again.

The broker is a real Tansu whose schema registry makes it refuse every record on the DLQ topic
(Tansu validates a topic's records against ``<topic>.json``): the same answer a full disk, a
size limit or an ACL would give.
"""

from __future__ import annotations

import json
import threading

import pytest
from kafka import KafkaConsumer, TopicPartition

from spyglass.broker import EmbeddedBroker, ensure_topics, make_producer
from spyglass.ingest.worker import IngestWorker
from spyglass.sdk.wire import encode_record
from support import unique_name, wait_for
from test_ingest import count, make_spans

pytestmark = pytest.mark.integration


@pytest.fixture()
def refusing_broker(tmp_path):
    """A broker that refuses every record on topic ``dlq`` (yielded with the topic names)."""
    spans, dlq = unique_name("spans"), unique_name("dlq")
    (tmp_path / f"{dlq}.json").write_text(json.dumps({
        "type": "object", "properties": {"value": {"type": "object", "required": ["never-present"]}}}))
    with EmbeddedBroker(schema_registry=str(tmp_path)) as broker:
        ensure_topics(broker.bootstrap, {spans: 1, dlq: 1})
        yield broker, spans, dlq


def committed(broker, group: str, topic: str) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close()


def test_refused_dead_letter_stops_the_commit(refusing_broker, store):
    broker, topic, dlq = refusing_broker
    project, group = unique_name("p"), unique_name("ingest")
    producer = make_producer(broker.bootstrap)
    producer.send(topic, encode_record(make_spans(5, project, "before")))  # offset 0
    producer.flush()
    worker = IngestWorker(store, broker.bootstrap, topic, dlq, group=group, batch_ms=50,
                          consumer_options={"max_poll_interval_ms": 1500}, decode_processes=0)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: committed(broker, group, topic) == 1, 60, message="the good record committed")
        producer.send(topic, b"{not json")  # offset 1: a dead letter the DLQ will refuse
        producer.send(topic, encode_record(make_spans(5, project, "after")))  # offset 2
        producer.flush()
        wait_for(lambda: worker.stats.failures >= 2, 60, message="the batch tried again")
        assert committed(broker, group, topic) == 1, "no offset committed past the refused dead letter"
        assert worker.stats.dead_letters == 0
        assert count(store, project) == (5, 5), "nothing after the bad record was stored either"
    finally:
        worker.stop()
        thread.join(30)
        producer.close()
    assert not thread.is_alive()
