"""Typed toxic spans: a word-level classifier (insult / threat / identity_attack / profanity / none).

Each word is described by hashed features of itself (as written and with leet digits and
symbols mapped back to letters, and its character n-grams) and of its neighbours; a linear
model per type, trained on civil_toxic_spans' annotated spans and the generated examples'
marked parts (``training/toxicity_fit.py``). Its most toxic word feeds the stacked score; on
flagged texts its runs of toxic words are the ``spans``.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Sequence

import numpy as np

SPAN_CLASSES = ("none", "insult", "threat", "identity_attack", "profanity")
N_FEATURES = 2**18
OFFSETS = (-3, -2, -1, 1, 2, 3)
_PAD = "\x00"  # the cache key of the padding past either end of a text
_WORD = re.compile(r"[^\s.,!?;:\"()\[\]{}]+")
_UNLEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s",
                         "7": "t", "*": "", "'": "", "’": ""})


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for each word of ``text`` (punctuation around words excluded)."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _plain(word: str) -> str:
    return word.lower().translate(_UNLEET)


def _self_features(word: str) -> list[str]:
    """Features of a word by itself: as written, with leet undone, its character 3-5-grams."""
    w, plain = word.lower(), _plain(word)
    padded = f"<{plain}>"
    return ["b", f"w={w}", f"p={plain}"] + [f"c={padded[j:j + n]}" for n in (3, 4, 5)
                                             for j in range(len(padded) - n + 1)]


def _word_features(tokens: list[str], i: int) -> list[str]:
    """The word's own features plus its neighbours' (up to 3 each side, '#' past the ends)."""
    feats = _self_features(tokens[i])
    for k in OFFSETS:
        j = i + k
        feats.append(f"{k}={_plain(tokens[j]) if 0 <= j < len(tokens) else '#'}")
    return feats


def _hasher():
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)


def word_matrix(texts: Sequence[str]):
    """Sparse (n_words, N_FEATURES) training features for every word of every text, and each text's words."""
    per_text = [words(t) for t in texts]
    feats = [_word_features([w for _, _, w in ws], i) for ws in per_text for i in range(len(ws))]
    return _hasher().transform(feats if feats else [["b"]])[:len(feats)], per_text


class SpanModel:
    """The word-level model at inference: per distinct word, its own and its neighbour weights, cached.

    A word's logits are its own features' weights plus, for each neighbour offset, the weight of
    that neighbour's feature; each depends on one word only, so it is computed once per distinct
    word (the same logits as ``word_matrix @ coef.T``, without hashing every position).
    Thread-safe (one lock around the cache).
    """

    def __init__(self, coef: np.ndarray, bias: np.ndarray, cache_size: int = 200_000) -> None:
        self.coef_t = np.ascontiguousarray(coef.astype(np.float32).T)  # (N_FEATURES, classes)
        self.bias = bias.astype(np.float32)
        self.cache: dict[str, np.ndarray] = {}
        self.cache_size = cache_size
        self._lock = threading.Lock()

    def _fill(self, keys: list[str]) -> None:
        """Cache, per lower-cased word, rows [own weights, weights as neighbour at each offset]."""
        new = [k for k in dict.fromkeys(keys) if k not in self.cache]
        if not new:
            return
        if len(self.cache) + len(new) > self.cache_size:
            self.cache.clear()
            new = list(dict.fromkeys(keys))
        docs: list[list[str]] = []
        for key in new:
            plain = "#" if key == _PAD else _plain(key)
            docs.append([] if key == _PAD else _self_features(key))
            docs += [[f"{k}={plain}"] for k in OFFSETS]
        rows = np.asarray(_hasher().transform(docs) @ self.coef_t).reshape(len(new), 1 + len(OFFSETS), -1)
        self.cache.update(zip(new, rows))

    def probabilities(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, (n_words, len(SPAN_CLASSES)) probabilities: one-vs-rest sigmoids, normalized."""
        per_text = [[w.lower() for _, _, w in words(t)] for t in texts]
        with self._lock:
            self._fill([w for ws in per_text for w in ws] + [_PAD])
            cache = {w: self.cache[w] for ws in per_text for w in ws}
            pad = self.cache[_PAD]
        out = []
        for ws in per_text:
            if not ws:
                out.append(np.zeros((0, len(SPAN_CLASSES)), dtype=np.float32))
                continue
            n = len(ws)
            # (n + 6, 7, classes): the words' tables with 3 padding tables at each end
            tables = np.stack([pad] * 3 + [cache[w] for w in ws] + [pad] * 3)
            logits = tables[3:n + 3, 0] + self.bias
            for j, k in enumerate(OFFSETS, start=1):
                logits = logits + tables[3 + k:n + 3 + k, j]  # word i sees word i+k's row for offset k
            probs = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
            out.append(probs / probs.sum(axis=1, keepdims=True))
        return out


def typed_spans(text: str, probs: np.ndarray, min_prob: float = 0.5, fallback: float = 0.25) -> list[dict[str, Any]]:
    """Runs of words whose toxic probability is at least ``min_prob``, merged per type.

    If no word passes, the single most toxic word is returned when its toxic probability
    reaches ``fallback`` (a flagged text should point at something).
    """
    ws = words(text)
    if not ws:
        return []
    toxic_p = 1.0 - probs[:, 0]
    best = probs[:, 1:].argmax(axis=1) + 1
    spans: list[dict[str, Any]] = []
    for (start, end, _), p, cls in zip(ws, toxic_p, best):
        if p < min_prob:
            continue
        kind = SPAN_CLASSES[int(cls)]
        if spans and spans[-1]["type"] == kind and not text[spans[-1]["end"]:start].strip(" ,'\"-"):
            spans[-1]["end"] = end
            spans[-1]["score"] = max(spans[-1]["score"], round(float(p), 3))
        else:
            spans.append({"start": start, "end": end, "type": kind, "score": round(float(p), 3)})
    if not spans and toxic_p.max() >= fallback:
        k = int(toxic_p.argmax())
        spans.append({"start": ws[k][0], "end": ws[k][1], "type": SPAN_CLASSES[int(best[k])],
                      "score": round(float(toxic_p[k]), 3)})
    for span in spans:
        span["text"] = text[span["start"]:span["end"]]
    return spans
