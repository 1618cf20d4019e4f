"""Presidio's pattern stage on worker processes, for machines where the encoder is not the bottleneck.

spaCy's tokenizer, the regexes and the context-word scoring are Python that holds the GIL: on one
thread they cap the PII evaluator at a few hundred spans a second however fast a GPU encodes.
``PatternPool`` hands chunks of lines to ``processes`` spawned workers, each with its own analyzer
(built once, at start), and returns the same results in the same order as the in-process stage.
Workers live and die like the ingest decode workers (``DecodePool``): they exit with the process
that started them.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import Future
from typing import Any

from spyglass.ingest.decode_pool import DecodePool

_ANALYZER: Any = None  # in a worker: the analyzer its setup built, and the BLAS controller
_BLAS: Any = None
MIN_CHUNK = 16  # lines per task at least: below that the pickling costs more than the work


def default_processes(device: str) -> int:
    """Workers for ``SPYGLASS_PII_PROCESSES`` unset: none on CPU (the encoder needs the cores), else all but two, at most 12."""
    if not device.startswith("cuda"):
        return 0
    return max(0, min(12, (os.cpu_count() or 1) - 2))


def analyze_patterns(analyzer: Any, blas: Any, texts: list[str], batch_size: int = 64) -> list[list[Any]]:
    """Presidio's raw results per text; spaCy runs batched, BLAS on one thread (``blas``: a ThreadpoolController).

    spaCy's small matrix products gain nothing from more BLAS threads: idle ones spin and take
    the core the encoder's batches (run beside this evaluator) would use.
    """
    with blas.limit(limits=1, user_api="blas"):
        artifacts = list(analyzer.nlp_engine.process_batch(texts, language="en", batch_size=batch_size))
    return [analyzer.analyze(text=text, language="en", nlp_artifacts=nlp) for text, nlp in artifacts]


class PatternPool:
    """``processes`` workers running ``analyze_patterns`` with ``build_analyzer(tuned, spacy_ner)``."""

    def __init__(self, processes: int, tuned: bool, spacy_ner: bool) -> None:
        self.processes = processes
        self._pool = DecodePool(processes, setup=functools.partial(_setup, tuned, spacy_ner))
        self._pool.start()

    def submit(self, texts: list[str]) -> list[Future]:
        """Start analyzing ``texts``; ``collect`` the returned futures for the results."""
        size = max(MIN_CHUNK, -(-len(texts) // (2 * self.processes)))  # two chunks per worker: none idles at the end
        return [self._pool.submit(_analyze, texts[i:i + size]) for i in range(0, len(texts), size)]

    @staticmethod
    def collect(futures: list[Future]) -> list[list[Any]]:
        """Results per text, in the submitted order, as Presidio ``RecognizerResult`` objects.

        Raises ``BrokenProcessPool`` when a worker died (killed, out of memory): ``restart``, then
        analyze those texts again.
        """
        from presidio_analyzer import RecognizerResult

        rows = [row for future in futures for row in future.result()]
        return [[RecognizerResult(kind, start, end, score, recognition_metadata={"recognizer_name": name})
                 for kind, start, end, score, name in row] for row in rows]

    def restart(self) -> None:
        """New workers in place of a broken pool's."""
        self._pool.restart()

    def close(self) -> None:
        self._pool.stop()


def _setup(tuned: bool, spacy_ner: bool) -> None:
    from threadpoolctl import ThreadpoolController

    from spyglass.evaluators.pii_analyzer import build_analyzer

    global _ANALYZER, _BLAS
    _ANALYZER = build_analyzer(tuned, spacy_ner=spacy_ner)
    _BLAS = ThreadpoolController()


def _analyze(texts: list[str]) -> list[list[tuple[str, int, int, float, str | None]]]:
    """In a worker: each text's results as plain tuples (a result object pickles its explanation too)."""
    return [[(r.entity_type, r.start, r.end, r.score, (r.recognition_metadata or {}).get("recognizer_name"))
             for r in results] for results in analyze_patterns(_ANALYZER, _BLAS, texts)]
