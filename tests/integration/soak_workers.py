"""The process the many-workers soak kills: ingest and evaluator consumer-group members over one chDB.

    python soak_workers.py DSN DATABASE BOOTSTRAP TOPIC DLQ PROJECT [--churn SEED] [--expect N]

chDB lets one process open a data directory, so every member that writes to the store lives
here, each on its own thread with its own ``Store`` and its own Kafka consumer (a real member
of group ``ingest`` or ``evaluators``). ``--churn`` stops one member cleanly and starts a fresh
one every 8-15 s (rebalances inside a life); the test SIGKILLs the whole process at random
(a crash: nothing is flushed, offsets not committed are fetched again by the next life).
``--expect N`` runs one member per group until N spans of PROJECT are stored and scored (or 300 s pass), stops every
member cleanly and prints the checks as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for support

from spyglass.broker.lifetime import die_with_parent  # noqa: E402
from spyglass.evaluators.base import EvalContext  # noqa: E402
from spyglass.evaluators.engine import LazyEncoder  # noqa: E402
from spyglass.evaluators.sink import EvaluationSink  # noqa: E402
from spyglass.ingest.consumer import SpanConsumer  # noqa: E402
from spyglass.ingest.worker import IngestWorker  # noqa: E402
from spyglass.storage import Store, migrate  # noqa: E402
from support import Length  # noqa: E402

INGEST_MEMBERS, EVALUATOR_MEMBERS = 3, 2
# Tansu completes a join after the rebalance timeout (kafka-python: max_poll_interval_ms): short,
# but long enough that a member starved by a loaded machine is not taken for dead
OPTIONS = {"max_poll_interval_ms": 8000, "session_timeout_ms": 10000}
# the final drain: one member per group, never taken for dead by a slow insert (no rebalances)
DRAIN_OPTIONS = {"max_poll_interval_ms": 20000, "session_timeout_ms": 30000}


class Members:
    """The live members of both groups; each runs ``run()`` on its own thread."""

    def __init__(self, args: argparse.Namespace, options: dict[str, int]) -> None:
        self.args = args
        self.options = options
        self.live: list[tuple[str, SpanConsumer, threading.Thread]] = []

    def start(self, role: str) -> None:
        a = self.args
        store = Store(a.dsn, a.database)
        if role == "ingest":
            member: SpanConsumer = IngestWorker(store, a.bootstrap, a.topic, a.dlq, group="ingest", batch_spans=2000,
                                                batch_ms=200, consumer_options=self.options,
                                                decode_processes=0)
        else:
            sink = EvaluationSink(store, [Length()], EvalContext(LazyEncoder("cpu")))
            member = SpanConsumer(sink, a.bootstrap, a.topic, "evaluators", 1000, 200, self.options, label="evaluators")
        thread = threading.Thread(target=member.run, name=f"{role}-member", daemon=True)
        thread.start()
        self.live.append((role, member, thread))

    def replace_one(self, rng: random.Random) -> None:
        """Stop one member cleanly (it stores what it holds and leaves) and start a fresh one."""
        role, member, thread = self.live.pop(rng.randrange(len(self.live)))
        member.stop()
        thread.join()
        self.start(role)

    def stop_all(self) -> None:
        for _, member, _ in self.live:
            member.stop()
        for _, _, thread in self.live:
            thread.join()
        self.live.clear()


def checks(store: Store, project: str) -> dict[str, Any]:
    """What the soak asserts: spans and evaluations stored once, rollups equal to the rows."""
    p = {"p": project}

    def one(sql: str) -> Any:
        return store.rows(sql, parameters=p)[0]["n"]

    return {
        "spans_final": one("SELECT count() AS n FROM spans FINAL WHERE project = {p:String}"),
        "spans_rows": one("SELECT count() AS n FROM spans WHERE project = {p:String}"),
        "spans_rollup": one("SELECT sum(spans) AS n FROM spans_1m WHERE project = {p:String}"),
        "evaluations_final": one("SELECT count() AS n FROM evaluations FINAL WHERE project = {p:String}"),
        "evaluations_rows": one("SELECT count() AS n FROM evaluations WHERE project = {p:String}"),
        "evaluations_rollup": one("SELECT sum(evaluated) AS n FROM evaluations_1m WHERE project = {p:String}"),
        "scored_twice": one("SELECT count() AS n FROM (SELECT trace_id, span_id, evaluator, version FROM evaluations "
                            "FINAL WHERE project = {p:String} GROUP BY ALL HAVING count() > 1)"),
        "unscored": one("SELECT count() AS n FROM spans FINAL WHERE project = {p:String} AND (trace_id, span_id) "
                        "NOT IN (SELECT trace_id, span_id FROM evaluations WHERE project = {p:String})"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("dsn", "database", "bootstrap", "topic", "dlq", "project"):
        parser.add_argument(name)
    parser.add_argument("--churn", type=int, default=None, help="seed: replace a member every 8-15 s")
    parser.add_argument("--expect", type=int, default=0, help="run until this many spans are stored and scored")
    args = parser.parse_args()
    die_with_parent()  # a test that dies takes its workers along
    store = Store(args.dsn, args.database)
    migrate(store)
    members = Members(args, DRAIN_OPTIONS if args.expect else OPTIONS)
    counts = (1, 1) if args.expect else (INGEST_MEMBERS, EVALUATOR_MEMBERS)
    for role in ["ingest"] * counts[0] + ["evaluators"] * counts[1]:
        members.start(role)
    print("started", flush=True)
    stop = threading.Event()
    if args.expect:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            now = checks(store, args.project)
            if now["spans_final"] >= args.expect and now["evaluations_final"] >= args.expect:
                break
            stop.wait(0.5)
        members.stop_all()
        print(json.dumps(checks(store, args.project)), flush=True)
        return
    rng = random.Random(args.churn)
    while args.churn is not None:  # until SIGKILLed
        stop.wait(rng.uniform(8, 15))
        members.replace_one(rng)
    stop.wait()


if __name__ == "__main__":
    main()
