"""Train the offline groundedness classifier: ``python -m spyglass.training.hallucination.train``.

Fits a logistic regression on claim features of the train split of every source in ``data.py``
(begin_wow, halueval_qa, truthfulqa made grounded, our synthetic pairs; each source and each
class weighted the same, no length feature), picks the threshold on their tune split (best mean
balanced accuracy), fits the claim gate (``claim_gate.py``), and writes ``models/groundedness_lr.json``. The test split is never read
here. Needs scikit-learn; about 5 minutes on 2 cores with an empty embedding cache, deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

from spyglass.training.hallucination.crossdomain import DEFAULT_C, Arrays, faithful_quantiles, fit_on, probability
from spyglass.evaluators.hallucination.claim_gate import fit_gate
from spyglass.training.hallucination.data import DATASETS, Example, datasets_root, load_examples
from spyglass.evaluators.hallucination.evidence import FEATURE_NAMES
from spyglass.training.hallucination.features_cache import build_table, cached_encoder
from spyglass.evaluators.hallucination.lexical import idf_table
from spyglass.training.hallucination.metrics import balanced_accuracy
from spyglass.evaluators.hallucination.model import CLAIMS_EXPONENT, MODEL_PATH, GroundednessModel

CHUNK_TOKENS = 128


def train_idf(examples: list[Example]) -> dict[str, float]:
    """IDF over the distinct context documents of the train split."""
    return idf_table(sorted({d for e in examples if e.split == "train" for d in e.span.documents}))


def main(argv: list[str] | None = None) -> None:
    """Train, tune the threshold, save the model, print tune-split figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default=None, help="folder holding the shared datasets")
    parser.add_argument("--c", type=float, default=DEFAULT_C, help="inverse L2 strength")
    args = parser.parse_args(argv)

    examples = [e for e in load_examples(args.datasets) if e.split != "test"]
    idf = train_idf(examples)
    encoder = cached_encoder()
    table = build_table(examples, idf, CHUNK_TOKENS, encoder)
    gate = fit_gate(encoder, [e for e in examples if e.dataset != "synthetic"],
                    str(datasets_root(args.datasets) / "civil_toxic_spans" / "data.jsonl"))
    a = Arrays.of(examples)
    everything = np.ones(len(examples), bool)
    (mean, scale, coef, intercept), threshold, scores, _, _ = fit_on(table.features, table.span_index, a, everything,
                                                                     args.c)
    # the faithful tune claims' scores as the evaluator sees them (the claim gate's skipped ones left out)
    claim_scores = probability(table.features, (mean, scale, coef, intercept))
    checked = ~gate.not_a_claim(table.claim_vectors)
    quantiles = [round(float(q), 5) for q in faithful_quantiles(claim_scores, table.span_index, a, everything, checked)]
    digest = hashlib.sha1(json.dumps([coef.tolist(), intercept, threshold, gate.to_json(), quantiles,
                                      CLAIMS_EXPONENT]).encode()).hexdigest()[:8]
    model = GroundednessModel(feature_names=FEATURE_NAMES, mean=mean, scale=scale, coef=coef, intercept=intercept,
                              threshold=round(threshold, 4), idf=idf, chunk_tokens=CHUNK_TOKENS,
                              version=f"lr-{digest}", gate=gate, faithful_quantiles=tuple(quantiles),
                              claims_exponent=CLAIMS_EXPONENT)
    model.save()
    print(f"saved {MODEL_PATH} (threshold {model.threshold:.3f}, version {model.version})")
    for name, weight in zip(FEATURE_NAMES, coef):
        print(f"  {name:<20} {weight:+.3f}")
    for d in DATASETS:
        part = (a.split == "tune") & (a.dataset == d)
        print(f"tune {d}: BAcc {balanced_accuracy(a.labels[part], scores[part] >= threshold):.3f}")


if __name__ == "__main__":
    main()
