"""Drift fixtures: the shared encoder and a generated prompt pool embedded once per session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from spyglass.drift.scenarios import TextPool, build_pool


@dataclass
class EmbeddedPool:
    pool: TextPool
    prompts: np.ndarray
    completions: np.ndarray


@pytest.fixture(scope="session")
def drift_encoder():
    """The real MiniLM encoder (CPU), loaded once."""
    from spyglass.evaluators.encoder import SentenceEncoder

    return SentenceEncoder(device="cpu")


@pytest.fixture(scope="session")
def embedded_pool(drift_encoder) -> EmbeddedPool:
    """600 prompts/completions (120 of them an unrelated topic) with their real embeddings."""
    pool = build_pool()
    return EmbeddedPool(pool, drift_encoder.embed(pool.prompts), drift_encoder.embed(pool.completions))
