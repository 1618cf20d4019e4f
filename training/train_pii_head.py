"""Train the PII token head (``evaluators/models/pii_head.npz``) on the train splits of every source.

    nice -n 10 python -m spyglass.training.train_pii_head [--cache /tmp/pii_states.npz]

Sources: presidio synth v2 (its train templates), wnut17 train + dev, and this project's six
Faker template families (four fifths of each); see ``pii_sources.py``. The MiniLM token states
are computed once (``--cache`` keeps them between runs); the head is a one-hidden-layer MLP
trained with Adam for a fixed number of epochs, seeded (~10 min on 2 cores, most of it the
encoder pass).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from spyglass.evaluators.encoder_tokens import STATE_DIM, TokenStates, token_states
from spyglass.evaluators.pii_head import LABELS, MODEL_PATH, continues_word, head_inputs
from spyglass.training.pii_data import Entity
from spyglass.training.pii_sources import PIISentence, load_sources
from spyglass.training.toxicity_data import DEFAULT_DATASETS

HIDDEN = 128
EPOCHS = 4
VERSION = "pii-head-1"


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def compute_states(texts: Sequence[str], cache: Path | None = None) -> list[TokenStates]:
    """MiniLM token states of ``texts``; ``cache`` (npz) keeps them per text between runs."""
    from spyglass.training.encoding import cache_name, training_encoder

    known: dict[str, TokenStates] = {}
    cache = cache_name(cache) if cache else None
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if "keys" in data.files:
                bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
                states, offsets = data["states"], data["offsets"]
                for key, a, b in zip(data["keys"], bounds[:-1], bounds[1:]):
                    known[str(key)] = TokenStates(states[a:b].astype(np.float32), offsets[a:b])
    keys = [_text_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    if missing:
        computed = token_states(training_encoder(), [t for _, t in missing])
        known.update({k: s for (k, _), s in zip(missing, computed)})
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            order = sorted(set(keys))
            np.savez(cache, keys=np.array(order), lengths=np.array([len(known[k].offsets) for k in order]),
                     states=np.concatenate([known[k].states for k in order]).astype(np.float16),
                     offsets=np.concatenate([known[k].offsets.reshape(-1, 2) for k in order]))
    return [known[k] for k in keys]


def token_labels(text: str, offsets: np.ndarray, entities: Sequence[Entity]) -> np.ndarray:
    """Label index per token (B on an entity's first token, I on the rest); -1 on word pieces."""
    labels = np.zeros(len(offsets), np.int64)
    for ent in entities:
        if f"B-{ent.type}" not in LABELS:
            continue
        inside = [i for i in range(len(offsets)) if offsets[i, 0] < ent.end and offsets[i, 1] > ent.start]
        for k, i in enumerate(inside):
            labels[i] = LABELS.index(f"{'B' if k == 0 else 'I'}-{ent.type}")
    for i in range(len(offsets)):
        if continues_word(text, offsets, i):
            labels[i] = -1
    return labels


def build_matrix(rows: Sequence[PIISentence], states: Sequence[TokenStates]) -> tuple[np.ndarray, np.ndarray]:
    """Input rows and labels of every word-initial token of ``rows``."""
    xs, ys = [], []
    for row, ts in zip(rows, states):
        y = token_labels(row.text, ts.offsets, row.entities)
        keep = y >= 0
        xs.append(head_inputs(row.text, ts)[keep])
        ys.append(y[keep])
    return np.vstack(xs), np.concatenate(ys)


def train_head(x: np.ndarray, y: np.ndarray, seed: int = 0, hidden: int = HIDDEN,
               epochs: int = EPOCHS) -> dict[str, np.ndarray]:
    """Fit the MLP; returns its weights (standardization included) as float32 arrays."""
    import torch

    torch.manual_seed(seed)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-4
    xt = torch.from_numpy((x - mean) / std).float()
    yt = torch.from_numpy(y)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                torch.nn.Linear(hidden, len(LABELS)))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=gen).split(1024):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    first, last = model[0], model[3]
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32),
            "w1": first.weight.detach().numpy().T.copy(), "b1": first.bias.detach().numpy().copy(),
            "w2": last.weight.detach().numpy().T.copy(), "b2": last.bias.detach().numpy().copy()}


def save_head(weights: dict[str, np.ndarray], meta: dict, path: Path = MODEL_PATH) -> None:
    """Write the weights (npz, float16 for the big matrix) and the metadata (json)."""
    stored = {k: (v.astype(np.float16) if k == "w1" else v) for k, v in weights.items()}
    np.savez_compressed(path, **stored)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Train on every source's train split and write the shipped head."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--cache", type=Path, help="npz file keeping the token states between runs")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = load_sources(args.datasets)
    states = compute_states([r.text for r in rows], args.cache)
    train = [i for i, r in enumerate(rows) if r.split == "train"]
    x, y = build_matrix([rows[i] for i in train], [states[i] for i in train])
    weights = train_head(x, y)
    sources = sorted({r.source for r in rows})
    meta = {"version": VERSION, "labels": list(LABELS), "state_dim": STATE_DIM, "hidden": HIDDEN,
            "epochs": EPOCHS, "trained_on": {s: sum(rows[i].source == s for i in train) for s in sources},
            "tokens": int(len(y))}
    save_head(weights, meta, args.out)
    print(json.dumps({**meta, "seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
