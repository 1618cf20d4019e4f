"""An ingest process killed with SIGKILL mid-stream and restarted loses nothing and duplicates nothing.

Rollups stay exact too: if the kill lands between an insert's part and its view's rows, the
restarted worker finds those spans stored and counts them (``storage.rollups``);
``test_rollups.py`` covers that window deterministically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from spyglass.broker import ensure_topics, make_producer
from spyglass.sdk.wire import encode_record
from support import unique_name, wait_for
from test_ingest import committed_offsets, make_spans

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPANS, PER_RECORD, PARTITIONS = 40_000, 200, 3


def spyglass(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", *args], env=env, **kwargs)


def end_offsets(broker, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    ends = consumer.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])
    consumer.close()
    return sum(ends.values())


def test_sigkill_mid_stream_then_restart(broker, tmp_path):
    topic, dlq, group, project = unique_name("spans"), unique_name("dlq"), unique_name("ingest"), unique_name("p")
    ensure_topics(broker.bootstrap, {topic: PARTITIONS, dlq: 1})
    producer = make_producer(broker.bootstrap)
    spans = make_spans(SPANS, project)
    for lo in range(0, SPANS, PER_RECORD):
        producer.send(topic, encode_record(spans[lo:lo + PER_RECORD]))
    producer.close()
    records = end_offsets(broker, topic)
    env = {**os.environ, "SPYGLASS_KAFKA_BOOTSTRAP": broker.bootstrap, "SPYGLASS_SPANS_TOPIC": topic,
           "SPYGLASS_DLQ_TOPIC": dlq, "SPYGLASS_INGEST_GROUP": group,
           "SPYGLASS_CLICKHOUSE_DSN": f"chdb://{tmp_path}/ch", "SPYGLASS_INGEST_BATCH_SPANS": "1000",
           "SPYGLASS_INGEST_MAX_POLL_INTERVAL_MS": "2000", "SPYGLASS_INGEST_SESSION_TIMEOUT_MS": "3000"}

    first = spyglass(env, "ingest")
    try:  # kill it once some, but not all, batches are committed
        wait_for(lambda: committed_offsets(broker, group, topic) > 0 or first.poll() is not None, 120,
                 interval_s=0.02, message="first commits")
        assert first.poll() is None, "ingest exited early"
        done_before_kill = committed_offsets(broker, group, topic)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    assert done_before_kill < records, "the kill must land mid-stream"

    second = spyglass(env, "ingest")
    try:
        wait_for(lambda: committed_offsets(broker, group, topic) == records, 180, message="all records committed")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0
    query = ("SELECT (SELECT count() FROM spans FINAL) AS final_rows, (SELECT count() FROM spans) AS raw_rows, "
             "(SELECT uniqExact(span_id) FROM spans) AS unique_ids, (SELECT sum(spans) FROM spans_1m) AS rollup")
    out = subprocess.run([sys.executable, "-m", "spyglass.cli.main", "sql", query], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result == {"final_rows": SPANS, "raw_rows": SPANS, "unique_ids": SPANS, "rollup": SPANS}
    assert not list(Path(tempfile.gettempdir()).glob(f"spyglass-ingest-{first.pid}-*")), \
        "the restarted worker removed the killed one's spool folder"
