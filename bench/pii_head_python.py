"""The PII head's Python per token (surface features and span decoding), beside a baseline commit's.

    python bench/pii_head_python.py [--baseline 7b078d2] [--spans 300] [--rounds 3]

This is the part of the PII evaluator that no GPU speeds up: it runs for every token of every
line. The token states come from one encoder pass over the prompts and completions of
``--spans`` demo-like spans (``bench/evaluators.make_spans``). Then the baseline's
``evaluators/pii_head.py`` (read with ``git show``) and the current one alternate for
``--rounds`` rounds, and the features must come out identical. Prints µs per token for each, and
their ratio, in JSON last.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluators import make_spans  # noqa: E402  (bench/evaluators.py)

REPO = Path(__file__).resolve().parents[1]


def load_baseline(commit: str, folder: Path):
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:evaluators/pii_head.py"],
                            check=True, capture_output=True).stdout
    (folder / "pii_head_baseline.py").write_bytes(source)
    spec = importlib.util.spec_from_file_location("pii_head_baseline", folder / "pii_head_baseline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def time_per_token(module, texts, states, probs) -> float:
    started = time.perf_counter()
    for text, ts, p in zip(texts, states, probs):
        module.surface_features(text, ts.offsets)
        module.decode(text, ts.offsets, p)
    return (time.perf_counter() - started) / sum(len(ts.offsets) for ts in states) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="7b078d2", help="git commit of the earlier pii_head.py")
    parser.add_argument("--spans", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from spyglass.evaluators import pii_head
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.encoder_tokens import token_states

    spans = make_spans(args.spans, seed=3)
    texts = [t for s in spans for t in (s["prompt"], s["completion"])]
    states = token_states(SentenceEncoder(device="cpu"), texts)
    head = pii_head.PIITokenHead.load()
    probs = [head.probabilities(pii_head.head_inputs(t, ts)) for t, ts in zip(texts, states)]
    with tempfile.TemporaryDirectory() as tmp:
        baseline = load_baseline(args.baseline, Path(tmp))
        for text, ts in zip(texts, states):
            assert np.array_equal(baseline.surface_features(text, ts.offsets), pii_head.surface_features(text, ts.offsets))
        times: dict[str, list[float]] = {"baseline": [], "current": []}
        for _ in range(args.rounds):
            times["baseline"].append(time_per_token(baseline, texts, states, probs))
            times["current"].append(time_per_token(pii_head, texts, states, probs))
    best = {k: min(v) for k, v in times.items()}
    print(f"µs per token, best of {args.rounds}: baseline {args.baseline} {best['baseline']:.2f}, "
          f"current {best['current']:.2f} ({best['baseline'] / best['current']:.2f}x)", file=sys.stderr)
    print(json.dumps({"baseline": args.baseline, "tokens": sum(len(ts.offsets) for ts in states),
                      "baseline_us_per_token": round(best["baseline"], 2),
                      "current_us_per_token": round(best["current"], 2),
                      "ratio": round(best["baseline"] / best["current"], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
