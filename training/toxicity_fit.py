"""Fit the toxicity model's parts on given rows; shared by training and the leave-one-source-out figures.

Parts, stacked by a logistic regression fit on the validation rows:
1. an MLP (384 -> 256 ReLU -> 1, torch) on the shared encoder's MiniLM embeddings;
2. a logistic regression on hashed character and word n-grams (spellings the encoder smooths over);
3. a word-level span model (``toxicity_spans.py``); its most toxic word's probability is the
   third stacked feature, and on flagged texts it gives the typed ``spans``;
4. an attention head over the encoder's token states (``toxicity_token_head.py``), taught the
   annotated spans per token as well.
Rows are weighted per source (``SOURCE_WEIGHTS``): davidson's tweets, mostly casual profanity,
count a quarter; the small hatexplain set counts double, the generated examples four times.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from spyglass.evaluators.toxicity_model import features
from spyglass.evaluators.toxicity_spans import SPAN_CLASSES, SpanModel, word_matrix, words
from spyglass.evaluators.toxicity_text import normalize_text
from spyglass.training.toxicity_token_head import StateTable, fit_token_head, table_logits, token_labels
from spyglass.training.toxicity_sources import ToxicText

SOURCE_WEIGHTS = {"davidson": 0.25, "hatexplain": 2.0, "generated": 4.0}
SPAN_NEGATIVE_CAP = 3000  # rows per non-span source whose words teach the span model "none"


def weights_of(rows: Sequence[ToxicText]) -> np.ndarray:
    return np.array([SOURCE_WEIGHTS.get(r.source, 1.0) for r in rows])


def fit_mlp(x: np.ndarray, y: np.ndarray, w: np.ndarray, epochs: int = 30, seed: int = 0) -> dict[str, np.ndarray]:
    """One-hidden-layer MLP by AdamW on weighted BCE; returns its float32 weights."""
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 256), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(256, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.float32))
    wt = torch.from_numpy((w / w.mean()).astype(np.float32))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), generator=gen).split(256):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt[idx])[:, 0], yt[idx], weight=wt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    first, last = model[0], model[3]
    return {"emb_w1": first.weight.detach().numpy().T.copy(), "emb_b1": first.bias.detach().numpy().copy(),
            "emb_w2": last.weight.detach().numpy()[0].copy(), "emb_b2": np.float32(last.bias.item())}


def word_labels(row: ToxicText) -> list[int]:
    """Per word of the row, the class of the span covering most of it (0 = none)."""
    labels = []
    for start, end, _ in words(row.text):
        best, cover = 0, 0
        for s, e, kind in row.spans:
            overlap = min(end, e) - max(start, s)
            if overlap > cover and overlap * 2 >= end - start:
                best, cover = SPAN_CLASSES.index(kind), overlap
        labels.append(best)
    return labels


def span_rows(rows: Sequence[ToxicText]) -> list[int]:
    """Indices of the rows whose words the span model learns from: rows with spans, non-toxic
    civil/generated rows, and up to SPAN_NEGATIVE_CAP non-toxic rows of each other source."""
    picked, counts = [], {}
    for i, r in enumerate(rows):
        if r.spans or (r.source in ("civil", "generated") and not r.toxic):
            picked.append(i)
        elif not r.toxic and counts.get(r.source, 0) < SPAN_NEGATIVE_CAP:
            counts[r.source] = counts.get(r.source, 0) + 1
            picked.append(i)
    return picked


def span_training_words(rows: Sequence[ToxicText]):
    """(word features, word labels, row index of each word) over ``span_rows(rows)``."""
    picked = span_rows(rows)
    matrix, _ = word_matrix([rows[i].text for i in picked])
    labels = [word_labels(rows[i]) for i in picked]
    row_of = np.repeat(np.array(picked, dtype=np.int64), [len(x) for x in labels])
    return matrix, np.concatenate(labels), row_of


def fit_span_model(matrix, y: np.ndarray) -> dict[str, np.ndarray]:
    """One-vs-rest logistic models over word features; float16 coefficients (n_classes, N_FEATURES)."""
    from sklearn.linear_model import SGDClassifier

    present = np.unique(y)
    model = SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=15, tol=None, random_state=0,
                          class_weight={int(c): (1.0 if c == 0 else 3.0) for c in present}).fit(matrix, y)
    coef = np.zeros((len(SPAN_CLASSES), matrix.shape[1]), dtype=np.float32)
    bias = np.full(len(SPAN_CLASSES), -20.0, dtype=np.float32)  # a class never seen is never predicted
    coef[model.classes_], bias[model.classes_] = model.coef_, model.intercept_
    return {"span_coef": coef.astype(np.float16), "span_bias": bias}


def token_labels_of(rows: Sequence[ToxicText], states: StateTable) -> list[np.ndarray]:
    """The token head's per-token labels of each row (its spans count only where normalization kept the text)."""
    out = []
    for i, r in enumerate(rows):
        spans = r.spans if normalize_text(r.text) == r.text else ()
        lo = states.start[i]
        out.append(token_labels(r.text, spans, r.toxic, states.offsets[lo:lo + states.length[i]]))
    return out


def fit_all(train: Sequence[ToxicText], val: Sequence[ToxicText], emb_tr: np.ndarray, emb_va: np.ndarray,
            ng_tr, ng_va, texts_va: Sequence[str], states_tr: StateTable, states_va: StateTable,
            span_words=None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit the four parts on ``train`` and the stacker on ``val``; returns (weights, stacked val probabilities).

    ``states_*``: the rows' token states (``toxicity_token_head``); ``span_words``: the span
    model's (features, labels) for ``train``, if already computed.
    """
    from sklearn.linear_model import LogisticRegression

    y_tr = np.array([r.toxic for r in train])
    y_va = np.array([r.toxic for r in val])
    w_tr = weights_of(train)
    parts = fit_mlp(emb_tr, y_tr, w_tr)
    balance = w_tr[y_tr == 0].sum() / w_tr[y_tr == 1].sum()
    ngram = LogisticRegression(C=8.0, max_iter=3000, solver="liblinear").fit(
        ng_tr, y_tr, sample_weight=w_tr * np.where(y_tr == 1, balance, 1.0))
    parts.update(ngram_coef=ngram.coef_[0].astype(np.float16), ngram_bias=np.float32(ngram.intercept_[0]))
    matrix, labels = span_words if span_words is not None else span_training_words(train)[:2]
    parts.update(fit_span_model(matrix, labels))
    parts.update(fit_token_head(states_tr, y_tr, w_tr, token_labels_of(train, states_tr)))
    stack_x = features(parts, SpanModel(parts["span_coef"], parts["span_bias"]), emb_va, ng_va, texts_va,
                       table_logits(parts, states_va))
    stacker = LogisticRegression(C=1.0).fit(stack_x, y_va, sample_weight=weights_of(val))
    parts.update(stack_coef=stacker.coef_[0].astype(np.float32), stack_bias=np.float32(stacker.intercept_[0]))
    return parts, stacker.predict_proba(stack_x)[:, 1]


def best_f1_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> float:
    """The probability threshold with the best (weighted) F1 on (y, p)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, p, sample_weight=w)
    f1 = (2 * precision * recall / np.maximum(precision + recall, 1e-12))[:-1]
    return float(thresholds[int(np.argmax(f1))])
