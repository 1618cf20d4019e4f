"""The score consumer: scores from outside (SDK, POST /v1/scores) from their topic into ClickHouse.

At-least-once like span ingest: offsets are committed after ClickHouse has the rows; a replayed
score is recognized by its ``score_id`` and skipped, so rollups never count it twice. Invalid
scores go to the dead-letter topic with the reason; scores of erased users or traces are dropped.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson

from spyglass.broker import make_producer
from spyglass.broker.topics import make_consumer
from spyglass.sdk.score_wire import ScoreError, validate_score
from spyglass.sdk.wire import SCHEMA_VERSION
from spyglass.storage import Store, StorageError
from spyglass.storage.erasure import without_erased
from spyglass.storage.scores import insert_scores, stored_score_ids

log = logging.getLogger(__name__)


@dataclass
class ParsedScores:
    """Valid score rows of a poll, and dead letters as (payload, reason)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dead: list[tuple[bytes, str]] = field(default_factory=list)


def parse_score_records(values: list[bytes]) -> ParsedScores:
    """Decode and validate score records (pure): a bad score is a dead letter, the others stay."""
    out = ParsedScores()
    for value in values:
        try:
            doc = orjson.loads(value)
            if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION \
                    or not isinstance(doc.get("scores"), list):
                raise ValueError(f'expected {{"schema_version": {SCHEMA_VERSION}, "scores": [...]}}')
        except ValueError as exc:
            out.dead.append((value, f"not a score record: {exc}"))
            continue
        for raw in doc["scores"]:
            try:
                out.rows.append(validate_score(raw))
            except ScoreError as exc:
                out.dead.append((orjson.dumps(raw), str(exc)))
    return out


class ScoreIngest:
    """One member of the score consumer group; ``run()`` blocks until ``stop()``."""

    def __init__(self, store: Store, bootstrap: str, topic: str, dlq_topic: str, group: str = "scores",
                 consumer_options: dict[str, Any] | None = None) -> None:
        self.db = store
        self.bootstrap, self.topic, self.dlq_topic, self.group = bootstrap, topic, dlq_topic, group
        self.options = {"max_poll_interval_ms": 5_000, **(consumer_options or {})}
        self.stored = self.skipped = self.dead = self.polls = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        consumer = self.consumer = make_consumer(self.bootstrap, self.group, self.topic, **self.options)
        producer = make_producer(self.bootstrap, linger_ms=0)
        try:
            while not self._stop.is_set():
                polled = consumer.poll(timeout_ms=200, max_records=5_000)
                self.polls += 1
                if not polled:
                    continue
                try:
                    self._store(polled, producer)
                    consumer.commit()
                except StorageError as exc:  # temporary: fetch the same records again
                    log.warning("storing scores failed, retrying: %s", exc)
                    for tp, records in polled.items():
                        consumer.seek(tp, records[0].offset)
                    self._stop.wait(1.0)
        finally:
            consumer.close()
            producer.close(timeout=5)

    def _store(self, polled: dict[Any, list[Any]], producer: Any) -> None:
        values = [r.value for records in polled.values() for r in records]
        parsed = parse_score_records(values)
        for payload, reason in parsed.dead:
            producer.send(self.dlq_topic, value=payload, headers=[("spyglass-error", reason.encode()),
                                                                   ("spyglass-source", b"scores")])
        if parsed.dead:
            producer.flush(timeout=30)
            self.dead += len(parsed.dead)
        rows = list({r["score_id"]: r for r in without_erased(self.db, parsed.rows)}.values())
        stored = stored_score_ids(self.db, [r["score_id"] for r in rows])
        fresh = [r for r in rows if r["score_id"] not in stored]
        token = "|".join(f"{tp.topic}:{tp.partition}:{recs[0].offset}-{recs[-1].offset}"
                         for tp, recs in sorted(polled.items(), key=lambda kv: (kv[0].topic, kv[0].partition)))
        self.stored += insert_scores(self.db, fresh, hashlib.sha1(f"scores|{token}".encode()).hexdigest())
        self.skipped += len(parsed.rows) - len(fresh)
