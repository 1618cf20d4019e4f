"""A per-text on-disk cache of MiniLM embeddings for training (not in git: under /tmp by default).

Keyed by SHA-1 of each text, so adding a source or a template embeds only the new texts.

    nice -n 10 python -m spyglass.training.toxicity_cache   # fill it for all sources
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spyglass.evaluators.encoder import text_key
from spyglass.training.encoding import cache_name, training_encoder

CACHE_FILE = Path("/tmp/spyglass-embeddings/minilm-by-text.npz")


def _load(path: Path) -> dict[bytes, np.ndarray]:
    store: dict[bytes, np.ndarray] = {}
    # the main file and any side files (minilm-by-text-*.npz) filled by a parallel run
    for part in sorted(path.parent.glob(path.stem + "*.npz")):
        if ".tmp" not in part.name:
            with np.load(part) as data:
                # numpy's S20 drops trailing zero bytes of a digest: pad them back
                store.update(zip((bytes(k).ljust(20, b"\0") for k in data["keys"]), data["vectors"]))
    return store


def add_embeddings(texts: list[str], vectors: np.ndarray, precision: str | None = None) -> None:
    """Add embeddings computed elsewhere (the token-state pass) to the cache."""
    path = cache_name(CACHE_FILE, precision)
    store = _load(path)
    store.update(zip((text_key(t) for t in texts), vectors))
    _save(store, path)


def cached_embeddings(texts: list[str], path: Path | None = None, chunk: int = 4096,
                      precision: str | None = None) -> np.ndarray:
    """Embeddings of ``texts`` (the shared encoder's, CPU, at ``precision``: default the training
    precision), read from / added to the cache file."""
    path = path or cache_name(CACHE_FILE, precision)
    store = _load(path)
    keys = [text_key(t) for t in texts]
    missing = list(dict.fromkeys(k for k in keys if k not in store))
    if missing:
        encoder = training_encoder(precision)
        first = {k: t for k, t in zip(reversed(keys), reversed(texts))}
        for i in range(0, len(missing), chunk):
            part = missing[i:i + chunk]
            for k, v in zip(part, encoder.embed([first[k] for k in part])):
                store[k] = v
            _save(store, path)  # progress survives an interrupted run
    return np.stack([store[k] for k in keys]).astype(np.float32)


def _save(store: dict[bytes, np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a per-process temporary name: two runs writing one shared temporary file corrupted the cache
    tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
    np.savez(tmp, keys=np.array(list(store), dtype="S20"), vectors=np.stack(list(store.values())))
    tmp.replace(path)


def main() -> None:
    """Embed every training source and HateCheck into the cache."""
    from spyglass.evaluators.toxicity_text import normalize_text
    from spyglass.training.toxicity_sources import load_hatecheck, load_sources

    texts = [normalize_text(r.text) for r in load_sources()] + [normalize_text(c.text) for c in load_hatecheck()]
    print(cached_embeddings(texts).shape)


if __name__ == "__main__":
    main()
