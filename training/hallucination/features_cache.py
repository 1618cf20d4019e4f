"""Feature matrices of the labelled datasets, computed once with an on-disk embedding cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from spyglass.core.settings import TrainingSettings
from spyglass.training.hallucination.data import Example
from spyglass.training.hallucination.disk_cache import DiskCachedEncoder
from spyglass.evaluators.hallucination.evidence import extract

CACHE_DIR = Path(TrainingSettings().halluc_cache)


@dataclass
class ClaimTable:
    """Claim-level feature rows, each tied back to its example by ``span_index``."""

    features: np.ndarray  # (claims, features)
    span_index: np.ndarray  # (claims,) index into the examples list
    claim_vectors: np.ndarray  # (claims, 384) claim embeddings, for the claim gate


def cached_encoder() -> DiskCachedEncoder:
    """The shared encoder behind the on-disk embedding cache."""
    from spyglass.training.encoding import cache_name, training_encoder

    return DiskCachedEncoder(training_encoder(), cache_name(CACHE_DIR / "embeddings.npz"))


def build_table(examples: Sequence[Example], idf: Mapping[str, float], chunk_tokens: int,
                encoder: DiskCachedEncoder | None = None, batch: int = 512) -> ClaimTable:
    """Features of every claim of every example (all examples have context, so none is skipped)."""
    encoder = encoder or cached_encoder()
    rows, owners, vectors = [], [], []
    for start in range(0, len(examples), batch):
        part = examples[start:start + batch]
        for offset, evidence in enumerate(extract([e.span for e in part], encoder, idf, chunk_tokens)):
            assert evidence is not None, f"example {part[offset].key} has no context"
            rows.append(evidence.features)
            vectors.append(evidence.claim_vectors)
            owners.extend([start + offset] * len(evidence.claims))
        print(f"  features: {min(start + batch, len(examples))}/{len(examples)} examples", flush=True)
    return ClaimTable(features=np.vstack(rows), span_index=np.asarray(owners), claim_vectors=np.vstack(vectors))


def span_scores(claim_scores: np.ndarray, span_index: np.ndarray, n_spans: int) -> np.ndarray:
    """A span's score is its worst claim's score."""
    out = np.full(n_spans, -np.inf)
    np.maximum.at(out, span_index, claim_scores)
    return out
