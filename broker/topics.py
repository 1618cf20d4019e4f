"""Topic names and creation, and the producer/consumer settings every Spyglass client shares."""

from __future__ import annotations

from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from spyglass.broker.errors import BrokerError
from spyglass.sdk.wire import SPANS_TOPIC

DLQ_TOPIC = f"{SPANS_TOPIC}.dlq"


def ensure_topics(bootstrap: str, topics: dict[str, int], timeout_s: float = 15.0) -> None:
    """Create each topic with its partition count unless it exists (replication factor 1 locally)."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name, partitions in topics.items() if name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another process created it first
    except KafkaError as exc:
        raise BrokerError(f"cannot create topics {sorted(topics)} on {bootstrap}: {exc}") from exc
    finally:
        admin.close()


def make_producer(bootstrap: str, **overrides: Any) -> KafkaProducer:
    """A producer for span records: lz4-compressed, acks from the leader, bounded blocking."""
    options: dict[str, Any] = dict(
        # acks from the leader; duplicates from retries are dropped by ingest, so no idempotence
        bootstrap_servers=bootstrap, compression_type="lz4", acks=1, enable_idempotence=False, linger_ms=5,
        max_request_size=32 * 1024 * 1024, max_block_ms=10_000, retries=5,
    )
    options.update(overrides)
    try:
        return KafkaProducer(**options)
    except KafkaError as exc:
        raise BrokerError(f"cannot connect a producer to {bootstrap}: {exc}") from exc


def make_consumer(bootstrap: str, group: str, topic: str, listener: ConsumerRebalanceListener | None = None,
                  **overrides: Any) -> KafkaConsumer:
    """A consumer-group member with manual commits, reading from the earliest offset when new.

    Tansu completes a group join only after the rebalance timeout, which kafka-python takes
    from max_poll_interval_ms; callers that process quickly keep it small.
    """
    options: dict[str, Any] = dict(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_interval_ms=30_000, session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000, fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=32 * 1024 * 1024,
    )
    options.update(overrides)
    try:
        consumer = KafkaConsumer(**options)
        consumer.subscribe([topic], listener=listener)
        return consumer
    except KafkaError as exc:
        raise BrokerError(f"cannot join consumer group {group!r} on {bootstrap}: {exc}") from exc
