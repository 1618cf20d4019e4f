"""Throughput of the hallucination evaluator: ``python -m spyglass.training.hallucination.bench``.

Scores the same spans (begin_wow test responses with their knowledge) batched and one span at a
time, each with a cold encoder cache, and prints spans/s for both; the last line is JSON.
``bench/evaluators.py`` can call ``measure_throughput`` directly.
"""

from __future__ import annotations

import argparse
import json
import time

from spyglass.evaluators.base import EvalContext
from spyglass.training.hallucination.data import load_examples
from spyglass.evaluators.hallucination.evaluator import HallucinationEvaluator


def sample_spans(n: int, datasets_root: str | None = None) -> list[dict]:
    """``n`` realistic spans: begin_wow test responses, their knowledge snippet as context."""
    examples = [e for e in load_examples(datasets_root) if e.dataset == "begin_wow" and e.split == "test"][:n]
    return [{"span_id": e.key, "prompt": e.span.prompt, "completion": e.span.completion,
             "context": e.span.documents, "context_sources": e.span.sources} for e in examples]


def measure_throughput(n: int = 256, batch: int = 64, device: str = "auto", cross_encoder: str | None = None,
                       datasets_root: str | None = None) -> dict:
    """Spans/s of ``evaluate`` over batches of ``batch`` spans and over single spans (cold caches)."""
    from spyglass.evaluators.encoder import SentenceEncoder, pick_device

    device = pick_device(device)
    backend = None
    if cross_encoder:
        from spyglass.evaluators.hallucination.nli import CrossEncoderBackend

        backend = CrossEncoderBackend(cross_encoder, device=device)
    evaluator = HallucinationEvaluator(backend)
    spans = sample_spans(n, datasets_root)
    figures = {"backend": evaluator.backend.name, "device": device, "spans": len(spans), "batch": batch}
    for mode, size in (("batched", batch), ("one_at_a_time", 1)):
        ctx = EvalContext(encoder=SentenceEncoder(device=device), device=device)  # cold cache per mode
        ctx.encoder.embed(["warm-up"])
        start = time.perf_counter()
        for i in range(0, len(spans), size):
            evaluator.evaluate(spans[i:i + size], ctx)
        figures[f"{mode}_spans_per_s"] = round(len(spans) / (time.perf_counter() - start), 2)
    figures["speedup"] = round(figures["batched_spans_per_s"] / figures["one_at_a_time_spans_per_s"], 2)
    return figures


def main(argv: list[str] | None = None) -> None:
    """Print both figures, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cross-encoder", default=None, help="local path or hub id of an NLI cross-encoder")
    parser.add_argument("--datasets", default=None)
    args = parser.parse_args(argv)
    figures = measure_throughput(args.spans, args.batch, args.device, args.cross_encoder, args.datasets)
    print(f"hallucination [{figures['backend']}, {figures['device']}]: "
          f"batched {figures['batched_spans_per_s']} spans/s, "
          f"one at a time {figures['one_at_a_time_spans_per_s']} spans/s (x{figures['speedup']})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
