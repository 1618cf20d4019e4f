"""Reproduce the offline backend's accuracy: ``python -m spyglass.evaluators.hallucination.accuracy``.

Scores the held-out test split of each dataset (never used to fit weights or pick the threshold)
with the shipped model and threshold, beside a length-only baseline (answer word count, cut
chosen on the tune split). For halueval_qa, where length alone separates the classes, it also
reports within-pair ranking and a length-matched subset. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spyglass.evaluators.hallucination.data import DATASETS, load_examples
from spyglass.evaluators.hallucination.features_cache import build_table, span_scores
from spyglass.evaluators.hallucination.metrics import balanced_accuracy, best_threshold, f1, pairwise_accuracy
from spyglass.evaluators.hallucination.model import load_model

MATCHED_WORDS = (3, 8)  # halueval answers of 3-8 words: both classes present, length nearly uninformative
REPORT_PATH = Path(__file__).with_name("ACCURACY.md")


def _length_baseline(words: np.ndarray, labels: np.ndarray, tune: np.ndarray, test: np.ndarray) -> float:
    """BAcc on test of "flag when the answer has at least N words", N picked on tune."""
    cut = best_threshold(words[tune], labels[tune])
    return balanced_accuracy(labels[test], words[test] >= cut)


def evaluate(datasets_root: str | None = None) -> dict:
    """Figures per dataset on the test split, as a dict (what the JSON line holds)."""
    model = load_model()
    examples = [e for e in load_examples(datasets_root) if e.split in ("tune", "test")]
    table = build_table(examples, model.idf, model.chunk_tokens)
    scores = span_scores(model.unsupported_probability(table.features), table.span_index, len(examples))
    labels = np.array([e.label for e in examples])
    split = np.array([e.split for e in examples])
    dataset = np.array([e.dataset for e in examples])
    groups = np.array([e.group for e in examples])
    words = np.array([len(e.span.completion.split()) for e in examples])
    flagged = scores >= model.threshold
    results: dict = {"model_version": model.version, "threshold": model.threshold, "datasets": {}}
    for name in DATASETS:
        test, tune = (split == "test") & (dataset == name), (split == "tune") & (dataset == name)
        row = {"n": int(test.sum()), "hallucinated": int(labels[test].sum()),
               "bacc": balanced_accuracy(labels[test], flagged[test]), "f1": f1(labels[test], flagged[test]),
               "length_only_bacc": _length_baseline(words, labels, tune, test)}
        if name == "halueval_qa":
            row["pairwise"] = pairwise_accuracy(scores[test], labels[test], groups[test])
            matched = (words >= MATCHED_WORDS[0]) & (words <= MATCHED_WORDS[1])
            row["matched_n"] = int((test & matched).sum())
            row["matched_bacc"] = balanced_accuracy(labels[test & matched], flagged[test & matched])
            row["matched_length_only_bacc"] = _length_baseline(words, labels, tune & matched, test & matched)
        results["datasets"][name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
    return results


def render_table(results: dict) -> str:
    """The figures as a Markdown table."""
    lines = ["| dataset (test split) | n | hallucinated | BAcc | F1 | length-only BAcc |",
             "|---|---|---|---|---|---|"]
    for name, row in results["datasets"].items():
        lines.append(f"| {name} | {row['n']} | {row['hallucinated']} | {row['bacc']:.3f} | {row['f1']:.3f} "
                     f"| {row['length_only_bacc']:.3f} |")
        if "matched_n" in row:
            lines.append(f"| {name}, answers of {MATCHED_WORDS[0]}-{MATCHED_WORDS[1]} words | {row['matched_n']} | "
                         f"| {row['matched_bacc']:.3f} | | {row['matched_length_only_bacc']:.3f} |")
    for name, row in results["datasets"].items():
        if "pairwise" in row:
            lines.append(f"\n{name}: within-pair ranking accuracy (hallucinated answer scored above the "
                         f"right one) {row['pairwise']:.3f}; length-only ranking would score about the same, "
                         "so this shows consistency, not independence from length.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the table and the JSON line; ``--write`` also refreshes the table in ACCURACY.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default=None, help="folder holding halueval_qa/ and begin_wow/")
    parser.add_argument("--write", action="store_true", help="rewrite the figures block of ACCURACY.md")
    args = parser.parse_args(argv)
    results = evaluate(args.datasets)
    table = render_table(results)
    print(table)
    if args.write and REPORT_PATH.exists():
        text = REPORT_PATH.read_text()
        start, end = "<!-- figures -->", "<!-- /figures -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        REPORT_PATH.write_text(f"{head}{start}\n{table}\n\n```json\n{json.dumps(results)}\n```\n{end}{tail}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
