"""A token-classification head (BIO) over the shared MiniLM's token states: persons, places, dates, NRP.

MiniLM is uncased, so each token also carries surface features (capital first letter, digits,
punctuation, a line break before it) of itself and its neighbours. A one-hidden-layer MLP
gives per-token label probabilities; word pieces follow their word's first piece; runs of
B/I labels of one type become character spans. ORGANIZATION is learnt so that company names
have somewhere to go; it is never reported. Weights: ``models/pii_head.npz`` (+ ``.json``),
trained by ``training/train_pii_head.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spyglass.evaluators.encoder_tokens import TokenStates

HEAD_TYPES = ("PERSON", "LOCATION", "DATE_TIME", "NRP", "ORGANIZATION")
LABELS = ("O", *(f"{p}-{t}" for t in HEAD_TYPES for p in ("B", "I")))
REPORTED = frozenset({"PERSON", "LOCATION", "DATE_TIME", "NRP"})
MODEL_PATH = Path(__file__).parent / "models" / "pii_head.npz"
_NEIGHBOUR_FEATURES = (0, 2, 4, 6)  # capital, digit, punctuation, line break: also from t-1 and t+1
N_SURFACE = 11 + 2 * len(_NEIGHBOUR_FEATURES)
SENTENCE_START_MIN = 0.8  # a one-word span opening a sentence needs this mean label probability


@dataclass(frozen=True)
class HeadSpan:
    """A typed character span found by the head, with its mean label probability."""

    entity_type: str
    start: int
    end: int
    score: float


def continues_word(text: str, offsets: np.ndarray, i: int) -> bool:
    """Whether token ``i`` is a word piece glued to the previous one ("Ken" + "is")."""
    return i > 0 and _glued(text, int(offsets[i, 0]), int(offsets[i - 1, 1]))


def _glued(text: str, start: int, prev_end: int) -> bool:
    """A token starting at ``start`` continues the word of the token ending at ``prev_end``."""
    return start == prev_end and text[start:start + 1].isalnum() and text[prev_end - 1:prev_end].isalnum()


def surface_features(text: str, offsets: np.ndarray) -> np.ndarray:
    """(tokens, N_SURFACE) casing / shape features of each token, its word and its neighbours.

    Plain Python over the offsets as a list (numpy scalars cost ~10× more per access): this runs
    for every token of every line the PII evaluator reads.
    """
    no_case = not any(map(str.isupper, text))
    rows = []
    word_start = prev_start = prev_end = 0
    for i, (s, e) in enumerate(offsets.tolist()):
        piece = text[s:e]
        glued = i > 0 and _glued(text, s, prev_end)
        if not glued:
            word_start = s
        head_upper = text[word_start:word_start + 1].isupper()
        line_break = i == 0 or "\n" in text[prev_end:s]
        prev = text[prev_start:prev_end] if i else ""
        if piece.isascii() and piece.isalpha():  # most pieces: the shape follows from two string tests
            shape = (len(piece) > 1 and piece.isupper(), False, False, False)
        else:
            letters = [ch for ch in piece if ch.isalpha()]
            shape = (len(letters) > 1 and all(ch.isupper() for ch in letters), any(ch.isdigit() for ch in piece),
                     piece.isdigit(), not any(ch.isalnum() for ch in piece))
        rows.append((head_upper, *shape, glued, line_break, no_case,
                     head_upper and (line_break or prev in (".", "!", "?", ":")),
                     min(len(piece), 10) / 10, not piece.isascii()))
        prev_start, prev_end = s, e
    own = np.array(rows, np.float32).reshape(len(rows), 11)
    cols = own[:, _NEIGHBOUR_FEATURES]
    before, after = np.zeros_like(cols), np.zeros_like(cols)
    before[1:], after[:-1] = cols[:-1], cols[1:]
    return np.hstack([own, before, after])


def head_inputs(text: str, ts: TokenStates) -> np.ndarray:
    """The head's input rows for one text: token states beside surface features."""
    return np.hstack([ts.states.astype(np.float32), surface_features(text, ts.offsets)])


def decode(text: str, offsets: np.ndarray, probs: np.ndarray) -> list[HeadSpan]:
    """BIO decoding: word pieces follow their word; B opens a span, I continues any open span.

    A span's type is the one with the most probability mass over its words, so a name whose
    first word looked like a place ("Henrietta" LOCATION, "Vasquez" I-PERSON) stays one person.
    """
    kinds = len(HEAD_TYPES)
    # per token: probability of each type (B + I), and whether it is an entity at all
    type_probs = probs[:, 1:].reshape(len(probs), kinds, 2).sum(axis=2)
    labels = probs.argmax(axis=1)
    spans: list[HeadSpan] = []
    current: list = []  # [start, end, summed type probabilities, words]

    def close() -> None:
        if current:
            best = int(current[2].argmax())
            end = current[1]
            while end > current[0] and not text[end - 1].isalnum():  # "Kenis." -> "Kenis"
                end -= 1
            score = float(current[2][best] / current[3])
            # a lone capitalized word opening a sentence says little ("Photosynthesis turns ..."): keep it when sure
            opening = not text[:current[0]].strip() or text[:current[0]].rstrip()[-1] in ".!?:\n"
            if end > current[0] and not (opening and current[3] == 1 and score < SENTENCE_START_MIN):
                spans.append(HeadSpan(HEAD_TYPES[best], current[0], end, score))

    for i in range(len(offsets)):
        # a piece glued to the open span without a space belongs to it ("Vasquez" "-" "Moreau")
        if continues_word(text, offsets, i) or (current and i and offsets[i, 0] == offsets[i - 1, 1]):
            if current:
                current[1] = int(offsets[i, 1])
            continue
        label = LABELS[labels[i]]
        if label == "O":
            close()
            current = []
            continue
        if label.startswith("B-") or not current:
            close()
            current = [int(offsets[i, 0]), int(offsets[i, 1]), np.zeros(kinds), 0]
        current[1] = int(offsets[i, 1])
        current[2] += type_probs[i]
        current[3] += 1
    close()
    return spans


class PIITokenHead:
    """The trained head: standardize, one ReLU layer, softmax over BIO labels."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict) -> None:
        self.w = {k: np.asarray(v, np.float32) for k, v in weights.items()}
        # the standardization folded into the first layer: the same function, without two
        # (tokens x 787) temporaries per call (a third of the time)
        self._w1 = self.w["w1"] / self.w["std"][:, None]
        self._b1 = self.w["b1"] - (self.w["mean"] / self.w["std"]) @ self.w["w1"]
        self.meta = meta
        self.version = str(meta.get("version", "pii-head"))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "PIITokenHead":
        """Read ``path`` (npz, no pickle) and its ``.json`` metadata."""
        with np.load(path, allow_pickle=False) as data:
            weights = {k: data[k] for k in data.files}
        return cls(weights, json.loads(path.with_suffix(".json").read_text()))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Label probabilities for input rows ``x`` (tokens, features)."""
        w = self.w
        h = np.maximum(x @ self._w1 + self._b1, 0.0)
        logits = h @ w["w2"] + w["b2"]
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def find(self, texts: list[str], states: list[TokenStates]) -> list[list[HeadSpan]]:
        """Reported spans (no ORGANIZATION) per text; one matrix product for the whole batch."""
        rows = [head_inputs(t, s) for t, s in zip(texts, states)]
        if not rows or sum(len(r) for r in rows) == 0:
            return [[] for _ in texts]
        probs = self.probabilities(np.vstack(rows))
        out, pos = [], 0
        for text, ts, r in zip(texts, states, rows):
            found = decode(text, ts.offsets, probs[pos:pos + len(r)])
            out.append([s for s in found if s.entity_type in REPORTED])
            pos += len(r)
        return out
