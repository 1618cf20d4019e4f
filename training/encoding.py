"""The shared encoder as the training and accuracy tooling use it: on CPU, at the configured precision.

The shipped heads are trained on fp32 embeddings (``SPYGLASS_TRAINING_PRECISION`` unset). A
running Spyglass encodes in int8 on CPU (``evaluators/encoder_onnx.py``); setting the variable
to ``int8`` runs the accuracy commands on those embeddings. Each precision keeps its own
on-disk caches (``cache_name``), so the two never mix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def training_precision() -> str:
    """'fp32' unless SPYGLASS_TRAINING_PRECISION says otherwise."""
    from spyglass.core.settings import TrainingSettings

    return TrainingSettings().precision


def training_encoder(**options: Any) -> Any:
    """A CPU ``SentenceEncoder`` at the training precision."""
    from spyglass.evaluators.encoder import SentenceEncoder

    return SentenceEncoder(device="cpu", precision=training_precision(), **options)


def cache_name(path: Path) -> Path:
    """``path`` for fp32; otherwise the same name in a folder named after the precision (x/int8/embeddings.npz)."""
    precision = training_precision()
    return path if precision == "fp32" else path.parent / precision / path.name
