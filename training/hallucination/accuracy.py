"""Reproduce the offline backend's accuracy: ``python -m spyglass.training.accuracy hallucination``.

Two measurements, each beside a length-only baseline (flag answers of at least N words, N chosen
on the same tune data as the model's threshold):

- in-domain: the shipped model and threshold on each source's test split;
- leave-one-source-out: for each source, IDF, weights and threshold refitted without it (nor the
  synthetic rows built from its contexts), then measured on its test split. The headline is the
  worst of the sources with human labels (begin_wow, halueval_qa, truthfulqa).

Prints a table, then one JSON line (the last line of output). ``--write`` refreshes ACCURACY.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spyglass.training.hallucination.crossdomain import (DEFAULT_C, HEADLINE_SOURCES, Arrays, fit_on, length_baseline,
                                                         span_thresholds)
from spyglass.training.hallucination.data import DATASETS, load_examples
from spyglass.training.hallucination.features_cache import build_table, span_scores
from spyglass.training.hallucination.long_answers import long_answers
from spyglass.training.hallucination.metrics import balanced_accuracy, pairwise_accuracy
from spyglass.evaluators.hallucination.model import load_model
from spyglass.training.hallucination.train import train_idf

REPORT_PATH = Path(__file__).resolve().parents[2] / "evaluators" / "hallucination" / "ACCURACY.md"


def evaluate(datasets_root: str | None = None, c: float = DEFAULT_C) -> dict:
    """In-domain and leave-one-source-out figures per source, as a dict (what the JSON line holds)."""
    model = load_model()
    examples = load_examples(datasets_root)
    a = Arrays.of(examples)
    table = build_table(examples, model.idf, model.chunk_tokens)
    checked = model.checked(table.claim_vectors)  # the shipped claim gate, also in the runs below
    scores = span_scores(np.where(checked, model.unsupported_probability(table.features), 0.0), table.span_index,
                         len(examples))
    thresholds = span_thresholds(model.threshold_for, table.span_index, len(examples), checked)  # as the evaluator
    groups = np.array([e.group for e in examples])
    results: dict = {"model_version": model.version, "threshold": model.threshold, "in_domain": {},
                     "leave_one_source_out": {}}
    for name in DATASETS:
        test = (a.split == "test") & (a.dataset == name)
        row = {"n": int(test.sum()), "hallucinated": int(a.labels[test].sum()),
               "bacc": balanced_accuracy(a.labels[test], scores[test] >= thresholds[test]),
               "length_only_bacc": length_baseline(a, a.split == "tune", test),
               "pairwise": pairwise_accuracy(scores[test], a.labels[test], groups[test])}
        if np.isnan(row["pairwise"]):  # begin_wow: one response per context, no pairs
            row["pairwise"] = None
        results["in_domain"][name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
    for name in DATASETS:
        keep = (a.dataset != name) & (a.origin != name)
        idf = train_idf([e for e, k in zip(examples, keep) if k])
        loso = build_table(examples, idf, model.chunk_tokens)
        _, threshold, loso_scores, loso_thresholds, _ = fit_on(loso.features, loso.span_index, a, keep, c, checked)
        test = (a.split == "test") & (a.dataset == name)
        results["leave_one_source_out"][name] = {
            "n": int(test.sum()), "threshold": round(threshold, 4),
            "bacc": round(balanced_accuracy(a.labels[test], loso_scores[test] >= loso_thresholds[test]), 4),
            "length_only_bacc": round(length_baseline(a, keep & (a.split == "tune"), test), 4)}
    loso = results["leave_one_source_out"]
    worst = min(HEADLINE_SOURCES, key=lambda s: loso[s]["bacc"])
    results["headline"] = {"worst_source": worst, "bacc": loso[worst]["bacc"],
                           "length_only_bacc": min(loso[s]["length_only_bacc"] for s in HEADLINE_SOURCES),
                           "worst_with_synthetic": min(v["bacc"] for v in loso.values())}
    return results


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_table(results: dict) -> str:
    """The figures as a Markdown table."""
    head = results["headline"]
    lines = [f"Headline (leave-one-source-out, worst of {', '.join(HEADLINE_SOURCES)}): BAcc "
             f"**{head['bacc']:.3f}** ({head['worst_source']}); length-only baseline, worst: "
             f"{head['length_only_bacc']:.3f}.", "",
             "| source (test split) | n | hallucinated | in-domain BAcc | length-only | within-pair ranking "
             "| left out: BAcc | left out: length-only |", "|---|---|---|---|---|---|---|---|"]
    for name, row in results["in_domain"].items():
        out = results["leave_one_source_out"][name]
        lines.append(f"| {name} | {row['n']} | {row['hallucinated']} | {row['bacc']:.3f} | "
                     f"{row['length_only_bacc']:.3f} | {_fmt(row['pairwise'])} | {out['bacc']:.3f} | "
                     f"{out['length_only_bacc']:.3f} |")
    if results.get("long_answers"):
        lines += ["", "Long answers (test answers of one source joined, one hallucinated among faithful ones in half): "
                  "BAcc with the threshold per number of claims / with one threshold", "",
                  "| source / answers joined | per number of claims | one threshold |", "|---|---|---|"]
        lines += [f"| {name} | {row['bacc']:.3f} | {row['one_threshold_bacc']:.3f} |"
                  for name, row in results["long_answers"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the table and the JSON line; ``--write`` also refreshes the table in ACCURACY.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default=None, help="folder holding the shared datasets")
    parser.add_argument("--write", action="store_true", help="rewrite the figures block of ACCURACY.md")
    args = parser.parse_args(argv)
    results = evaluate(args.datasets)
    results["long_answers"] = long_answers(load_examples(args.datasets))
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
