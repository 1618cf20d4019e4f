"""Toxicity alone: the shipped model beside an earlier one (code and files from a git commit), same run.

    nice -n 10 python bench/toxicity_models.py [--baseline c86a874] [--spans 1000] [--rounds 2]

The baseline's ``evaluators/toxicity.py`` and ``models/toxicity_head.*`` are read with
``git show`` into a temporary folder and imported from there. Both models score the spans of
``bench/evaluators.py`` through ``run_evaluators`` in micro-batches of 256; the phases alternate
(baseline, new, baseline, new...) and each scores its own fresh spans with its own encoder, so
no model profits from the other's caches and both see the same machine load. Prints a table (stderr) and one
JSON line with each model's spans/s (best and mean of the rounds).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluators import _measure, make_spans  # noqa: E402  (bench/evaluators.py, run as a script)

REPO = Path(__file__).resolve().parents[1]


def load_baseline(commit: str, folder: Path):
    """The toxicity evaluator class as it was at ``commit``, with that commit's model files."""
    models = folder / "models"
    models.mkdir(parents=True, exist_ok=True)
    for name in ("toxicity_head.npz", "toxicity_head.json"):
        blob = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:evaluators/models/{name}"],
                              check=True, capture_output=True).stdout
        (models / name).write_bytes(blob)
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:evaluators/toxicity.py"],
                            check=True, capture_output=True).stdout
    (folder / "toxicity_baseline.py").write_bytes(source)
    spec = importlib.util.spec_from_file_location("toxicity_baseline", folder / "toxicity_baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.EmbeddingHeadToxicity(model_dir=models)


def main(argv: list[str] | None = None) -> int:
    """Alternate baseline and shipped model; table on stderr, JSON summary last on stdout."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="c86a874", help="git commit of the earlier model (default c86a874)")
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity

    with tempfile.TemporaryDirectory() as tmp:
        models = {"baseline": load_baseline(args.baseline, Path(tmp)), "shipped": EmbeddingHeadToxicity()}
        # an encoder each: one model's passes must not fill the other's caches
        contexts = {name: EvalContext(encoder=SentenceEncoder(device="cpu"), device="cpu") for name in models}
        for name, model in models.items():  # warm-up
            _measure(make_spans(32, seed=999), [model], contexts[name], 32)
        runs: dict[str, list[float]] = {name: [] for name in models}
        seed = 100
        for _ in range(args.rounds):
            for name, model in models.items():
                seed += 1
                runs[name].append(_measure(make_spans(args.spans, seed), [model], contexts[name], args.batch))
        versions = {name: m.version for name, m in models.items()}
    table = Table(title=f"toxicity alone, {args.spans} spans x {args.rounds} rounds, batches of {args.batch}")
    for col in ("model", "version", "best spans/s", "mean spans/s"):
        table.add_column(col)
    summary = {}
    for name, values in runs.items():
        summary[name] = {"version": versions[name], "best_spans_per_s": round(max(values), 1),
                         "mean_spans_per_s": round(sum(values) / len(values), 1)}
        table.add_row(name, versions[name], f"{max(values):.1f}", f"{sum(values) / len(values):.1f}")
    Console(stderr=True).print(table)
    print(json.dumps({**summary, "load_avg_1m": round(os.getloadavg()[0], 2), "cpu_count": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
