"""Per-token hidden states of the shared MiniLM encoder, for token-level heads (PII spans).

One pass over each text gives the states of two layers (a middle one keeps more of the
surface form than the last, which was trained for sentence similarity) with each token's
character offsets. Texts longer than the model's window are cut into consecutive windows, so
every character is covered. The same batching as sentence embeddings: windows packed by token
length under the encoder's budget, run on its worker threads. The sentence embedding of each
text (the mean of the last layer over its first window) is stored in the encoder's cache on the
way, so an evaluator that embeds the same text afterwards finds it there; one that embeds it
meanwhile waits for this pass (the texts are claimed first) rather than encoding it twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from spyglass.evaluators.batching import pack_by_tokens
from spyglass.evaluators.encoder import text_key
from spyglass.evaluators.encoder_onnx import EXPORT_LAYERS, text_vector

LAYERS = EXPORT_LAYERS  # hidden_states indices: 0 is the embedding layer, 6 the last of MiniLM-L6
STATE_DIM = 384 * len(LAYERS)


@dataclass
class TokenStates:
    """Hidden states of one text's word pieces (no [CLS]/[SEP]) and their character offsets."""

    states: np.ndarray  # (tokens, STATE_DIM) float32
    offsets: np.ndarray  # (tokens, 2) int, [start, end) in the text


def _run_windows(encoder: Any, windows: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(token states without [CLS]/[SEP], last-layer mean) of each window of token ids."""
    int8 = getattr(encoder, "int8", None)
    if int8 is not None:  # one window per run (see Int8Encoder.layers)
        hidden_of = [int8.layers(w) for w in windows]
        return [(np.concatenate(hidden, axis=-1)[1:-1], text_vector(hidden[-1])) for hidden in hidden_of]
    tok = encoder.model.tokenizer
    ids = np.full((len(windows), max(len(w) for w in windows)), tok.pad_token_id, dtype=np.int64)
    mask = np.zeros(ids.shape, dtype=np.int64)
    for i, w in enumerate(windows):
        ids[i, :len(w)] = w
        mask[i, :len(w)] = 1
    hidden = _torch_layers(encoder, ids, mask)
    states, means = np.concatenate(hidden, axis=-1), mean_pool(hidden[-1], mask)
    return [(states[i, 1:len(w) - 1], means[i]) for i, w in enumerate(windows)]


def _torch_layers(encoder: Any, ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """Hidden states of ``LAYERS`` as float32 arrays, from the PyTorch model."""
    import torch

    with torch.inference_mode():
        out = encoder.model[0].auto_model(input_ids=torch.from_numpy(ids).to(encoder.device),
                                          attention_mask=torch.from_numpy(mask).to(encoder.device),
                                          output_hidden_states=True)
        return [out.hidden_states[layer].float().cpu().numpy() for layer in LAYERS]


def mean_pool(last: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Normalized mean of ``last`` over the positions where ``mask`` is 1."""
    m = mask[..., None].astype(np.float32)
    means = (last * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)


REDUCED_TEXTS = 100_000  # per reducer: the latest texts' values (floats), as many as the encoder's embeddings

Reducer = Callable[[list[TokenStates]], np.ndarray]  # token states of some texts -> one value per text


class Reductions:
    """Functions of a text's token states (a toxicity head's logit) computed in every token pass.

    Token states are too large to keep (a batch's prompts and completions hold ~100k tokens, ~300 MB),
    so a head that reads them registers a reducer; each pass of the shared encoder, whichever
    evaluator asked for it, applies it, and the small results are kept for the latest texts. The
    toxicity head thus reads the completions the PII head's pass already ran.
    """

    def __init__(self) -> None:
        self._reducers: dict[str, Reducer] = {}
        self._values: dict[str, OrderedDict[bytes, float]] = {}  # by SHA-1 of the text
        self._lock = threading.Lock()

    def register(self, key: str, reducer: Reducer) -> None:
        with self._lock:
            if key not in self._reducers:
                self._reducers[key] = reducer
                self._values[key] = OrderedDict()

    def apply(self, texts: Sequence[str], states: list[TokenStates]) -> None:
        """Run every registered reducer over freshly computed states and keep the results."""
        with self._lock:
            reducers = list(self._reducers.items())
        for key, reducer in reducers:
            values = reducer(states)
            with self._lock:
                kept = self._values[key]
                for text, value in zip(texts, values):
                    key_of = text_key(text)
                    kept[key_of] = float(value)
                    kept.move_to_end(key_of)
                while len(kept) > REDUCED_TEXTS:
                    kept.popitem(last=False)

    def get(self, key: str, texts: Sequence[str]) -> dict[str, float]:
        """The kept values of ``texts`` under ``key`` (those not kept are absent)."""
        digests = [(t, text_key(t)) for t in texts]
        with self._lock:
            kept = self._values.get(key, {})
            return {t: kept[d] for t, d in digests if d in kept}


_REDUCTIONS_LOCK = threading.Lock()


def reductions(encoder: Any) -> Reductions:
    """The ``Reductions`` of a ``SentenceEncoder`` (or of the one behind a lazy wrapper)."""
    encoder = getattr(encoder, "encoder", encoder)
    with _REDUCTIONS_LOCK:
        found = getattr(encoder, "token_reductions", None)
        if found is None:
            found = encoder.token_reductions = Reductions()
        return found


def reduced(encoder: Any, key: str, reducer: Reducer, texts: Sequence[str]) -> np.ndarray:
    """``reducer``'s value for each text: from a pass that already ran (or is running) over it, else a new pass."""
    encoder = getattr(encoder, "encoder", encoder)
    table = reductions(encoder)
    table.register(key, reducer)
    found = table.get(key, texts)
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    if missing:
        # texts another evaluator's pass is encoding now are waited for (its pass runs our reducer);
        # the rest are encoded here meanwhile, not after it
        theirs = set(encoder.being_encoded(missing)) if hasattr(encoder, "being_encoded") else set()
        mine = [t for t in missing if t not in theirs]
        if mine:
            token_states(encoder, mine)  # applies the reducers
        if theirs:
            encoder.wait_for(list(theirs))
        found.update(table.get(key, missing))
        left = [t for t in missing if t not in found]  # only if the kept values were trimmed meanwhile
        if left:
            found.update(zip(left, reducer(token_states(encoder, left))))
    return np.array([found[t] for t in texts], dtype=np.float64)


def token_states(encoder: Any, texts: Sequence[str]) -> list[TokenStates]:
    """Token states and offsets for each text, in input order (an empty text gives zero tokens).

    Registered reducers (``reduced``) run over the result before it is returned.
    """
    encoder = getattr(encoder, "encoder", encoder)  # a LazyEncoder: the SentenceEncoder behind it
    tok = encoder.model.tokenizer
    enc = tok(list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False,
              verbose=False)
    width = encoder.max_tokens - 2
    windows: list[tuple[int, list[int]]] = []
    for i, ids in enumerate(enc["input_ids"]):
        for start in range(0, max(len(ids), 1), width):
            windows.append((i, [tok.cls_token_id, *ids[start:start + width], tok.sep_token_id]))
    claimed = encoder.claim(texts) if hasattr(encoder, "claim") else []  # an embed() of these texts waits
    try:
        per_window = _run_all(encoder, windows)
        firsts: dict[int, np.ndarray] = {}
        parts: list[list[np.ndarray]] = [[] for _ in texts]
        for (i, _), (states, mean) in zip(windows, per_window):
            parts[i].append(states)
            firsts.setdefault(i, mean)
        remember = getattr(encoder, "remember", None)
        if remember is not None:
            remember([texts[i] for i in firsts], np.stack([firsts[i] for i in firsts]))
        out = [TokenStates(np.concatenate(p) if p else np.zeros((0, STATE_DIM), np.float32),
                           np.asarray(enc["offset_mapping"][i], dtype=np.int64).reshape(-1, 2))
               for i, p in enumerate(parts)]
        table = getattr(encoder, "token_reductions", None)
        if table is not None:  # before the claims end: a thread waiting for these texts reads the values
            table.apply(texts, out)
    finally:
        if claimed:
            encoder.release(claimed)
    return out


def _run_all(encoder: Any, windows: list[tuple[int, list[int]]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(states, mean) of every window, in order; batched like sentence embeddings."""
    batches = pack_by_tokens([len(w) for _, w in windows], encoder.token_budget, encoder.batch_size)
    groups = [[windows[j][1] for j in batch] for batch in batches]
    # even a single batch goes to a one-thread worker: PII runs beside other evaluators, and two
    # torch threads fighting for a busy core were 14x slower than one (measured, load 12 on 2 cores)
    if encoder._workers is None:
        results = [_run_windows(encoder, g) for g in groups]
    else:
        results = list(encoder._workers.map(lambda g: _run_windows(encoder, g), groups))
    per_window: list[tuple[np.ndarray, np.ndarray]] = [None] * len(windows)  # type: ignore[list-item]
    for batch, rows in zip(batches, results):
        for j, row in zip(batch, rows):
            per_window[j] = row
    return per_window
