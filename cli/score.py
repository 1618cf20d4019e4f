"""`spyglass score`: score spans offline, wire-format JSON lines on stdin -> one JSON line per span on stdout.

Runs the same evaluators, engine and batching as the online worker. A line that is not a valid
span is reported on stderr (line number, field) and skipped; scoring goes on (exit code 0).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import IO, Any, Iterator

from spyglass.core.errors import ConfigError
from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `score`'s options (cheap: no model is imported here)."""
    parser.add_argument("--evaluator", action="append", dest="evaluators", metavar="NAME",
                        help="evaluator to run (repeatable); default: the `evaluators` setting")
    parser.add_argument("--batch-spans", type=int, help="spans read per engine batch (default SPYGLASS_EVAL_BATCH_SPANS)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="override the `device` setting")


class SpanReader:
    """Validated span rows from JSON lines; a bad line is reported to ``errors``, counted and skipped."""

    def __init__(self, stream: IO[str], errors: IO[str]) -> None:
        self.stream = stream
        self.errors = errors
        self.skipped = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from spyglass.sdk.wire import SpanError, validate_span

        for number, line in enumerate(self.stream, start=1):
            if not line.strip():
                continue
            try:
                yield validate_span(json.loads(line))
            except json.JSONDecodeError as exc:
                self._skip(number, f"not JSON: {exc}")
            except SpanError as exc:
                self._skip(number, str(exc))

    def _skip(self, number: int, reason: str) -> None:
        self.skipped += 1
        print(f"line {number}: skipped: {reason}", file=self.errors)


def _batches(spans: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for span in spans:
        batch.append(span)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _json_safe(value: float) -> float | None:
    return value if math.isfinite(value) else None  # an error score's NaN is not valid JSON


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Score stdin to stdout (blocking until EOF); returns 0, also when some lines were skipped."""
    from spyglass.cli.workers import model_encoder
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.engine import run_evaluators
    from spyglass.evaluators.registry import load_evaluators

    chosen = settings.evaluators
    if args.device:
        chosen = chosen.model_copy(update={"device": args.device})
    try:
        evaluators = load_evaluators(args.evaluators or list(chosen.names), chosen)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    encoder = model_encoder(chosen)
    ctx = EvalContext(encoder=encoder, device=encoder.device)
    out = sys.stdout
    reader = SpanReader(sys.stdin, sys.stderr)
    for batch in _batches(iter(reader), max(args.batch_spans or chosen.batch_spans, 1)):
        results = run_evaluators(batch, evaluators, ctx)
        for span in batch:
            scores = {name: {**score.as_dict(), "score": _json_safe(score.score)}
                      for name, score in results[str(span["span_id"])].items()}
            out.write(json.dumps({"span_id": span["span_id"], "scores": scores}, ensure_ascii=False) + "\n")
        out.flush()
    if reader.skipped:
        print(f"spyglass score: {reader.skipped} line(s) skipped", file=sys.stderr)
    return 0
