"""Long answers: several test answers of one source joined into one completion, their contexts as its
documents; half of them with one hallucinated answer among faithful ones. Balanced accuracy of the
shipped model with its threshold per number of claims (``model.claims_threshold``) beside one
threshold for every completion (what it did before). Test splits only.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from spyglass.training.hallucination.crossdomain import HEADLINE_SOURCES
from spyglass.training.hallucination.data import Example
from spyglass.training.hallucination.metrics import balanced_accuracy


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]  # BEGIN's answers are lower-cased; a completion is not
    return text if text[-1:] in ".!?" else text + "."


def long_answers(examples: list[Example], sizes: tuple[int, ...] = (2, 3, 5), per_size: int = 300,
                 seed: int = 0) -> dict[str, Any]:
    """Per source and number of joined answers: BAcc per number of claims / with one threshold."""
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.hallucination.evidence import SpanInput
    from spyglass.evaluators.hallucination.offline import FeatureBackend

    backend = FeatureBackend()
    ctx = EvalContext(encoder=SentenceEncoder(device="cpu"), device="cpu")
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    for source in HEADLINE_SOURCES:
        pool = [e for e in examples if e.split == "test" and e.dataset == source]
        faithful, hallucinated = [e for e in pool if e.label == 0], [e for e in pool if e.label == 1]
        for size in sizes:
            inputs, labels = [], []
            for i in range(per_size):
                parts = rng.sample(faithful, size)
                if i % 2:
                    parts[rng.randrange(size)] = rng.choice(hallucinated)
                documents = [d for p in parts for d in p.span.documents]
                inputs.append(SpanInput(completion=" ".join(_sentence(p.span.completion) for p in parts),
                                        documents=documents, sources=["context"] * len(documents)))
                labels.append(i % 2)
            verdicts = backend.score(inputs, ctx)
            worst = np.array([float(np.max(v.unsupported)) for v in verdicts])
            per_claims = np.array([backend.threshold_for(int(np.sum(v.checked))) for v in verdicts])
            y = np.array(labels)
            out[f"{source}/{size}"] = {"bacc": round(balanced_accuracy(y, worst >= per_claims), 4),
                                       "one_threshold_bacc": round(balanced_accuracy(y, worst >= backend.threshold), 4)}
    return out
