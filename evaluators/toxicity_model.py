"""The toxicity model's arithmetic at inference: its three parts' logits and the stacker (numpy only).

``parts`` is the dict of arrays in ``models/toxicity_head.npz`` (written by
``training/train_toxicity.py``, fitted by ``training/toxicity_fit.py``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from spyglass.evaluators.toxicity_spans import SpanModel


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def mlp_logit(m: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    hidden = np.maximum(x @ m["emb_w1"] + m["emb_b1"], 0.0)
    return hidden @ m["emb_w2"] + m["emb_b2"]


def span_max_logit(spans: SpanModel, texts: Sequence[str]) -> np.ndarray:
    """Per text, the logit of its most toxic word's toxic probability (-6 for a text without words)."""
    probs = spans.probabilities(texts)
    return np.array([logit(1.0 - p[:, 0]).max() if len(p) else -6.0 for p in probs])


def features(parts: dict[str, np.ndarray], spans: SpanModel, emb: np.ndarray, ng, texts: Sequence[str]) -> np.ndarray:
    """The stacker's inputs: MLP logit, n-gram logit, most toxic word's logit (each clipped)."""
    ng_logit = ng @ parts["ngram_coef"].astype(np.float32) + parts["ngram_bias"]
    return np.clip(np.column_stack([mlp_logit(parts, emb), np.asarray(ng_logit).ravel(),
                                    span_max_logit(spans, texts)]), -13.8, 13.8)


def predict(parts: dict[str, np.ndarray], spans: SpanModel, emb: np.ndarray, ng, texts: Sequence[str]) -> np.ndarray:
    """Stacked P(toxic) per row (``spans``: the SpanModel of ``parts``' span weights)."""
    z = features(parts, spans, emb, ng, texts) @ parts["stack_coef"] + parts["stack_bias"]
    return 1.0 / (1.0 + np.exp(-z))


