"""Reproduce the evaluators' accuracy figures on the held-out test splits.

    python -m spyglass.training.accuracy toxicity [--no-loso] [--held-out-precision int8]   # see accuracy_toxicity.py
    python -m spyglass.training.accuracy toxicity --backend detoxify --checkpoint PATH [--model original]
    python -m spyglass.training.accuracy pii [--no-loso] [--spacy-ner] [--cache PATH]  (see accuracy_pii.py)
    python -m spyglass.training.accuracy hallucination [--write]

Prints a table, then one JSON line with the figures (the last line of output).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from spyglass.training.toxicity_data import DEFAULT_DATASETS


def toxicity_accuracy(datasets_dir: Path, backend: str = "embedding-head", checkpoint: str | None = None,
                      model: str = "original", device: str = "cpu", cascade: bool = True) -> dict[str, Any]:
    """ROC AUC, and precision / recall / F1 at the shipped threshold, on the test split, per source.

    ``roc_auc`` is over the labelled sets (davidson + hatexplain); ``benign_llm`` (non-toxic
    LLM-style text) adds the false-positive rate on text like a model's answers.
    """
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    from spyglass.core.settings import EvaluatorSettings
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.toxicity import build_toxicity_evaluator
    from spyglass.training.encoding import training_precision
    from spyglass.training.toxicity_data import load_benign_text, load_toxicity_data

    settings = EvaluatorSettings(toxicity_backend=backend, detoxify_checkpoint=checkpoint, detoxify_model=model,
                                 device=device)
    evaluator = build_toxicity_evaluator(settings)
    if hasattr(evaluator, "cascade"):
        evaluator.cascade = cascade
    ctx = EvalContext(encoder=SentenceEncoder(device=device, precision=training_precision()), device=device)
    rows = [r for r in load_toxicity_data(datasets_dir) + load_benign_text(datasets_dir) if r.split == "test"]
    started = time.perf_counter()
    scores = []
    for i in range(0, len(rows), 1024):
        chunk = rows[i:i + 1024]
        scores += evaluator.evaluate([{"span_id": str(j), "completion": r.text} for j, r in enumerate(chunk)], ctx)
    seconds = time.perf_counter() - started
    probs = np.array([s.score for s in scores])
    flags = np.array([s.flagged for s in scores])
    labels = np.array([r.toxic for r in rows])
    sources = np.array([r.source for r in rows])
    out: dict[str, Any] = {"evaluator": "toxicity", "backend": evaluator.version, "split": "test",
                           "cascade": bool(getattr(evaluator, "cascade", False)),
                           "texts_per_s": round(len(rows) / seconds, 1), "by_source": {}}
    labelled = sources != "benign_llm"
    for name, mask in [("davidson", sources == "davidson"), ("hatexplain", sources == "hatexplain"),
                       ("labelled", labelled), ("labelled+benign_llm", np.ones(len(rows), bool))]:
        p, r, f, _ = precision_recall_fscore_support(labels[mask], flags[mask], average="binary", zero_division=0)
        out["by_source"][name] = {"n": int(mask.sum()), "positives": int(labels[mask].sum()),
                                  "roc_auc": round(float(roc_auc_score(labels[mask], probs[mask])), 4),
                                  "precision": round(float(p), 4), "recall": round(float(r), 4),
                                  "f1": round(float(f), 4)}
    benign = ~labelled
    out["benign_llm_false_positive_rate"] = round(float(flags[benign].mean()), 4)
    out["benign_llm_n"] = int(benign.sum())
    out["roc_auc"] = out["by_source"]["labelled"]["roc_auc"]
    return out


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    if result["evaluator"] == "toxicity":
        table = Table(title=f"toxicity ({result['backend']}), test split")
        for col in ("source", "n", "toxic", "ROC AUC", "precision", "recall", "F1"):
            table.add_column(col)
        for name, m in result["by_source"].items():
            table.add_row(name, str(m["n"]), str(m["positives"]), f"{m['roc_auc']:.4f}",
                          f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
        table.caption = (f"benign LLM-style text: {result['benign_llm_false_positive_rate']:.1%} flagged "
                         f"(n={result['benign_llm_n']}); ROC AUC headline = labelled sets")
    Console(stderr=True).print(table)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry; prints the table (stderr) and the JSON line (stdout)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["hallucination"]:  # its own report, leave-one-source-out included
        from spyglass.training.hallucination.accuracy import main as hallucination_accuracy

        hallucination_accuracy(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("evaluator", choices=["toxicity", "pii"])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--backend", default="embedding-head", choices=["embedding-head", "detoxify"])
    parser.add_argument("--checkpoint", help="Detoxify checkpoint (.ckpt) for --backend detoxify")
    parser.add_argument("--model", default="original", choices=["original", "unbiased", "multilingual"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--presidio-defaults", action="store_true", help="PII baseline: Presidio as shipped")
    parser.add_argument("--no-cascade", action="store_true", help="embed every text (toxicity head)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out refits")
    parser.add_argument("--held-out-precision", choices=["fp32", "int8"],
                        help="toxicity: embed each left-out source at this precision, the refits at the training "
                             "precision (int8: as a running Spyglass scores with heads trained on fp32)")
    parser.add_argument("--spacy-ner", action="store_true", help="PII: the previous pipeline (spaCy NER, no head)")
    parser.add_argument("--cache", type=Path, help="PII: npz file keeping MiniLM token states between runs")
    args = parser.parse_args(argv)
    if args.evaluator == "toxicity" and args.backend == "embedding-head":
        from spyglass.training.accuracy_toxicity import print_tables, toxicity_report

        result = toxicity_report(args.datasets, loso=not args.no_loso, held_out_precision=args.held_out_precision)
        print_tables(result)
        print(json.dumps(result))
        return 0
    if args.evaluator == "toxicity":
        result = toxicity_accuracy(args.datasets, args.backend, args.checkpoint, args.model, args.device,
                                   cascade=not args.no_cascade)
        _print_table(result)
    else:
        from spyglass.training.accuracy_pii import pii_accuracy, print_pii_table

        result = pii_accuracy(args.datasets, tuned=not args.presidio_defaults, head=not args.spacy_ner,
                              loso=not args.no_loso, cache=args.cache)
        print_pii_table(result)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
