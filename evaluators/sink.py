"""Scores batches of spans and stores the evaluations: the evaluator consumer group's sink.

It implements the span consumer loop's sink interface (prepare/store/forget) and knows nothing
else of Kafka. Scoring runs on the loop's helper thread, so the next batch is fetched meanwhile.
A span is named by (project, trace_id, span_id): span ids repeat across traces and projects.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from spyglass.evaluators.base import EvalContext, Evaluator
from spyglass.evaluators.engine import run_evaluators
from spyglass.evaluators.presample import ReadSampler
from spyglass.evaluators.sampling import LagSampler, SamplePlan
from spyglass.ingest.batch import StoreInterrupted
from spyglass.ingest.decode import Decoded, Source, decode_values
from spyglass.storage import Store
from spyglass.storage.erasure import without_erased
from spyglass.storage.evaluations import evaluated_keys, insert_evaluations
from spyglass.storage.rollups import EVALUATIONS_1M, repair_rollup
from spyglass.telemetry.consumer import evaluator_batch_done, evaluator_sampling

if TYPE_CHECKING:  # the loop's interface, for types only: scoring needs nothing of ingest at run time
    from spyglass.ingest.batch import Batch

log = logging.getLogger(__name__)

# what prepare() hands to store(): the spans to score, and the (span, evaluator) pairs stored already
EvaluationPlan = tuple[list[dict[str, Any]], dict[tuple[str, str, str, str], int]]

INTERRUPT_CHUNK = 64  # spans scored between two looks at the stop flag, when no sampler measures their cost
CHUNK_S = 1.0  # with a sampler: about this many seconds of scoring between two looks
# batch size asked of the consumer loop while behind the target lag: each batch costs an insert and
# a commit whatever it scores, and at thousands of spans/s small batches alone outrun the target
CATCH_UP_BATCH_SPANS = 10_000


class EvaluationSink:
    """Runs ``evaluators`` over each batch and writes one row per (span, evaluator).

    With a ``sampler``, a batch that arrives later than its target lag is scored in part (a
    weighted sample, see ``evaluators.sampling``); the spans left out can be backfilled later.
    """

    def __init__(self, store: Store, evaluators: Sequence[Evaluator], ctx: EvalContext,
                 sampler: LagSampler | None = None) -> None:
        self.db = store
        self.evaluators = list(evaluators)
        self.ctx = ctx
        self.sampler = sampler
        self.reader = ReadSampler() if sampler is not None else None  # far behind: validate only a sample
        self.versions = {e.name: e.version for e in self.evaluators}
        self.skipped = 0  # spans already scored by every current evaluator version
        self.sampled_out = 0  # spans left unscored to keep the lag bounded (backfill scores them)
        self.rollups_repaired = 0
        self._last_record_ms = 0  # newest Kafka timestamp of the previous batch
        self._interrupted = threading.Event()
        self._abandoned: object = None  # the batch whose partitions are being given up: stop scoring it
        self.batch_spans: int | None = None  # read by the consumer loop: None keeps its own size

    def warm_up(self) -> None:
        """Load the models now (one made-up span scored, nothing stored): the first batch is then not
        also the slowest, and its lag stays within the target. Blocking."""
        run_evaluators([{"span_id": "warm-up", "trace_id": "warm-up", "project": "", "model": "",
                         "prompt": "How do I reset my password?", "context": ["Reset it under Settings > Account."],
                         "completion": "Open Settings, then Account, and choose Reset password."}],
                       self.evaluators, self.ctx)

    def interrupt(self) -> None:
        """Stop scoring soon (between chunks): the batch in flight raises StoreInterrupted; thread-safe."""
        self._interrupted.set()

    def abandon(self, batch: Batch[EvaluationPlan]) -> None:
        """Stop scoring ``batch`` soon (between chunks): its partitions are being given up, and the
        next owner scores it; it raises StoreInterrupted unless its insert began. Thread-safe."""
        self._abandoned = batch

    def decode(self, items: Sequence[tuple[bytes | None, Source]]) -> Decoded:
        """The consumer loop's decode step: every span, or behind target the read sample (``presample``).

        Reading every span takes ingest's decode, whose fast path decodes common-shape records in C."""
        if self.reader is None or self.reader.reads_all:
            return decode_values(items)
        return decode_values(self.reader.records(items), choose=self.reader.choose)

    def prepare(self, batch: Batch[EvaluationPlan]) -> EvaluationPlan:
        """Spans to score and, for a batch that may repeat, the (span, evaluator) pairs already stored.

        Stored pairs may come from an insert cut off before its rollup rows; those are completed.
        """
        spans = without_erased(self.db, list({_key(row): row for row in batch.decoded.rows}.values()))
        done: dict[tuple[str, str, str, str], int] = {}
        if batch.may_repeat and spans:
            done = evaluated_keys(self.db, [_key(s) for s in spans], self.versions)
            if done:
                self.rollups_repaired += repair_rollup(self.db, EVALUATIONS_1M, done.values(),
                                                       {s["project"] for s in spans})
            before = len(spans)
            spans = [s for s in spans if any((*_key(s), name) not in done for name in self.versions)]
            self.skipped += before - len(spans)
        return spans, done

    def store(self, batch: Batch[EvaluationPlan]) -> int:
        """Score and insert; runs the models (blocking). Raises StorageError to be fetched again."""
        try:
            return self._score_and_insert(batch)
        finally:
            evaluator_batch_done()

    def _score_and_insert(self, batch: Batch[EvaluationPlan]) -> int:
        assert batch.prepared is not None, "the loop calls prepare() first"
        spans, done = batch.prepared
        plan = self._plan(batch, spans)
        if not plan.spans:
            return 0
        started = time.perf_counter()
        rows = []
        weights = {_key(span): w for span, w in zip(plan.spans, plan.weights)}
        size = INTERRUPT_CHUNK if self.sampler is None else max(8, int(CHUNK_S / self.sampler.per_span_s))
        for group in _unique_span_ids(plan.spans):  # the engine names spans by span id alone
            for i in range(0, len(group), size):
                if self._interrupted.is_set() or self._abandoned is batch:
                    raise StoreInterrupted(f"stopping: {len(plan.spans)} spans not scored")
                chunk = group[i:i + size]
                rows.extend(self._rows(chunk, run_evaluators(chunk, self.evaluators, self.ctx), done, weights))
        scored_at = time.perf_counter()
        # named by content, not by Kafka offsets (they start at 0 again on a new broker)
        token = hashlib.sha1(b"\n".join(orjson.dumps([*_key(r), r["evaluator"], r["version"]]) for r in rows))
        insert_evaluations(self.db, rows, f"eval:{token.hexdigest()}")
        if self.sampler is not None:
            self.sampler.observe(len(plan.spans), scored_at - started, time.perf_counter() - scored_at)
        return len(rows)

    def _plan(self, batch: Any, spans: list[dict[str, Any]]) -> SamplePlan:
        """All of ``spans`` (weight 1), or the sampler's share when the batch came too late."""
        oldest, newest = getattr(batch, "oldest_ms", 0), getattr(batch, "newest_ms", 0)
        lag_s = max(time.time() - oldest / 1000, 0.0) if oldest else 0.0
        since = self._last_record_ms or oldest
        arrival_s = max(newest - since, 0) / 1000 if newest else 0.0
        self._last_record_ms = max(self._last_record_ms, newest)
        if self.sampler is None or not spans:
            plan = SamplePlan(spans, [1.0] * len(spans), len(spans), lag_s)
        else:
            plan = self.sampler.plan(spans, lag_s, arrival_s)
            behind = lag_s > self.sampler.target_lag_s
            self.batch_spans = CATCH_UP_BATCH_SPANS if behind else None
            self.reader.update(plan.share, behind)
        self.sampled_out += plan.seen - len(plan.spans)
        evaluator_sampling(oldest / 1000, plan.seen, len(plan.spans))
        return plan

    def _rows(self, spans: list[dict[str, Any]], results: dict[str, dict[str, Any]],
              done: dict[tuple[str, str, str, str], int], weights: dict[tuple[str, str, str], float]
              ) -> list[dict[str, Any]]:
        rows = []
        for span in without_erased(self.db, spans):  # again: an erasure may have come while the models ran
            for name, score in results[span["span_id"]].items():
                if (*_key(span), name) in done:
                    continue
                value = score.score if score.score == score.score else None  # NaN: no score
                rows.append({"project": span["project"], "trace_id": span["trace_id"], "span_id": span["span_id"],
                             "service": span["service"], "model": span["model"],
                             "environment": span["environment"], "span_start": span["start_time"],
                             "evaluator": name, "version": self.versions[name], "score": value,
                             "label": score.label, "flagged": bool(score.flagged), "details": score.details,
                             "weight": weights.get(_key(span), 1.0)})
        return rows

    def forget(self) -> None:
        pass  # nothing is remembered between batches


def _key(span: dict[str, Any]) -> tuple[str, str, str]:
    return span["project"], span["trace_id"], span["span_id"]


def _unique_span_ids(spans: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split spans into groups in which no span id repeats (one group, unless two traces share one)."""
    groups: list[list[dict[str, Any]]] = []
    seen: list[set[str]] = []
    for span in spans:
        i = next((i for i, ids in enumerate(seen) if span["span_id"] not in ids), len(groups))
        if i == len(groups):
            groups.append([])
            seen.append(set())
        groups[i].append(span)
        seen[i].add(span["span_id"])
    return groups
