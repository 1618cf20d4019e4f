"""Many workers, one truth: ingest and evaluator consumer groups over 6 partitions, killed at random.

For two minutes an app sends spans through the SDK (Kafka exporter) while the process holding
the workers (3 ingest and 2 evaluator group members, ``soak_workers.py``) is SIGKILLed at random
and started again, and inside each life a member is stopped and replaced every 8-15 s
(rebalances). At the end every span is stored once, scored once per evaluator version, and
the per-minute rollups equal the rows.

Why one process for all members: chDB opens a data directory in one process only, so worker
processes that each write to the store need a ClickHouse server, which does not run here. The
members that write are therefore threads of one process, each a real consumer-group member
with its own Kafka connection and store handle; a SIGKILL kills them all at once, mid-insert
or mid-commit, and the broker (a separate process) keeps what they had not committed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import spyglass.sdk as sdk
from spyglass.broker import ensure_topics
from spyglass.sdk._kafka import KafkaExporter
from support import unique_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SOAK_S, PARTITIONS = 120, 6
WORKERS = Path(__file__).with_name("soak_workers.py")


class App:
    """Sends one trace of 4 spans every few milliseconds through the SDK until stopped."""

    def __init__(self, project: str) -> None:
        self.project = project
        self.spans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with sdk.span("answer", kind="chain") as root:
                for step in ("retrieve", "llm", "tool"):
                    with sdk.span(step, kind={"retrieve": "retrieval"}.get(step, step)) as child:
                        child.set(completion=f"{step} says hello " * 3)
                root.set(completion="the answer says hello")  # every span has a completion: every span is scored
            self.spans += 4
            self._stop.wait(0.005)  # an app's pace, not a wait for a condition


def start_workers(args: list[str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKERS), *args, *extra], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.timeout(900)
def test_ingest_and_evaluator_groups_killed_at_random_store_and_score_each_span_once(broker, tmp_path):
    project, topic = unique_name("soak"), unique_name("spans")
    ensure_topics(broker.bootstrap, {topic: PARTITIONS, f"{topic}.dlq": 1})
    args = [f"chdb://{tmp_path / 'chdb'}", "soak", broker.bootstrap, topic, f"{topic}.dlq", project]
    sdk.init(project=project, service="soak", exporter=KafkaExporter(broker.bootstrap, topic), flush_interval_s=0.2)
    app = App(project)
    rng = random.Random(17)
    kills = 0
    try:
        app.start()
        ends = time.monotonic() + SOAK_S
        while time.monotonic() < ends:
            workers = start_workers(args, "--churn", str(rng.randrange(1 << 30)))
            assert workers.stdout.readline().strip() == "started", "the worker process did not start"
            threading.Event().wait(rng.uniform(6, 20))  # let it work a while, then crash it
            workers.send_signal(signal.SIGKILL)
            workers.wait()
            kills += 1
        app.stop()
        assert sdk.flush(30), "the SDK delivered everything it queued"
        sent = sdk.stats()
        assert sent["dropped"] == 0 and sent["failed"] == 0, sent
        final = start_workers(args, "--expect", str(app.spans))
        line = final.stdout.readline().strip()
        if line == "started":
            line = final.stdout.readline().strip()
        assert final.wait(timeout=420) == 0
    finally:
        sdk.shutdown(5)
    found = json.loads(line)
    print(f"{kills} kills, {app.spans} spans sent: {found}")
    assert kills >= 2, "the process was killed several times"
    assert found["spans_rows"] >= found["spans_final"], "the checks ran"
    assert found["spans_final"] == app.spans, f"every span stored: {found}"
    # each span once in the table (not only after merges), scored once per evaluator version, and
    # the rollups (filled at insert time) equal to the rows: a partition handed over mid-insert
    # (ingest/handover.py) or a member killed between insert and commit repeats nothing
    assert (found["spans_rows"], found["spans_rollup"]) == (app.spans, app.spans), found
    assert (found["evaluations_final"], found["evaluations_rows"], found["evaluations_rollup"]) == (app.spans,) * 3, found
    assert (found["scored_twice"], found["unscored"]) == (0, 0), found
