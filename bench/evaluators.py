"""Evaluator throughput: spans/s through the engine, batched, beside the same models one span at a time.

    nice -n 10 python bench/evaluators.py [--spans 1000] [--unbatched-spans 200] [--batch 256] [--device auto] [--precision auto] [--no-before]
        [--token-budget N] [--pii-processes N] [--only PHASES]

Spans are generated LLM-style calls (support answers, code help, summaries; some with PII in
prompt or completion, some rude). Every phase scores its own fresh spans, so no phase profits
from an earlier phase's embedding cache; warm-up runs are excluded. Prints a table (stderr) and,
last, one JSON line with batched_spans_per_s, unbatched_spans_per_s, ratio, device and the
encoder's precision (int8 through ONNX Runtime on CPU, fp16 on CUDA; see ``pick_precision``).
On a GPU each batched phase also reports the GPU's mean utilisation and peak memory (``gpu_stats``).
When that precision is not fp32, the phase "all-fp32" runs the same three evaluators on an fp32
encoder in the same run, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from typing import Any

FIRST = ["Maria", "John", "Aiko", "Lars", "Fatima", "Carlos", "Priya", "Tomasz", "Grace", "Omar"]
LAST = ["Garcia", "Smith", "Tanaka", "Nilsson", "Haddad", "Rossi", "Patel", "Nowak", "Kim", "Okafor"]
STREETS = ["Maple Street", "Oak Avenue", "Sunset Boulevard", "Church Road", "Hill Lane"]
TOPICS = ["the refund policy", "resetting a password", "the quarterly sales report", "Python list comprehensions",
          "the shipping delay", "a SQL query that joins two tables", "the new pricing plan", "GDPR data requests",
          "a failing unit test", "the onboarding checklist"]
SENTENCES = [
    "Here is a short summary of {topic}.", "The main point is that {topic} changed last quarter.",
    "You can find more details in the documentation under the settings page.",
    "First, open the dashboard and select the project you want to change.",
    "If the problem persists, clear the cache and try again in a few minutes.",
    "I checked the logs and the error comes from a timeout in the payment service.",
    "Let me know if you would like me to draft an email about {topic}.",
    "The function returns a list, so you can iterate over it with a simple for loop.",
    "Overall the numbers look healthy, with revenue up eight percent year over year.",
    "Please note that this answer is based on the context you provided.",
]
PII_SENTENCES = [
    "You can reach {name} at {email} or on {phone}.", "The account belongs to {name}, SSN {ssn}.",
    "Ship it to {name}, {number} {street}, Springfield.", "The card on file is {card}.",
]
RUDE = ["Honestly, that is a stupid question and you are an idiot for asking it.",
        "Shut up and read the manual, moron.", "Nobody cares about your pathetic little problem."]
SYSTEM = "You are a helpful assistant for Acme Corp. Answer concisely and cite the context when possible."


def _fill(template: str, rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return template.format(
        topic=rng.choice(TOPICS), name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.com",
        phone=f"212-555-{rng.randint(1000, 9999)}", ssn=f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        card="4111 1111 1111 1111", number=rng.randint(1, 9999), street=rng.choice(STREETS))


def make_spans(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` normalized span rows with LLM-like prompts and completions (2-12 sentences)."""
    rng = random.Random(seed)
    spans = []
    for i in range(n):
        body = [_fill(rng.choice(SENTENCES), rng) for _ in range(rng.randint(2, 12))]
        if rng.random() < 0.2:
            body.insert(rng.randrange(len(body) + 1), _fill(rng.choice(PII_SENTENCES), rng))
        if rng.random() < 0.05:
            body.insert(0, rng.choice(RUDE))
        question = f"Question {rng.randint(1, 10**6)}: can you help me with {rng.choice(TOPICS)}?"
        if rng.random() < 0.2:
            question += " " + _fill(rng.choice(PII_SENTENCES), rng)
        # 70% are retrieval-augmented: two documents sharing some of the answer's sentences
        context = []
        if rng.random() < 0.7:
            context = [" ".join([*rng.sample(body, min(2, len(body))),
                                 *(_fill(rng.choice(SENTENCES), rng) for _ in range(3))]) for _ in range(2)]
        spans.append({"span_id": f"s{seed}-{i}", "trace_id": f"t{seed}-{i}", "prompt": f"{SYSTEM}\n{question}",
                      "completion": " ".join(body), "context": context, "model": "bench-model"})
    return spans


def _measure(spans: list[dict[str, Any]], evaluators: list[Any], ctx: Any, batch: int, lanes: int | None = None) -> float:
    """Spans per second through ``run_evaluators`` in micro-batches of ``batch`` spans."""
    from spyglass.evaluators.engine import EVALUATOR_LANES, run_evaluators

    started = time.perf_counter()
    for i in range(0, len(spans), batch):
        results = run_evaluators(spans[i:i + batch], evaluators, ctx, lanes or EVALUATOR_LANES)
        errors = [s for r in results.values() for s in r.values() if s.label == "error"]
        if errors:
            raise RuntimeError(f"evaluator error during the benchmark: {errors[0].details}")
    return len(spans) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Run every phase; table on stderr, JSON summary as the last stdout line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=1000, help="spans per batched phase (default 1000)")
    parser.add_argument("--unbatched-spans", type=int, default=200, help="spans per one-at-a-time phase")
    parser.add_argument("--batch", type=int, default=256, help="spans per engine micro-batch (default 256)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16", "int8"],
                        help="the encoder's precision (default auto: int8 on CPU where onnxruntime is installed)")
    parser.add_argument("--no-before", action="store_true",
                        help="skip the comparison phases: the previous PII pipeline, and the fp32 encoder when "
                             "the chosen precision is another")
    parser.add_argument("--token-budget", type=int, help="padded tokens per encoder batch (default: the encoder's)")
    parser.add_argument("--pii-processes", type=int, default=0,
                        help="worker processes for Presidio's pattern stage (default 0: on the evaluator's thread)")
    parser.add_argument("--lanes", type=int, help="evaluators run side by side (default: the engine's; 1 for a "
                        "profile, which sees the calling thread only)")
    parser.add_argument("--only", help="comma-separated phases to run (e.g. pii,pii-before,all,all-before); default every phase")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder, pick_device
    from spyglass.evaluators.engine import EVALUATOR_LANES
    from spyglass.evaluators.hallucination import HallucinationEvaluator
    from spyglass.evaluators.pii import PIIEvaluator
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity
    from gpu_stats import GpuSampler

    console = Console(stderr=True)
    device = pick_device(args.device)
    ctx = EvalContext(encoder=SentenceEncoder(device=device, precision=args.precision,
                                              token_budget=args.token_budget), device=device)
    suites = {"toxicity": [EmbeddingHeadToxicity()], "pii": [PIIEvaluator(processes=args.pii_processes)],
              "hallucination": [HallucinationEvaluator()]}
    suites["all"] = suites["toxicity"] + suites["pii"] + suites["hallucination"]
    if not args.no_before:  # the previous PII pipeline (spaCy NER instead of the token head), same run
        suites["pii-before"] = [PIIEvaluator(head=False)]  # spaCy NER, no token head
        suites["all-before"] = suites["toxicity"] + suites["pii-before"] + suites["hallucination"]
    contexts = dict.fromkeys(suites, ctx)
    if not args.no_before and ctx.encoder.precision != "fp32":  # the same models on the fp32 encoder, same run
        suites["all-fp32"] = suites["all"]
        contexts["all-fp32"] = EvalContext(encoder=SentenceEncoder(device=device, precision="fp32",
                                                                   token_budget=args.token_budget), device=device)
    if args.only:
        suites = {k: v for k, v in suites.items() if k in args.only.split(",")}
    for name, evaluators in suites.items():  # warm-up: first calls allocate, JIT and fill spaCy's caches
        _measure(make_spans(32, seed=999), evaluators, contexts[name], 32, args.lanes)

    sample = make_spans(200, seed=12345)
    mean_tokens = sum(ctx.encoder.tokenizer_lengths([s["completion"] for s in sample])) / len(sample)
    figures: dict[str, dict[str, float]] = {}
    seed = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("benchmarking", total=2 * len(suites))
        for name, evaluators in suites.items():
            seed += 1
            with GpuSampler() as gpu:
                batched = _measure(make_spans(args.spans, seed), evaluators, contexts[name], args.batch, args.lanes)
            progress.advance(task)
            seed += 1
            unbatched = _measure(make_spans(args.unbatched_spans, seed), evaluators, contexts[name], 1, args.lanes)
            progress.advance(task)
            figures[name] = {"batched_spans_per_s": round(batched, 1), "unbatched_spans_per_s": round(unbatched, 1),
                             "ratio": round(batched / unbatched, 2), **gpu.summary()}

    table = Table(title=f"evaluator throughput on {device} ({args.spans} spans batched by {args.batch}, "
                        f"{args.unbatched_spans} one at a time)")
    on_gpu = any("gpu_util_mean_pct" in f for f in figures.values())
    for col in ("evaluators", "batched spans/s", "one-at-a-time spans/s", "ratio") + (("GPU util %", "GPU MiB") if on_gpu else ()):
        table.add_column(col, justify="right" if col != "evaluators" else "left")
    for name, f in figures.items():
        gpu_cells = (f"{f.get('gpu_util_mean_pct', '-')}", f"{f.get('gpu_mem_max_mib', '-')}") if on_gpu else ()
        table.add_row(name, f"{f['batched_spans_per_s']:.1f}", f"{f['unbatched_spans_per_s']:.1f}", f"{f['ratio']:.2f}x",
                      *gpu_cells)
    console.print(table)
    # the machine is shared: the load average says how much of it the run had
    summary = {**figures.get("all", {}), "device": device, "encoder_precision": ctx.encoder.precision,
               "evaluator_lanes": args.lanes or EVALUATOR_LANES, "spans": args.spans, "batch": args.batch,
               "token_budget": ctx.encoder.token_budget, "pii_processes": args.pii_processes,
               "mean_completion_tokens": round(mean_tokens, 1), "load_avg_1m": round(os.getloadavg()[0], 2),
               "cpu_count": os.cpu_count(), "per_evaluator": {k: v for k, v in figures.items() if k != "all"}}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
