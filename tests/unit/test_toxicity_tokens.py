"""The toxicity token head's arithmetic, its per-token labels, and the reducers of token passes."""

from __future__ import annotations

import numpy as np
import pytest

from spyglass.evaluators.encoder_tokens import STATE_DIM, Reductions, TokenStates
from spyglass.evaluators.toxicity_tokens import NO_TOKENS_LOGIT, token_logits
from spyglass.training.toxicity_token_head import token_labels


def _head(attention: float) -> dict[str, np.ndarray]:
    """Hidden unit 0 reads state dimension 0 (toxicity), unit 1 is always on; attention favours unit 0."""
    w1 = np.zeros((STATE_DIM, 2), np.float16)
    w1[0, 0] = 1.0
    return {"tok_w1": w1, "tok_b1": np.array([0.0, 1.0], np.float32),
            "tok_att": np.array([attention, 0.0], np.float32), "tok_att_b": np.float32(0.0),
            "tok_w2": np.array([4.0, -2.0], np.float32), "tok_b2": np.float32(0.0)}


def _text(toxic_tokens: int, benign_tokens: int) -> TokenStates:
    states = np.zeros((toxic_tokens + benign_tokens, STATE_DIM), np.float32)
    states[:toxic_tokens, 0] = 3.0
    return TokenStates(states, np.zeros((len(states), 2), np.int64))


def test_one_toxic_word_is_not_averaged_away_by_many_benign_ones():
    head = _head(attention=4.0)
    alone, diluted = token_logits(head, [_text(1, 0), _text(1, 40)])
    benign = token_logits(head, [_text(0, 40)])[0]
    assert alone == pytest.approx(4.0 * 3.0 - 2.0)
    assert diluted > alone - 0.1  # attention on the toxic token: 40 benign ones barely move it
    mean_pooled = token_logits(_head(attention=0.0), [_text(1, 40)])[0]  # no attention = a plain mean
    assert mean_pooled < 0 < diluted and benign == pytest.approx(-2.0)


def test_a_text_without_tokens_gets_the_floor_logit():
    empty = TokenStates(np.zeros((0, STATE_DIM), np.float32), np.zeros((0, 2), np.int64))
    assert token_logits(_head(1.0), [empty])[0] == NO_TOKENS_LOGIT


def test_token_labels_mark_annotated_spans_and_leave_unannotated_toxic_texts_unknown():
    offsets = np.array([[0, 3], [4, 7], [8, 13]])  # "You are idiot"
    assert token_labels("You are idiot", [(8, 13, "insult")], 1, offsets).tolist() == [0, 0, 1]
    assert token_labels("You are idiot", [], 1, offsets).tolist() == [-1, -1, -1]
    assert token_labels("You are fine.", [], 0, offsets).tolist() == [0, 0, 0]


def test_reducers_run_in_every_token_pass_and_keep_their_values():
    table = Reductions()
    seen: list[int] = []

    def lengths(states):
        seen.append(len(states))
        return np.array([len(s.states) for s in states], dtype=float)

    table.register("len", lengths)
    table.register("len", lambda states: np.zeros(len(states)))  # a second registration keeps the first
    table.apply(["a", "bb"], [_text(0, 1), _text(0, 2)])
    assert table.get("len", ["bb", "a", "c"]) == {"bb": 2.0, "a": 1.0}
    assert seen == [2] and table.get("other", ["a"]) == {}
