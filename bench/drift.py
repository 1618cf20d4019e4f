"""Drift monitor benchmark: detection and false-alarm rates on generated traffic, and one full drift
run over 100k LLM spans per window seeded into chDB.

    nice -n 10 python bench/drift.py [--windows 100] [--spans 100000]

Last line: JSON {"detection_rate", "false_alarm_rate", "seconds", ...}; "seconds" is the wall time
of the one drift run (reads, statistics, embedding of the sampled texts, report insert).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
from rich.console import Console
from rich.progress import Progress

from spyglass.core.settings import DriftSettings
from spyglass.drift.compare import DriftConfig, compare_windows
from spyglass.drift.monitor import DriftMonitor
from spyglass.drift.scenarios import SHIFTS, build_pool, generate_window, window_sample, window_spans
from spyglass.evaluators.encoder import SentenceEncoder
from spyglass.sdk.wire import validate_span
from spyglass.storage import Store, migrate
from spyglass.storage.spans import insert_spans

EXPECTED = {"topic": {"prompt_embedding", "completion_embedding"}, "length": {"prompt_length"},
            "latency": {"latency_ms"}, "model": {"model"}}
HOUR = 3600.0


class TimedEncoder:
    """The encoder, with the seconds spent embedding counted (to split a run's time)."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self.seconds = 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        began = time.perf_counter()
        try:
            return self.encoder.embed(texts)
        finally:
            self.seconds += time.perf_counter() - began


def scenario_rates(pool, prompts, completions, windows: int, n: int, progress: Progress) -> dict[str, float]:
    """Detection rate per shift (``windows`` each) and the stationary false-alarm rate (``windows``)."""
    rng = np.random.default_rng(2026)
    config = DriftConfig()
    rates: dict[str, float] = {}
    for shift in (*SHIFTS, None):
        task = progress.add_task(f"{shift or 'stationary'} windows", total=windows)
        hits = 0
        for _ in range(windows):
            reference = window_sample(pool, generate_window(pool, n, rng), prompts, completions)
            current = window_sample(pool, generate_window(pool, n, rng, shift), prompts, completions)
            flagged = {r.feature for r in compare_windows(reference, current, config) if r.drifted}
            hits += bool(flagged & EXPECTED[shift]) if shift else bool(flagged)
            progress.advance(task)
        rates[shift or "stationary"] = hits / windows
    return rates


def seed_and_run(pool, spans_per_window: int, progress: Progress) -> dict[str, float]:
    """Seed two windows of LLM spans (current: a 10% topic shift) and time one drift run."""
    rng = np.random.default_rng(7)
    store = Store(f"chdb://{tempfile.mkdtemp(prefix='drift-bench-')}", "bench")
    migrate(store)
    now = time.time()
    task = progress.add_task("seeding spans", total=2 * spans_per_window)
    for start, shift in ((now - 2 * HOUR, None), (now - HOUR, "topic")):
        spans = window_spans(pool, generate_window(pool, spans_per_window, rng, shift), "bench", "support-bot",
                             start, HOUR - 1)
        for i, span in enumerate(spans):  # unique texts: the encoder cache must not flatter the timing
            span["prompt"] += f" Order {i}-{int(start)}."
            span["completion"] += f" Ticket {i}-{int(start)}."
        for chunk in range(0, len(spans), 20_000):
            insert_spans(store, [validate_span(s) for s in spans[chunk:chunk + 20_000]])
            progress.advance(task, min(20_000, len(spans) - chunk))
    encoder = TimedEncoder(SentenceEncoder(device="cpu"))  # fresh cache
    task = progress.add_task("one drift run", total=1)
    began = time.perf_counter()
    _, reports = DriftMonitor(store, DriftSettings(current_minutes=60, reference_minutes=60), encoder).run_once(now=now)
    seconds = time.perf_counter() - began
    progress.advance(task)
    drifted = sorted(f"{r.model}:{f.feature}" for r in reports for f in r.drifted)
    store.close()
    return {"seconds": seconds, "embedding_seconds": encoder.seconds, "groups": len(reports),
            "texts_encoded": encoder.encoder.encoded, "drifted": drifted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=100, help="windows per scenario")
    parser.add_argument("--window-spans", type=int, default=1000, help="spans per generated window")
    parser.add_argument("--spans", type=int, default=100_000, help="spans per window in the chDB run")
    args = parser.parse_args()
    console = Console(stderr=True)
    pool = build_pool()
    with Progress(console=console) as progress:
        task = progress.add_task("embedding the prompt pool", total=1)
        encoder = SentenceEncoder(device="cpu")
        prompts, completions = encoder.embed(pool.prompts), encoder.embed(pool.completions)
        progress.advance(task)
        rates = scenario_rates(pool, prompts, completions, args.windows, args.window_spans, progress)
        run = seed_and_run(pool, args.spans, progress)
    detection = float(np.mean([rates[s] for s in SHIFTS]))
    console.print(f"detection rate {detection:.3f} per shifted window ({', '.join(f'{s} {rates[s]:.2f}' for s in SHIFTS)}); "
                  f"false-alarm rate {rates['stationary']:.3f} per stationary window (target <= 0.05); "
                  f"{args.windows} windows of {args.window_spans} spans each")
    console.print(f"one drift run over {args.spans} spans per window: {run['seconds']:.1f} s "
                  f"({run['embedding_seconds']:.1f} s of it embedding), {run['groups']} groups, "
                  f"{run['texts_encoded']} texts embedded; drifted: {', '.join(run['drifted']) or 'none'}")
    print(json.dumps({"detection_rate": round(detection, 4), "false_alarm_rate": rates["stationary"],
                      "seconds": round(run["seconds"], 2), "embedding_seconds": round(run["embedding_seconds"], 2),
                      "per_shift": {s: rates[s] for s in SHIFTS},
                      "windows": args.windows, "window_spans": args.window_spans, "spans_per_window": args.spans,
                      "texts_encoded": run["texts_encoded"], "drifted_in_run": run["drifted"]}))


if __name__ == "__main__":
    main()
