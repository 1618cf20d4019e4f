"""All evaluators together on a GPU across settings, in one process: precision, token budget,
engine micro-batch, evaluator lanes and Presidio's worker processes.

    python bench/gpu_matrix.py [--spans 10000] [--device cuda] [--pii-processes 12]

Each row scores its own fresh demo-like spans (``bench/evaluators.make_spans``) through
``run_evaluators`` after a warm-up, with the GPU's utilisation and peak memory sampled by
``nvidia-smi`` (``gpu_stats``). The first row is the default (fp16, 65,536 tokens, 1,024 spans,
the worker pool); every other row changes one setting, so the ratios to it say what each is worth.
The table goes to stderr, one JSON line per row to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluators import _measure, make_spans  # noqa: E402  (bench/evaluators.py)
from gpu_stats import GpuSampler  # noqa: E402


def rows(pii_processes: int) -> list[dict]:
    """The default setting, then one change at a time."""
    base = {"precision": "fp16", "token_budget": 65_536, "batch": 1024, "pii_processes": pii_processes, "lanes": 2}
    changes = [{}, {"precision": "bf16"}, {"precision": "fp32"}, {"token_budget": 16_384},
               {"token_budget": 262_144}, {"batch": 256}, {"batch": 4096}, {"lanes": 3}, {"pii_processes": 0}]
    return [{**base, **change} for change in changes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=10_000, help="spans per row (default 10,000)")
    parser.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    parser.add_argument("--pii-processes", type=int, default=12)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.hallucination import HallucinationEvaluator
    from spyglass.evaluators.pii import PIIEvaluator
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity

    console = Console(stderr=True)
    toxicity, hallucination = EmbeddingHeadToxicity(), HallucinationEvaluator()
    pii = {n: PIIEvaluator(processes=n) for n in {0, args.pii_processes}}
    table = Table(title=f"all evaluators on {args.device}, {args.spans} spans per row")
    for col in ("precision", "token budget", "micro-batch", "PII workers", "lanes", "spans/s", "vs first", "GPU util %", "GPU MiB"):
        table.add_column(col, justify="right")
    first = None
    for seed, row in enumerate(rows(args.pii_processes), start=100):
        encoder = SentenceEncoder(device=args.device, precision=row["precision"], token_budget=row["token_budget"])
        ctx = EvalContext(encoder=encoder, device=args.device)
        evaluators = [toxicity, pii[row["pii_processes"]], hallucination]
        _measure(make_spans(256, seed=10_000 + seed), evaluators, ctx, min(256, row["batch"]), row["lanes"])  # warm-up
        with GpuSampler() as gpu:
            rate = _measure(make_spans(args.spans, seed), evaluators, ctx, row["batch"], row["lanes"])
        first = first or rate
        stats = gpu.summary()
        table.add_row(row["precision"], str(row["token_budget"]), str(row["batch"]), str(row["pii_processes"]),
                      str(row["lanes"]), f"{rate:.0f}", f"{rate / first:.2f}x", str(stats.get("gpu_util_mean_pct", "-")),
                      str(stats.get("gpu_mem_max_mib", "-")))
        print(json.dumps({**row, "spans_per_s": round(rate, 1), **stats}), flush=True)
        del encoder, ctx
    console.print(table)
    for evaluator in pii.values():
        evaluator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
