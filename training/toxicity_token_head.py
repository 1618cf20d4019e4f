"""Train the toxicity token head (``evaluators/toxicity_tokens.py``) and cache its inputs.

Inputs: the shared encoder's token states (layers 3 and 6, the PII head's pass) of every training
text, cached on disk under /tmp (not in git) as float16, the first ``MAX_TOKENS`` word pieces of a
text as the evaluator reads them. Filling the cache for the ~66k training and
HateCheck texts takes ~7 minutes on 2 idle cores and also fills the sentence-embedding cache
(``toxicity_cache.py``): one pass gives both.

Training (torch, AdamW, ``EPOCHS`` epochs, batches of similar length): a weighted BCE on the text
label through attention pooling, plus ``SPAN_WEIGHT`` x a BCE per token where the token's label
is known: a token inside an annotated toxic span is 1, every token of a non-toxic text is 0,
tokens of toxic texts without spans are not labelled. About a minute per fit on 2 cores.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from spyglass.evaluators.encoder import text_key
from spyglass.evaluators.encoder_tokens import STATE_DIM, TokenStates
from spyglass.evaluators.toxicity_tokens import MAX_TOKENS
from spyglass.training.encoding import cache_name, training_encoder

CACHE_DIR = Path("/tmp/spyglass-embeddings/minilm-token-states")
HIDDEN = 128
EPOCHS = 4
SPAN_WEIGHT = 0.5
BATCH = 128


@dataclass
class StateTable:
    """Token states of some texts, read from the cache: text i's are ``states[start[i]:start[i] + length[i]]``."""

    states: np.ndarray  # (tokens, STATE_DIM) float16, memory-mapped
    offsets: np.ndarray  # (tokens, 2) int32
    start: np.ndarray
    length: np.ndarray

    def take(self, rows: Sequence[int] | np.ndarray) -> "StateTable":
        """The same cache's states of the texts at ``rows``."""
        return StateTable(self.states, self.offsets, self.start[rows], self.length[rows])

    def of(self, i: int) -> TokenStates:
        lo, hi = self.start[i], self.start[i] + self.length[i]
        return TokenStates(np.asarray(self.states[lo:hi], dtype=np.float32), self.offsets[lo:hi])


def cached_token_states(texts: Sequence[str], precision: str | None = None) -> StateTable:
    """The cached token states of ``texts`` (missing ones computed with the training encoder and added)."""
    folder = cache_name(CACHE_DIR / "x", precision).parent
    keys = _load_keys(folder)
    missing = list(dict.fromkeys(t for t in texts if text_key(t) not in keys))
    if missing:
        _add(folder, missing, precision)
        keys = _load_keys(folder)
    lengths = np.load(folder / "lengths.npy")
    starts = np.concatenate([[0], np.cumsum(lengths)])[:-1]
    rows = np.array([keys[text_key(t)] for t in texts], dtype=np.int64)
    return StateTable(np.load(folder / "states.npy", mmap_mode="r"), np.load(folder / "offsets.npy", mmap_mode="r"),
                      starts[rows], lengths[rows])


def _load_keys(folder: Path) -> dict[bytes, int]:
    if not (folder / "keys.npy").exists():
        return {}
    return {bytes(k).ljust(20, b"\0"): i for i, k in enumerate(np.load(folder / "keys.npy"))}


def _add(folder: Path, texts: list[str], precision: str | None, chunk: int = 1024) -> None:
    """Encode ``texts`` and append them to the cache (rewritten whole: one writer at a time)."""
    from rich.progress import Progress

    from spyglass.evaluators.encoder_tokens import token_states

    from spyglass.training.toxicity_cache import add_embeddings

    encoder = training_encoder(precision)
    states, offsets, lengths, means = [], [], [], []
    with Progress(transient=True) as progress:
        task = progress.add_task("token states", total=len(texts))
        for lo in range(0, len(texts), chunk):
            for s in token_states(encoder, texts[lo:lo + chunk]):
                n = min(len(s.states), MAX_TOKENS)
                states.append(s.states[:n].astype(np.float16))
                offsets.append(s.offsets[:n].astype(np.int32))
                lengths.append(n)
            means.append(encoder.embed(texts[lo:lo + chunk]))  # remembered by the pass: no second run
            progress.advance(task, min(chunk, len(texts) - lo))
    add_embeddings(texts, np.concatenate(means), precision)  # the sentence-embedding cache, same pass
    folder.mkdir(parents=True, exist_ok=True)
    new_keys = np.array([text_key(t) for t in texts], dtype="S20")
    if (folder / "keys.npy").exists():
        new_keys = np.concatenate([np.load(folder / "keys.npy"), new_keys])
        states.insert(0, np.load(folder / "states.npy"))
        offsets.insert(0, np.load(folder / "offsets.npy"))
        lengths = [*np.load(folder / "lengths.npy"), *lengths]
    for name, array in (("states", np.concatenate(states) if states else np.zeros((0, STATE_DIM), np.float16)),
                        ("offsets", np.concatenate(offsets) if offsets else np.zeros((0, 2), np.int32)),
                        ("lengths", np.array(lengths, dtype=np.int64)), ("keys", new_keys)):
        np.save(folder / f"{name}.tmp.npy", array)
        (folder / f"{name}.tmp.npy").replace(folder / f"{name}.npy")  # keys last: a partial write is never read


def token_labels(text: str, spans: Sequence[tuple[int, int, str]], toxic: int, offsets: np.ndarray) -> np.ndarray:
    """Per token: 1 inside an annotated toxic span, 0 for every token of a non-toxic text, -1 unknown."""
    if not toxic:
        return np.zeros(len(offsets), np.float32)
    labels = np.full(len(offsets), -1.0 if not spans else 0.0, dtype=np.float32)
    for start, end, _ in spans:
        labels[(offsets[:, 0] < end) & (offsets[:, 1] > start)] = 1.0
    return labels


def fit_token_head(table: StateTable, y: np.ndarray, w: np.ndarray, labels: Sequence[np.ndarray],
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Fit the head on every text of ``table`` (labels ``y``, weights ``w``, per-token ``labels``)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    proj = torch.nn.Linear(STATE_DIM, HIDDEN)
    att, out = torch.nn.Linear(HIDDEN, 1), torch.nn.Linear(HIDDEN, 1)
    dropout = torch.nn.Dropout(0.2)
    params = [*proj.parameters(), *att.parameters(), *out.parameters()]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-2)
    weight = (w / w.mean()).astype(np.float32)
    order = np.argsort(table.length, kind="stable")  # batches of similar length: little padding
    batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    for _ in range(EPOCHS):
        for b in rng.permutation(len(batches)):
            idx = batches[b]
            width = max(int(table.length[idx].max()), 1)
            x = np.zeros((len(idx), width, STATE_DIM), np.float32)
            mask = np.zeros((len(idx), width), bool)
            tl = np.full((len(idx), width), -1.0, np.float32)
            for j, i in enumerate(idx):
                n = int(table.length[i])
                x[j, :n] = table.states[table.start[i]:table.start[i] + n]
                mask[j, :n] = True
                tl[j, :n] = labels[i][:n]
            mask[:, 0] = True  # an empty text pools its padding (all zeros)
            xt, mt, tt = torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(tl)
            hidden = dropout(torch.relu(proj(xt)))
            a = att(hidden)[..., 0].masked_fill(~mt, -1e4).softmax(-1)
            z = out((a[..., None] * hidden).sum(1))[:, 0]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                z, torch.from_numpy(y[idx].astype(np.float32)), weight=torch.from_numpy(weight[idx]))
            known = (tt >= 0) & mt
            if known.any():
                loss = loss + SPAN_WEIGHT * torch.nn.functional.binary_cross_entropy_with_logits(
                    out(hidden)[..., 0][known], tt[known])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {"tok_w1": proj.weight.detach().numpy().T.astype(np.float16), "tok_b1": proj.bias.detach().numpy().copy(),
            "tok_att": att.weight.detach().numpy()[0].copy(), "tok_att_b": np.float32(att.bias.item()),
            "tok_w2": out.weight.detach().numpy()[0].copy(), "tok_b2": np.float32(out.bias.item())}


def table_logits(parts: dict[str, np.ndarray], table: StateTable, rows: Sequence[int] | None = None) -> np.ndarray:
    """The head's logit for each text of ``table`` (or the rows given), as the evaluator computes it."""
    from spyglass.evaluators.toxicity_tokens import token_logits

    rows = range(len(table.length)) if rows is None else rows
    return token_logits(parts, [table.of(i) for i in rows])


if __name__ == "__main__":  # fill the cache for every training text and HateCheck
    from spyglass.evaluators.toxicity_text import normalize_text
    from spyglass.training.toxicity_sources import load_hatecheck, load_sources

    texts = [normalize_text(r.text) for r in load_sources()] + [normalize_text(c.text) for c in load_hatecheck()]
    print(len(cached_token_states(texts).length), file=sys.stderr)
