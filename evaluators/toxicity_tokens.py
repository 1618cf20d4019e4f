"""The toxicity model's token head: attention pooling over the shared encoder's token states (numpy).

The MLP part reads a text's mean-pooled sentence embedding, where one insult among benign words
is averaged away. This head reads every word piece: each token's states (MiniLM layers 3 and 6,
the ones the PII head's pass already computes: ``encoder_tokens``) go through a small hidden
layer; an attention weight per token picks the tokens that matter, and the weighted hidden
state gives the text's logit. It was trained with the text labels and, on civil_toxic_spans and
the generated examples, with the annotated toxic spans as per-token labels (the same output
layer read on each token), so the attention learns to look at the toxic words.
Its logit is the stacker's fourth input (``toxicity_model.features``); trained by
``training/toxicity_token_head.py``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from spyglass.evaluators.encoder_tokens import TokenStates

NO_TOKENS_LOGIT = -6.0  # an empty text
# The head reads a text's first encoder window (one window: 256 word pieces with [CLS]/[SEP]);
# each sentence of a longer text is scored on its own as well (``toxicity_model.with_sentences``).
MAX_TOKENS = 254


def token_logits(parts: dict[str, np.ndarray], states: Sequence[TokenStates]) -> np.ndarray:
    """The head's text logit for each text's token states."""
    w1, b1 = parts["tok_w1"].astype(np.float32), parts["tok_b1"]
    att, att_b, w2, b2 = parts["tok_att"], parts["tok_att_b"], parts["tok_w2"], parts["tok_b2"]
    out = np.full(len(states), NO_TOKENS_LOGIT, dtype=np.float64)
    for i, s in enumerate(states):
        if not len(s.states):
            continue
        hidden = np.maximum(s.states[:MAX_TOKENS] @ w1 + b1, 0.0)
        a = hidden @ att + att_b
        a = np.exp(a - a.max())
        pooled = (a / a.sum()) @ hidden
        out[i] = float(pooled @ w2 + b2)
    return out
