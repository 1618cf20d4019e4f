"""The embedded broker's retention: recreate a topic, carrying over what consumer groups still need.

Every ``interval_s`` the service reads the broker's resident memory, each partition's end and
every group's committed offsets, and asks ``plan_retention`` what may go. To free memory it
reads the records to keep (into a temporary file: ``broker/carry.py``), deletes the topic, creates it again with the same partitions, bumps
the topic's incarnation, on which the consumer loops of this process start over at offset 0
(``ingest/consumer.py``), and produces the kept records back to their partitions, each with its
old offset in a header (a group skips those it had stored).

Only for the embedded stack: its consumers live in this process. Producers are held at the
broker's gate (``broker/gate.py``) from before the last read of the topic until it exists again:
without the gate, a record acknowledged between that read and the deletion (a few
milliseconds; measured: one record in two recreations under load) would be lost.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from spyglass.broker.carry import CARRIED_FROM, CarrySpool
from spyglass.broker.gate import BrokerGate
from spyglass.broker.incarnation import recreated
from spyglass.broker.retention import RetentionPlan, plan_retention
from spyglass.telemetry.catalogue import BROKER_MEMORY, BROKER_ROTATIONS, BROKER_SHED_RECORDS, BROKER_SHED_SPANS

log = logging.getLogger(__name__)

_TAIL_ROUNDS = 20  # reads of the partition ends before deleting anyway (a producer that never pauses)


def process_rss(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (Linux /proc; psutil elsewhere; 0 if unknown)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except Exception:  # noqa: BLE001 - no psutil, or the process is gone: memory unknown
        return 0


class BrokerRetention:
    """Keeps the embedded broker's memory bounded; ``run()`` blocks until ``stop()``."""

    def __init__(self, bootstrap: str, topics: dict[str, int], broker_pid: int, soft_bytes: int,
                 hard_bytes: int, interval_s: float, gate: BrokerGate | None = None,
                 protected_groups: tuple[str, ...] = ()) -> None:
        self.bootstrap = bootstrap
        self.topics = topics  # name -> partition count
        self.broker_pid = broker_pid
        self.soft_bytes = soft_bytes
        self.hard_bytes = hard_bytes
        self.interval_s = interval_s
        self.gate = gate
        self.protected_groups = protected_groups  # what they have not consumed is never shed (ingest)
        self.rotations = 0
        self.carried_records = 0  # records carried over into recreated topics, all recreations
        self.shed_records = 0
        self.shed_spans = 0
        self._stop = threading.Event()
        self._admin: KafkaAdminClient | None = None
        self._producer: KafkaProducer | None = None

    def stop(self) -> None:
        """Ask ``run()`` to return; thread-safe."""
        self._stop.set()

    def run(self) -> None:
        """Check every ``interval_s`` until stopped; a broker error is logged and tried again next time."""
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    self.check()
                except KafkaError as exc:
                    log.warning("broker retention: check failed, trying again in %.0fs: %s", self.interval_s, exc)
        finally:
            for client in (self._producer, self._admin):
                if client is not None:
                    client.close()

    def check(self) -> list[RetentionPlan]:
        """Measure, plan and (where the plan says so) recreate each topic; return the plans."""
        plans = []
        for topic, partitions in self.topics.items():
            rss = process_rss(self.broker_pid)
            BROKER_MEMORY.set(rss)
            high = self._ends(topic)
            plan = plan_retention(high, self._committed(topic), rss, self.soft_bytes, self.hard_bytes,
                                  protected=self.protected_groups)
            if plan.action != "keep":
                self._recreate(topic, partitions, plan, rss)
            plans.append(plan)
        return plans

    def _admin_client(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=15_000)
        return self._admin

    def _ends(self, topic: str) -> dict[int, int]:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        try:
            partitions = consumer.partitions_for_topic(topic) or set()
            ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
            return {tp.partition: end for tp, end in ends.items()}
        finally:
            consumer.close()

    def _committed(self, topic: str) -> dict[str, dict[int, int]]:
        """group -> partition -> committed offset, for the groups with commits on ``topic``."""
        admin = self._admin_client()
        result: dict[str, dict[int, int]] = {}
        for group in admin.list_groups():
            group_id = group["group_id"] if isinstance(group, dict) else group[0]
            offsets = admin.list_group_offsets(group_id).get(group_id, {})
            mine = {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
            if mine:
                result[group_id] = mine
        return result

    def _read_tail(self, topic: str, keep_from: dict[int, int], records: CarrySpool) -> None:
        """Every record from ``keep_from`` to the end into ``records``, re-reading the ends until they stop moving."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                 fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=32 * 1024 * 1024)
        parts = [TopicPartition(topic, p) for p in keep_from]
        try:
            consumer.assign(parts)
            for tp in parts:
                consumer.seek(tp, keep_from[tp.partition])
            ends = consumer.end_offsets(parts)
            for _ in range(_TAIL_ROUNDS):
                while any(consumer.position(tp) < ends[tp] for tp in parts):
                    for tp, messages in consumer.poll(timeout_ms=500).items():
                        for m in messages:
                            if m.offset < ends[tp]:
                                records.add(tp.partition, m.key, m.value, m.offset)
                        if messages and messages[-1].offset >= ends[tp]:
                            consumer.seek(tp, ends[tp])  # fetched past the end we read: next round takes it
                latest = consumer.end_offsets(parts)
                if latest == ends:
                    break
                ends = latest
        finally:
            consumer.close()

    def _swap(self, topic: str, partitions: int, plan: RetentionPlan, carried: CarrySpool) -> None:
        """With producers held: read what is kept into ``carried``, delete the topic, create it again."""
        admin = self._admin_client()
        if self.gate is not None:
            self.gate.fence()
            if not self.gate.wait_idle(10):
                log.warning("broker retention: produce requests still unanswered after 10s; recreating anyway")
        try:
            self._read_tail(topic, plan.keep_from, carried)
            admin.delete_topics([topic])
            try:
                admin.create_topics([NewTopic(topic, partitions, 1)])
            except TopicAlreadyExistsError:
                pass  # a producer's metadata request made the broker create it first
            except KafkaError as exc:  # carrying over below creates it, with the broker's default partitions
                log.warning("broker retention: could not create %s again: %s", topic, exc)
            # Consumers start over now, while producers are still held: no commit from the old
            # topic can land in the new one after they did. The carried records follow.
            recreated(self.bootstrap, topic)
        finally:
            if self.gate is not None:
                self.gate.lift()

    def _recreate(self, topic: str, partitions: int, plan: RetentionPlan, rss: int) -> None:
        started = time.monotonic()
        carried = CarrySpool()
        try:
            self._swap(topic, partitions, plan, carried)
            if self._producer is None:
                self._producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks=1, linger_ms=5,
                                               max_request_size=32 * 1024 * 1024, retries=5)
            count = len(self._producer.partitions_for(topic) or ()) or partitions
            for partition, key, value, offset in carried:  # send() blocks while its buffer is full: memory stays bounded
                self._producer.send(topic, value=value, key=key, partition=partition % count,
                                    headers=[(CARRIED_FROM, b"%d" % offset)])
            self._producer.flush(timeout=60)
        finally:
            carried.close()
        self.rotations += 1
        self.carried_records += carried.count
        BROKER_ROTATIONS.labels(topic, plan.action).inc()
        freed = (rss - process_rss(self.broker_pid)) >> 20
        if plan.action == "shed":
            spans_per_record = carried.spans / max(carried.count, 1)
            shed_spans = round(plan.shed_records * spans_per_record)
            self.shed_records += plan.shed_records
            self.shed_spans += shed_spans
            BROKER_SHED_RECORDS.labels(topic).inc(plan.shed_records)
            BROKER_SHED_SPANS.labels(topic).inc(shed_spans)
            log.warning("broker retention: %s at the memory cap of %d MB: shed %d records (~%d spans) a "
                        "consumer group had not read yet (never ingest), kept %d; freed %d MB (%s)", topic,
                        self.hard_bytes >> 20, plan.shed_records, shed_spans, carried.count, freed, plan.reason)
        else:
            log.info("broker retention: %s recreated in %.1fs, %d records carried over, freed %d MB (%s)",
                     topic, time.monotonic() - started, carried.count, freed, plan.reason)
