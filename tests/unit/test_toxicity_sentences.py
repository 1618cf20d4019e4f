"""Scoring the sentences of a longer text (toxicity_model.sentence_pieces / with_sentences)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spyglass.evaluators.toxicity_model import WINDOW_PENALTY, sentence_pieces, with_sentences


def test_only_texts_of_several_sentences_are_cut():
    pieces, owner, count = sentence_pieces(["One sentence only.", "First one. Second one. Third one.", ""])
    assert pieces == ["First one.", "Second one.", "Third one."]
    assert owner == [1, 1, 1] and count == [3, 3, 3]


def test_a_sentence_counts_after_the_penalty_for_the_chances_a_long_text_has():
    whole = np.array([0.10, 0.10])
    sentence = np.array([0.95, 0.05, 0.20])  # text 0: two sentences; text 1: one piece of its own
    probs = with_sentences(whole, sentence, owner=[0, 0, 1], count=[2, 2, 1])
    z = math.log(0.95 / 0.05) - WINDOW_PENALTY * math.log(2)
    assert probs[0] == pytest.approx(1 / (1 + math.exp(-z)))
    assert probs[1] == pytest.approx(0.20)  # log(1) = 0: no penalty for one piece
    assert with_sentences(whole, np.array([]), [], []) is whole


def test_a_benign_sentence_never_lowers_the_whole_texts_score():
    probs = with_sentences(np.array([0.8]), np.array([0.01, 0.02]), owner=[0, 0], count=[2, 2])
    assert probs[0] == pytest.approx(0.8)
