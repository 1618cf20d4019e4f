"""Do the evaluators give the same scores on a GPU as on the CPU? Scores of demo-like spans, compared.

    python bench/gpu_scores.py --device cpu --precision fp32 --out cpu.json       # the reference
    python bench/gpu_scores.py --device cuda --precision fp16 --compare cpu.json  # on the GPU

Scores ``--spans`` spans (default 1,000, from ``bench/evaluators.make_spans``, seed 7) with all three
built-in evaluators and writes ``{span_id: {evaluator: score}}``. With ``--compare`` it prints, per
evaluator, the largest and the 99th-percentile absolute difference from the reference, how many
spans differ by more than 1e-3, and how many changed their flag; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluators import make_spans  # noqa: E402  (bench/evaluators.py)


def score_spans(n: int, device: str, precision: str, batch: int) -> dict[str, dict[str, list]]:
    """``{span_id: {evaluator: [score, flagged]}}`` for ``n`` spans."""
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.engine import run_evaluators
    from spyglass.evaluators.hallucination import HallucinationEvaluator
    from spyglass.evaluators.pii import PIIEvaluator
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity

    ctx = EvalContext(encoder=SentenceEncoder(device=device, precision=precision), device=device)
    evaluators = [EmbeddingHeadToxicity(), PIIEvaluator(), HallucinationEvaluator()]
    spans = make_spans(n, seed=7)
    out: dict[str, dict[str, list]] = {}
    for i in range(0, n, batch):
        for span_id, scores in run_evaluators(spans[i:i + batch], evaluators, ctx).items():
            out[span_id] = {name: [s.score, bool(s.flagged)] for name, s in scores.items()}
    return out


def compare(scores: dict, reference: dict) -> dict[str, dict[str, float]]:
    """Per evaluator: max and p99 absolute difference, spans over 1e-3, flags that changed.

    A span one side could not evaluate (NaN: no context to check against) and the other could counts
    as a difference of 1; NaN on both sides as none.
    """
    report = {}
    names = sorted({name for row in reference.values() for name in row})
    for name in names:
        pairs = [(scores[sid][name], ref[name]) for sid, ref in reference.items()
                 if name in ref and name in scores.get(sid, {})]
        diffs = np.array([_diff(a[0], b[0]) for a, b in pairs])
        report[name] = {"spans": len(pairs), "max_abs_diff": float(diffs.max()) if len(diffs) else 0.0,
                        "p99_abs_diff": float(np.quantile(diffs, 0.99)) if len(diffs) else 0.0,
                        "over_1e-3": int((diffs > 1e-3).sum()), "flag_changes": sum(a[1] != b[1] for a, b in pairs)}
    return report


def _diff(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else 1.0
    return abs(a - b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16", "int8"])
    parser.add_argument("--out", help="write the scores here")
    parser.add_argument("--compare", help="a reference written by --out")
    args = parser.parse_args(argv)
    scores = score_spans(args.spans, args.device, args.precision, args.batch)
    if args.out:
        Path(args.out).write_text(json.dumps(scores))
    if args.compare:
        report = compare(scores, json.loads(Path(args.compare).read_text()))
        for name, row in report.items():
            print(f"{name:14s} {args.device}/{args.precision} vs reference: max |diff| {row['max_abs_diff']:.2e}, "
                  f"p99 {row['p99_abs_diff']:.2e}, {row['over_1e-3']} of {row['spans']} over 1e-3, "
                  f"{row['flag_changes']} flags changed", file=sys.stderr)
        print(json.dumps({"device": args.device, "precision": args.precision, "report": report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
