"""Scores batches of spans and stores the evaluations: the evaluator consumer group's sink.

It implements the span consumer loop's sink interface (prepare/store/forget) and knows nothing
else of Kafka. Scoring runs on the loop's helper thread, so the next batch is fetched meanwhile.
A span is named by (project, trace_id, span_id): span ids repeat across traces and projects.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from spyglass.evaluators.base import EvalContext, Evaluator
from spyglass.evaluators.engine import run_evaluators
from spyglass.storage import Store
from spyglass.storage.erasure import without_erased
from spyglass.storage.evaluations import evaluated_keys, insert_evaluations
from spyglass.storage.rollups import EVALUATIONS_1M, repair_rollup

if TYPE_CHECKING:  # the loop's interface, for types only: scoring needs nothing of ingest at run time
    from spyglass.ingest.batch import Batch

log = logging.getLogger(__name__)

# what prepare() hands to store(): the spans to score, and the (span, evaluator) pairs stored already
EvaluationPlan = tuple[list[dict[str, Any]], dict[tuple[str, str, str, str], int]]


class EvaluationSink:
    """Runs ``evaluators`` over each batch and writes one row per (span, evaluator)."""

    def __init__(self, store: Store, evaluators: Sequence[Evaluator], ctx: EvalContext) -> None:
        self.db = store
        self.evaluators = list(evaluators)
        self.ctx = ctx
        self.versions = {e.name: e.version for e in self.evaluators}
        self.skipped = 0  # spans already scored by every current evaluator version
        self.rollups_repaired = 0

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
        assert batch.prepared is not None, "the loop calls prepare() first"
        spans, done = batch.prepared
        if not spans:
            return 0
        rows = []
        for group in _unique_span_ids(spans):  # the engine names spans by span id alone
            results = run_evaluators(group, self.evaluators, self.ctx)
            rows.extend(self._rows(group, results, done))
        # named by content, not by Kafka offsets (they start at 0 again on a new broker)
        token = hashlib.sha1(b"\n".join(orjson.dumps([*_key(r), r["evaluator"], r["version"]]) for r in rows))
        insert_evaluations(self.db, rows, f"eval:{token.hexdigest()}")
        return len(rows)

    def _rows(self, spans: list[dict[str, Any]], results: dict[str, dict[str, Any]],
              done: dict[tuple[str, str, str, str], int]) -> list[dict[str, Any]]:
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
                             "label": score.label, "flagged": bool(score.flagged), "details": score.details})
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
