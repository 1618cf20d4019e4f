"""Run evaluators over a batch of spans: each scores the spans it applies to, failures are contained.

This is the pure core the Kafka worker and ``spyglass score`` share: spans in, scores out,
no I/O. An evaluator that raises gets ``error_score`` for its spans; the others are unaffected.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from spyglass.evaluators.base import EvalContext, Evaluator, Score, error_score

log = logging.getLogger(__name__)


def run_evaluators(spans: Sequence[dict[str, Any]], evaluators: Sequence[Evaluator],
                   ctx: EvalContext) -> dict[str, dict[str, Score]]:
    """Score ``spans`` with every evaluator; returns ``{span_id: {evaluator name: Score}}``.

    A span an evaluator does not apply to has no entry for it. Blocking; runs the models.
    """
    results: dict[str, dict[str, Score]] = {str(s["span_id"]): {} for s in spans}
    for evaluator in evaluators:
        chosen = [s for s in spans if _applies(evaluator, s)]
        if not chosen:
            continue
        try:
            scores = evaluator.evaluate(list(chosen), ctx)
            if len(scores) != len(chosen):
                raise RuntimeError(f"returned {len(scores)} scores for {len(chosen)} spans")
        except Exception as exc:  # noqa: BLE001 - one evaluator's failure must not stop the others
            log.warning("evaluator %s failed on %d spans: %s", evaluator.name, len(chosen), exc)
            scores = [error_score(exc)] * len(chosen)
        for span, score in zip(chosen, scores):
            results[str(span["span_id"])][evaluator.name] = score
    return results


def _applies(evaluator: Evaluator, span: dict[str, Any]) -> bool:
    try:
        return bool(evaluator.applies_to(span))
    except Exception as exc:  # noqa: BLE001 - a broken predicate is that evaluator's failure only
        log.warning("evaluator %s applies_to raised on span %s: %s", evaluator.name, span.get("span_id"), exc)
        return False


def torch_dtype_for(device: str):
    """The dtype models run in on ``device``: bf16 on CUDA with bf16 support, else fp16; fp32 on CPU."""
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
