"""Hallucination evaluator throughput, this tree's model beside an earlier revision's, in one run.

    nice -n 10 python bench/hallucination_models.py [--baseline 31d4f98] [--spans 256] [--batch 64] [--rounds 2]

The baseline's ``evaluators/hallucination`` package is taken from git into a temporary folder
(imports renamed), so both run in the same process on the same spans (begin_wow test responses
with their knowledge snippet), with the encoder's cache emptied before every timed pass and the
two alternating. Last line: JSON with spans/s of each and the load average.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def baseline_evaluator(revision: str) -> object:
    """``HallucinationEvaluator`` of ``revision``, imported as package ``halluc_baseline``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "evaluators/hallucination"],
                             check=True, capture_output=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="halluc-baseline-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "halluc_baseline"
    (folder / "evaluators" / "hallucination").rename(package)
    for path in package.glob("*.py"):
        path.write_text(path.read_text().replace("spyglass.evaluators.hallucination", "halluc_baseline"))
    sys.path.insert(0, str(folder))
    return importlib.import_module("halluc_baseline").HallucinationEvaluator()


def timed(evaluator: object, spans: list[dict], ctx: object, batch: int) -> float:
    """Spans/s of ``evaluate`` over ``spans`` in batches, from an empty encoder cache."""
    with ctx.encoder._lock:  # cold cache: both models pay for their own embeddings
        ctx.encoder._cache.clear()
    started = time.perf_counter()
    for i in range(0, len(spans), batch):
        evaluator.evaluate(spans[i:i + batch], ctx)
    return len(spans) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="31d4f98", help="git revision of the earlier model")
    parser.add_argument("--spans", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.hallucination import HallucinationEvaluator
    from spyglass.training.hallucination.bench import sample_spans

    ctx = EvalContext(encoder=SentenceEncoder(device="cpu"), device="cpu")
    models = {"baseline": baseline_evaluator(args.baseline), "current": HallucinationEvaluator()}
    spans = sample_spans(args.spans)
    for evaluator in models.values():  # warm-up
        evaluator.evaluate(spans[:16], ctx)
    best = {name: 0.0 for name in models}
    for _ in range(args.rounds):
        for name, evaluator in models.items():
            best[name] = max(best[name], timed(evaluator, spans, ctx, args.batch))
    for name, rate in best.items():
        print(f"{name:<9} {rate:7.1f} spans/s", file=sys.stderr)
    print(json.dumps({"baseline_revision": args.baseline, "baseline_spans_per_s": round(best["baseline"], 1),
                      "current_spans_per_s": round(best["current"], 1),
                      "ratio": round(best["current"] / best["baseline"], 2), "spans": args.spans,
                      "batch": args.batch, "load_avg_1m": round(os.getloadavg()[0], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
