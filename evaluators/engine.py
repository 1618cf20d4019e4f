"""Run evaluators over a batch of spans: each scores the spans it applies to, failures are contained.

This is the pure core the Kafka worker and ``spyglass score`` share: spans in, scores out,
no I/O. An evaluator that raises gets ``error_score`` for its spans; the others are unaffected.
Evaluators run side by side on ``lanes`` threads, in the order given (those that ``encodes_first``
first: the others find their texts' embeddings in the shared encoder): the model work releases
the GIL, so one evaluator's Python (Presidio's rules) overlaps another's encoder batches
(all three built-ins on 2 cores: ~1.1x faster with 2 lanes than one after another).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from spyglass.evaluators.base import EvalContext, Evaluator, Score, error_score
from spyglass.telemetry.consumer import evaluator_batch

log = logging.getLogger(__name__)


EVALUATOR_LANES = 2
_LANES_READY: "weakref.WeakSet[Evaluator]" = weakref.WeakSet()  # evaluators that have scored once, alone


def run_evaluators(spans: Sequence[dict[str, Any]], evaluators: Sequence[Evaluator],
                   ctx: EvalContext, lanes: int = EVALUATOR_LANES) -> dict[str, dict[str, Score]]:
    """Score ``spans`` with every evaluator; returns ``{span_id: {evaluator name: Score}}``.

    A span an evaluator does not apply to has no entry for it. Blocking; runs the models, at
    most ``lanes`` evaluators at a time (1: one after another, on the calling thread).
    """
    results: dict[str, dict[str, Score]] = {str(s["span_id"]): {} for s in spans}
    evaluators = sorted(evaluators, key=lambda e: not e.encodes_first)  # stable: the given order otherwise
    # An evaluator's first scoring runs alone on this thread: what it loads or imports lazily then
    # (scikit-learn, the encoder) is not thread-safe. Two lanes importing scikit-learn at once
    # deadlocked in its circular imports ("partially initialized module"; measured in `spyglass score`).
    if lanes > 1 and len(evaluators) > 1 and all(e in _LANES_READY for e in evaluators):
        with ThreadPoolExecutor(min(lanes, len(evaluators)), thread_name_prefix="evaluator") as pool:
            outcomes = list(pool.map(lambda e: _score_with(e, spans, ctx), evaluators))
    else:
        outcomes = [_score_with(e, spans, ctx) for e in evaluators]
        _LANES_READY.update(e for e, outcome in zip(evaluators, outcomes) if outcome)
    for evaluator, outcome in zip(evaluators, outcomes):
        for span_id, score in outcome:
            results[span_id][evaluator.name] = score
    return results


def _score_with(evaluator: Evaluator, spans: Sequence[dict[str, Any]], ctx: EvalContext) -> list[tuple[str, Score]]:
    """``(span_id, score)`` for each span ``evaluator`` applies to (or whose predicate raised)."""
    outcome: list[tuple[str, Score]] = []
    chosen = []
    for span in spans:
        try:
            if evaluator.applies_to(span):
                chosen.append(span)
        except Exception as exc:  # noqa: BLE001 - a broken predicate fails that evaluator on that span only
            outcome.append((str(span["span_id"]), error_score(exc)))
    if not chosen:
        return outcome
    started = time.perf_counter()
    try:
        scores = evaluator.evaluate(list(chosen), ctx)
        if len(scores) != len(chosen):
            raise RuntimeError(f"returned {len(scores)} scores for {len(chosen)} spans")
    except Exception as exc:  # noqa: BLE001 - one evaluator's failure must not stop the others
        log.warning("evaluator %s failed on %d spans: %s", evaluator.name, len(chosen), exc)
        scores = [error_score(exc)] * len(chosen)
    outcome.extend((str(span["span_id"]), score) for span, score in zip(chosen, scores))
    evaluator_batch(evaluator.name, outcome, time.perf_counter() - started)
    return outcome


def torch_dtype_for(device: str):
    """The dtype models run in on ``device``: bf16 on CUDA with bf16 support, else fp16; fp32 on CPU."""
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


class LazyEncoder:
    """The shared ``SentenceEncoder``, built on first use (a PII-only run never loads MiniLM)."""

    def __init__(self, device: str = "cpu", model_path: str | None = None, precision: str = "auto") -> None:
        self.device = device
        self.model_path = model_path
        self.precision = precision
        self._encoder: Any = None
        self._loading = threading.Lock()

    @property
    def encoder(self) -> Any:
        """The underlying ``SentenceEncoder`` (loaded now if it was not; once, whichever lane asks first)."""
        if self._encoder is None:
            # two evaluator lanes ask at once on a fresh run: two loads would race in transformers'
            # weight loading (global state) and give the lanes different caches, so claims miss
            with self._loading:
                if self._encoder is None:
                    from spyglass.evaluators.encoder import SentenceEncoder

                    self._encoder = SentenceEncoder(self.model_path, device=self.device, precision=self.precision)
        return self._encoder

    def embed(self, texts: Sequence[str]) -> Any:
        """L2-normalized embeddings, one row per text (see ``SentenceEncoder.embed``)."""
        return self.encoder.embed(texts)
