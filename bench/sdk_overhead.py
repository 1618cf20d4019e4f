"""Caller-thread cost per span: Spyglass SDK vs the OpenTelemetry SDK, measured in the same run.

Both sides run with a background exporter that discards what it gets (so the network is not
measured) and queues large enough that nothing is dropped; the cost of an empty loop calling
the same plain function is subtracted from each. Prints a table, then one JSON line.

    python bench/sdk_overhead.py [--spans 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, Callable

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from rich.console import Console
from rich.table import Table

import spyglass.sdk as spyglass

PROMPT = [{"role": "system", "content": "You answer billing questions."},
          {"role": "user", "content": "Why was I charged twice this month?"}]
COMPLETION = "You were charged once for the plan and once for extra seats added on the 12th."
OTEL_LLM_ATTRIBUTES = {
    "gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai",
    "gen_ai.prompt": json.dumps(PROMPT), "gen_ai.completion": COMPLETION,
    "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 17, "gen_ai.usage.cost": 0.00012,
    "gen_ai.prompt.name": "billing", "gen_ai.prompt.version": "3",
}
STEP_METADATA = {"step": "lookup", "attempt": 1}


class _Discard:
    """Spyglass exporter that drops records (the worker still batches and JSON-encodes them)."""

    def export(self, record: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class _OtelDiscard(SpanExporter):
    def export(self, spans: Any) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _timed(loop: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    loop(n)
    return (time.perf_counter() - start) / n * 1e6


def _work(x: int) -> int:
    return x


def baseline(n: int) -> None:
    for i in range(n):
        _work(i)


def spyglass_loops() -> dict[str, Callable[[int], None]]:
    observed = spyglass.observe(name="lookup", kind="tool", metadata=STEP_METADATA)(_work)

    def observe_loop(n: int) -> None:
        for i in range(n):
            observed(i)

    def llm_loop(n: int) -> None:
        record = spyglass.record_llm
        for _ in range(n):
            record(model="gpt-4o-mini", provider="openai", prompt=PROMPT, completion=COMPLETION,
                   prompt_tokens=42, completion_tokens=17, cost=0.00012, prompt_name="billing",
                   prompt_version=3)
    return {"observe": observe_loop, "llm": llm_loop}


def otel_loops(tracer: Any) -> dict[str, Callable[[int], None]]:
    def observe_loop(n: int) -> None:
        start = tracer.start_as_current_span
        for i in range(n):
            with start("lookup", attributes=STEP_METADATA):
                _work(i)

    def llm_loop(n: int) -> None:
        start = tracer.start_as_current_span
        for _ in range(n):
            with start("llm", attributes=OTEL_LLM_ATTRIBUTES):
                pass
    return {"observe": observe_loop, "llm": llm_loop}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200_000, help="spans per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="repeat and keep the fastest round")
    args = parser.parse_args()
    n = args.spans

    spyglass.init(project="bench", service="bench", exporter=_Discard(), max_queue_size=n + 1,
                  max_batch_size=512)
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_OtelDiscard(), max_queue_size=n + 1, max_export_batch_size=512))
    tracer = provider.get_tracer("bench")
    ours, theirs = spyglass_loops(), otel_loops(tracer)

    best: dict[str, float] = {}
    for _ in range(args.rounds):
        # Interleaved, after draining both queues, so both sides see the same machine state.
        for key, loop in [("baseline", baseline)] + [(f"spyglass {k}", v) for k, v in ours.items()] + \
                         [(f"otel {k}", v) for k, v in theirs.items()]:
            spyglass.flush(60)
            provider.force_flush(60_000)
            best[key] = min(best.get(key, float("inf")), _timed(loop, n))
    spyglass.shutdown(60)
    provider.shutdown()
    counts = spyglass.stats()
    base = best.pop("baseline")
    cost = {key: max(0.0, value - base) for key, value in best.items()}

    table = Table(title=f"Caller-thread cost per span ({n:,} spans, best of {args.rounds} rounds)")
    for column in ("workload", "Spyglass µs", "OpenTelemetry µs", "ratio"):
        table.add_column(column, justify="right" if column != "workload" else "left")
    for key, label in (("observe", "@observe / start_as_current_span"), ("llm", "LLM-call record")):
        table.add_row(label, f"{cost['spyglass ' + key]:.2f}", f"{cost['otel ' + key]:.2f}",
                      f"{cost['spyglass ' + key] / cost['otel ' + key]:.2f}")
    console = Console()
    console.print(table)
    console.print(f"Spyglass exported {counts.get('sent', 0):,} spans, dropped {counts.get('dropped', 0):,}")

    worse = max(("observe", "llm"), key=lambda key: cost[f"spyglass {key}"])
    result = {
        "spyglass_us_per_span": round(cost[f"spyglass {worse}"], 3),
        "otel_us_per_span": round(cost[f"otel {worse}"], 3),  # the same workload on OpenTelemetry
        "ratio": round(cost[f"spyglass {worse}"] / cost[f"otel {worse}"], 3),
        "observe_us_per_span": round(cost["spyglass observe"], 3),
        "llm_record_us_per_span": round(cost["spyglass llm"], 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
