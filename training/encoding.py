"""The shared encoder as the training and accuracy tooling use it: on CPU, at the configured precision.

The shipped heads are trained on fp32 embeddings (``SPYGLASS_TRAINING_PRECISION`` unset). A
running Spyglass encodes in int8 on CPU (``evaluators/encoder_onnx.py``); setting the variable
to ``int8`` runs the accuracy commands on those embeddings. Each precision keeps its own
on-disk caches (``cache_name``), so the two never mix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def training_precision() -> str:
    """'fp32' unless SPYGLASS_TRAINING_PRECISION says otherwise."""
    from spyglass.core.settings import TrainingSettings

    return TrainingSettings().precision


def training_encoder(precision: str | None = None, **options: Any) -> Any:
    """A CPU ``SentenceEncoder`` at ``precision`` (default: the training precision)."""
    from spyglass.evaluators.encoder import SentenceEncoder

    return SentenceEncoder(device="cpu", precision=precision or training_precision(), **options)


def cache_name(path: Path, precision: str | None = None) -> Path:
    """``path`` for fp32; otherwise the same name in a folder named after the precision, and for
    int8 after the exported graph's form too, so a changed export never reads stale vectors
    (x/int8-1a2b3c4d/embeddings.npz). ``precision`` defaults to the training precision."""
    precision = precision or training_precision()
    if precision == "fp32":
        return path
    if precision == "int8":
        from spyglass.evaluators.encoder_onnx import EXPORT_FORM, EXPORT_LAYERS

        precision += "-" + hashlib.sha1(f"{EXPORT_FORM} {EXPORT_LAYERS}".encode()).hexdigest()[:8]
    return path.parent / precision / path.name
