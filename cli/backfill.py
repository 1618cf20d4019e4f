"""`spyglass backfill`: score the spans the evaluators left out while they sampled to hold their lag.

Minute by minute, oldest first: the spans of a project without a score from the current
evaluator versions are scored by the same sink the online worker uses (weight 1), then the
minute's sampled rows are corrected to count once (``storage.backfill``). Run it when capacity
returns: against a ClickHouse server at any time; on the embedded chDB, while `spyglass up` is stopped.
"""

from __future__ import annotations

import argparse
import time

from spyglass.core.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True)
    parser.add_argument("--hours", type=float, default=24.0, help="spans started in the last N hours (default 24)")
    parser.add_argument("--evaluator", action="append", dest="evaluators", metavar="NAME",
                        help="evaluator to run (repeatable); default: the `evaluators` setting")


def backfill(sink, project: str, start: float, end: float, chunk: int = 512) -> tuple[int, int]:
    """Score what is unscored in [start, end) and correct each minute; returns (spans scored, rows corrected)."""
    from spyglass.ingest.batch import Batch, OffsetRange
    from spyglass.ingest.decode import Decoded
    from spyglass.storage.backfill import correct_window, sampled_minutes, unscored_spans

    scored = corrected = 0
    minute = (start // 60) * 60
    while minute < end:
        seen: set[tuple[str, str]] = set()  # spans no evaluator applies to stay "unscored": never twice
        while True:
            spans = [s for s in unscored_spans(sink.db, project, minute, minute + 60, sink.versions, chunk)
                     if (s["trace_id"], s["span_id"]) not in seen]
            if not spans:
                break
            seen.update((s["trace_id"], s["span_id"]) for s in spans)
            batch = Batch(Decoded(rows=spans), OffsetRange({}, {}, may_repeat=True))  # not from Kafka
            batch.prepared = sink.prepare(batch)
            sink.store(batch)
            scored += len(spans)
        if sampled_minutes(sink.db, project, minute, minute + 60):
            corrected += correct_window(sink.db, project, minute)
        minute += 60
    return scored, corrected


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.local_api import open_store
    from spyglass.cli.workers import model_encoder
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.registry import load_evaluators
    from spyglass.evaluators.sink import EvaluationSink
    from spyglass.storage import migrate

    store = open_store(settings, "backfill")
    migrate(store, settings.storage.retention_days)
    try:
        evaluators = load_evaluators(args.evaluators or list(settings.evaluators.names), settings.evaluators)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    encoder = model_encoder(settings.evaluators)
    sink = EvaluationSink(store, evaluators, EvalContext(encoder=encoder, device=encoder.device))
    end = time.time()
    scored, corrected = backfill(sink, args.project, end - args.hours * 3600, end)
    print(f"backfill {args.project}: {scored} spans scored, {corrected} sampled rows now count once")
    return 0
