"""The PII clean-up rules of another commit beside the working tree's, on the same heads and results.

    python -m spyglass.training.pii_rules_compare [REV] [--cache states.npz]

Runs ``accuracy pii`` (in-domain and leave-one-source-out) once; every measurement is scored with
``evaluators/pii_refine.py`` as it is at ``REV`` (default HEAD) and as it is now. The heads and
Presidio's raw results are shared, so the difference is the rules' alone (separate runs differ
by a few thousandths: the left-out heads train on threads). Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from spyglass.training import accuracy_pii
from spyglass.training.pii_data import Entity, score_entities
from spyglass.training.toxicity_data import DEFAULT_DATASETS

ROOT = Path(__file__).resolve().parents[1]


def rules_at(rev: str):
    """``pii_refine`` as it is at ``rev``, loaded as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:evaluators/pii_refine.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "pii_refine_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("pii_refine_before", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", nargs="?", default="HEAD")
    parser.add_argument("--cache", type=Path, help="npz file keeping MiniLM token states between runs")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    args = parser.parse_args()
    before = rules_at(args.rev)
    before_figures = []
    score_now = accuracy_pii._merge_and_score

    def score_both(evaluator, rows, raw, heads):  # type: ignore[no-untyped-def]
        raw, heads = list(raw), list(heads)
        predicted = [[Entity(x.entity_type, x.start, x.end) for x in before.refine_results(row.text, list(r) + list(h))
                      if row.annotates(x.entity_type)] for row, r, h in zip(rows, raw, heads)]
        before_figures.append(accuracy_pii._figures(score_entities([row.scored() for row in rows], predicted), len(rows)))
        return score_now(evaluator, rows, raw, heads)

    accuracy_pii._merge_and_score = score_both
    out = accuracy_pii.pii_accuracy(args.datasets, cache=args.cache)
    names = [("in-domain", s) for s in out["in_domain"]] + [("left out", s) for s in out["leave_one_source_out"]]
    now = list(out["in_domain"].values()) + list(out["leave_one_source_out"].values())
    for (kind, source), old, new in zip(names, before_figures, now):
        print(f"{kind:9} {source:12} " + " | ".join(
            f"{label} P {f['precision']:.4f} R {f['recall']:.4f} F2 {f['f2']:.4f}"
            for label, f in ((args.rev, old), ("now", new))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
