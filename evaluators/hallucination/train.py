"""Train the offline groundedness classifier: ``python -m spyglass.evaluators.hallucination.train``.

Fits a logistic regression on claim features of the train split of halueval_qa and begin_wow
(each dataset weighted equally, no length feature), picks the threshold on the tune split, and
writes ``models/groundedness_lr.json``. The test split is never read here. Needs scikit-learn.
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

from spyglass.evaluators.hallucination.data import DATASETS, load_examples
from spyglass.evaluators.hallucination.evidence import FEATURE_NAMES
from spyglass.evaluators.hallucination.features_cache import build_table, span_scores
from spyglass.evaluators.hallucination.lexical import idf_table
from spyglass.evaluators.hallucination.metrics import balanced_accuracy, best_threshold
from spyglass.evaluators.hallucination.model import MODEL_PATH, GroundednessModel

CHUNK_TOKENS = 128


def main(argv: list[str] | None = None) -> None:
    """Train, tune the threshold, save the model, print tune-split figures."""
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default=None, help="folder holding halueval_qa/ and begin_wow/")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    parser.add_argument("--fit-on", default=",".join(DATASETS), help="datasets whose train split fits weights")
    args = parser.parse_args(argv)

    examples = [e for e in load_examples(args.datasets) if e.split != "test"]
    train_docs = sorted({d for e in examples if e.split == "train" for d in e.span.documents})
    idf = idf_table(train_docs)
    table = build_table(examples, idf, CHUNK_TOKENS)
    labels = np.array([e.label for e in examples])
    split = np.array([e.split for e in examples])
    dataset = np.array([e.dataset for e in examples])

    fit_on = args.fit_on.split(",")
    rows = (split[table.span_index] == "train") & np.isin(dataset[table.span_index], fit_on)
    x, y = table.features[rows], labels[table.span_index][rows]
    # each dataset weighs the same, and within it each class weighs the same
    owner_ds = dataset[table.span_index][rows]
    weights = np.ones(len(y))
    for name in fit_on:
        for cls in (0, 1):
            mask = (owner_ds == name) & (y == cls)
            weights[mask] = 1.0 / max(mask.sum(), 1)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    fit = LogisticRegression(C=args.c, max_iter=1000).fit((x - mean) / scale, y, sample_weight=weights * len(y))

    model = GroundednessModel(feature_names=FEATURE_NAMES, mean=mean, scale=scale, coef=fit.coef_[0],
                              intercept=float(fit.intercept_[0]), threshold=0.5, idf=idf,
                              chunk_tokens=CHUNK_TOKENS, version="")
    scores = span_scores(model.unsupported_probability(table.features), table.span_index, len(examples))
    tune = split == "tune"
    # one shipped threshold: the best mean balanced accuracy over the datasets' tune parts
    candidates = np.unique(np.round(scores[tune], 3))
    mean_bacc = [np.mean([balanced_accuracy(labels[tune & (dataset == d)], scores[tune & (dataset == d)] >= c)
                          for d in DATASETS]) for c in candidates]
    threshold = float(candidates[int(np.argmax(mean_bacc))])
    digest = hashlib.sha1(json.dumps([fit.coef_.tolist(), threshold]).encode()).hexdigest()[:8]
    model = GroundednessModel(**{**model.__dict__, "threshold": threshold, "version": f"lr-{digest}"})
    model.save()
    print(f"saved {MODEL_PATH} (threshold {threshold:.3f}, version {model.version})")
    for name, weight in zip(FEATURE_NAMES, fit.coef_[0]):
        print(f"  {name:<20} {weight:+.3f}")
    for d in DATASETS:
        part = tune & (dataset == d)
        own = best_threshold(scores[part], labels[part])
        print(f"tune {d}: BAcc {balanced_accuracy(labels[part], scores[part] >= threshold):.3f} "
              f"(own best threshold {own:.3f}: {balanced_accuracy(labels[part], scores[part] >= own):.3f})")


if __name__ == "__main__":
    main()
