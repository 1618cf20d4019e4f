"""An on-disk embedding cache wrapped around the shared encoder, for training and accuracy runs.

Re-running the training or accuracy script after a feature change re-embeds nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from spyglass.evaluators.base import TextEncoder


class DiskCachedEncoder:
    """Delegates to ``encoder`` for texts not yet in ``path`` (an .npz of SHA-1 -> vector)."""

    def __init__(self, encoder: TextEncoder, path: str | Path) -> None:
        self.encoder = encoder
        self.path = Path(path)
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                self.vectors = dict(zip(data["keys"].tolist(), data["vectors"]))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings in input order; misses go to the wrapped encoder and are saved to disk."""
        keys = [hashlib.sha1(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.vectors}.items())
        if missing:
            fresh = self.encoder.embed([t for _, t in missing])
            self.vectors.update({k: v for (k, _), v in zip(missing, fresh)})
            self.save()
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def save(self) -> None:
        """Write the cache atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))
        tmp.replace(self.path)
