"""Train the offline toxicity model (``evaluators/models/toxicity_head.*``).

Sources and splits: ``toxicity_sources.py`` (civil_toxic_spans, stormfront_hate, wikipedia_talk,
hatexplain, davidson down-weighted, generated examples, benign LLM-style answers). Parts and
stacking: ``toxicity_fit.py``. The parts learn from the train split, the stacker and the flag
threshold (best source-weighted F1) from the validation split; the test split and HateCheck
are never touched here. A cascade gate (the n-gram logit below which 0.5 % of the toxic
validation rows lie) lets clearly benign texts skip the encoder and the span model; an
n-gram-only calibration scores them.

    nice -n 10 python -m spyglass.training.train_toxicity [--datasets DIR] [--out DIR]

Embeddings are cached per text under /tmp (``toxicity_cache.py``): the first run embeds ~75k
texts (about 10 minutes on 2 idle cores), later runs take about 5 minutes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from spyglass.evaluators.toxicity import MODELS_DIR  # evaluators/models: where the evaluator loads from
from spyglass.evaluators.toxicity_ngrams import NGRAM_CONFIG, ngram_features
from spyglass.evaluators.toxicity_text import normalize_text
from spyglass.training.toxicity_cache import cached_embeddings
from spyglass.training.toxicity_data import DEFAULT_DATASETS
from spyglass.training.toxicity_fit import best_f1_threshold, fit_all, weights_of
from spyglass.training.toxicity_sources import ToxicText, load_sources
from spyglass.training.toxicity_token_head import cached_token_states

GATE_RECALL = 0.995
VERSION = "8"
TRAINED_ON = ("civil_toxic_spans, stormfront_hate, wikipedia_talk, hatexplain, davidson (x0.25), generated examples "
              "(threats, insults, identity attacks, statements about groups), benign LLM-style answers: train split "
              "(training/toxicity_sources.py)")


def fit_rows(train: Sequence[ToxicText], val: Sequence[ToxicText], emb_tr=None, emb_va=None, ng_tr=None,
             ng_va=None, span_words=None, states_tr=None, states_va=None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the parts on ``train``, stacker, threshold and gate on ``val``; returns (arrays, metadata).

    Embeddings, token states, n-gram features and the span model's words are computed unless given.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    texts_tr = [normalize_text(r.text) for r in train]
    texts_va = [normalize_text(r.text) for r in val]
    states_tr = cached_token_states(texts_tr) if states_tr is None else states_tr  # first: it embeds them too
    states_va = cached_token_states(texts_va) if states_va is None else states_va
    emb_tr = cached_embeddings(texts_tr) if emb_tr is None else emb_tr
    emb_va = cached_embeddings(texts_va) if emb_va is None else emb_va
    ng_tr = ngram_features(texts_tr) if ng_tr is None else ng_tr
    ng_va = ngram_features(texts_va) if ng_va is None else ng_va
    parts, p_va = fit_all(train, val, emb_tr, emb_va, ng_tr, ng_va, texts_va, states_tr, states_va, span_words)
    y_va, w_va = np.array([r.toxic for r in val]), weights_of(val)
    threshold = best_f1_threshold(y_va, p_va, w_va)
    ng_logit = np.clip(np.asarray(ng_va @ parts["ngram_coef"].astype(np.float32)).ravel() + parts["ngram_bias"],
                       -13.8, 13.8)
    gate = float(np.quantile(ng_logit[y_va == 1], 1.0 - GATE_RECALL))
    ngram_only = LogisticRegression(C=1.0).fit(ng_logit[:, None], y_va)
    parts.update(gate_coef=np.float32(ngram_only.coef_[0][0]), gate_bias=np.float32(ngram_only.intercept_[0]))
    meta = {"threshold": threshold, "gate_ngram_logit": gate,
            "gate_skip_rate_validation": float(np.mean(ng_logit <= gate)),
            "n_train": len(train), "n_validation": len(val),
            "validation_auc": float(roc_auc_score(y_va, p_va, sample_weight=w_va))}
    return parts, meta


def train(datasets_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Fit on all sources' train splits; write ``toxicity_head.npz`` + ``.json``; return the metadata."""
    rows = load_sources(datasets_dir)
    parts, meta = fit_rows([r for r in rows if r.split == "train"], [r for r in rows if r.split == "validation"])
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "toxicity_head.npz", **parts)
    meta = {"version": VERSION, **meta, "ngrams": NGRAM_CONFIG, "trained_on": TRAINED_ON}
    (out_dir / "toxicity_head.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main() -> None:
    """Command-line entry: train and print the metadata."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    args = parser.parse_args()
    print(json.dumps(train(args.datasets, args.out), indent=2))


if __name__ == "__main__":
    main()
