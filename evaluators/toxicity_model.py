"""The toxicity model's arithmetic at inference: its four parts' logits and the stacker (numpy only).

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


def features(parts: dict[str, np.ndarray], spans: SpanModel, emb: np.ndarray, ng, texts: Sequence[str],
             token_logit: np.ndarray | None = None) -> np.ndarray:
    """The stacker's inputs: MLP logit, n-gram logit, most toxic word's logit, token head logit
    (``toxicity_tokens.token_logits``; None for a model before it: ``bench/toxicity_models.py``), each clipped."""
    ng_logit = ng @ parts["ngram_coef"].astype(np.float32) + parts["ngram_bias"]
    columns = [mlp_logit(parts, emb), np.asarray(ng_logit).ravel(), span_max_logit(spans, texts)]
    return np.clip(np.column_stack(columns + ([] if token_logit is None else [token_logit])), -13.8, 13.8)


# A toxic sentence inside a long benign answer is diluted in the whole text's embedding (measured:
# recall 0.83 alone, 0.10 with two benign paragraphs around it, 0.00 with eight), so each sentence
# of a longer text is scored too. A text of n sentences has n chances to score high by accident,
# so a sentence's logit counts less by WINDOW_PENALTY * ln(n); 0.5 was chosen on the validation
# splits (0: wikipedia_talk 0.963 -> 0.941, mixed answers recall 0.50; 0.5: 0.954, recall 0.41).
WINDOW_PENALTY = 0.5


def sentence_pieces(texts: Sequence[str]) -> tuple[list[str], list[int], list[int]]:
    """The sentences of every text that has more than one: (sentences, owning text, sentences in it)."""
    from spyglass.evaluators.hallucination.claims import split_sentences

    pieces: list[str] = []
    owner: list[int] = []
    count: list[int] = []
    for i, text in enumerate(texts):
        sentences = split_sentences(text)
        if len(sentences) > 1:
            pieces.extend(sentences)
            owner.extend([i] * len(sentences))
            count.extend([len(sentences)] * len(sentences))
    return pieces, owner, count


def with_sentences(whole: np.ndarray, sentence_probs: np.ndarray, owner: Sequence[int],
                   count: Sequence[int]) -> np.ndarray:
    """Each text's probability: its own, or its most toxic sentence's after the multiple-chances penalty."""
    if not len(owner):
        return whole
    z = logit(np.asarray(whole, dtype=np.float64))
    penalized = logit(np.asarray(sentence_probs, dtype=np.float64)) - WINDOW_PENALTY * np.log(np.asarray(count))
    np.maximum.at(z, np.asarray(owner), penalized)
    return 1.0 / (1.0 + np.exp(-z))


def predict(parts: dict[str, np.ndarray], spans: SpanModel, emb: np.ndarray, ng, texts: Sequence[str],
            token_logit: np.ndarray | None = None) -> np.ndarray:
    """Stacked P(toxic) per row (``spans``: the SpanModel of ``parts``' span weights)."""
    z = features(parts, spans, emb, ng, texts, token_logit) @ parts["stack_coef"] + parts["stack_bias"]
    return 1.0 / (1.0 + np.exp(-z))


