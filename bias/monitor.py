"""The bias monitor: spans of a window, segmented and compared; reports written to ``bias_reports``.

Segments: identity groups mentioned in the prompt (``lexicon``), and each value of the metadata
keys and tags a project configures. Outcomes: rates (refusals (``refusal``), each evaluator's
flags, negative feedback scores) and measures (completion length in characters, latency in ms).
Each segment is compared with the rest (``compare``), every comparison of a run corrected together.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import orjson

from spyglass.bias.compare import ADVERSE, Comparison, MeanComparison, correct, mean_comparison, rate_comparisons
from spyglass.bias.lexicon import groups_in
from spyglass.bias.refusal import is_refusal
from spyglass.storage.store import Store


@dataclass(frozen=True)
class SpanOutcomes:
    """What the monitor needs of one LLM call: its segments and which outcomes it had."""

    segments: frozenset[tuple[str, str]]
    outcomes: frozenset[str]
    measures: dict[str, float] = field(default_factory=dict)  # completion_length, latency_ms


def span_outcomes(span: dict[str, Any], metadata_keys: Sequence[str] = ()) -> SpanOutcomes:
    """Segments (identity groups, configured metadata values, tags) and outcomes of a span row (pure)."""
    segments = set(groups_in(span.get("prompt", "")))
    metadata = span.get("metadata") or {}
    for key in metadata_keys:
        if metadata.get(key):
            segments.add((f"metadata.{key}", str(metadata[key])))
    outcomes = set(span.get("flags") or ())
    if is_refusal(span.get("completion", "")):
        outcomes.add("refusal")
    if span.get("negative_feedback"):
        outcomes.add("negative_feedback")
    measures = {}
    if span.get("completion"):  # a failed call has no answer: not a short one
        measures["completion_length"] = float(len(span["completion"]))
    if span.get("latency_ms") is not None:
        measures["latency_ms"] = float(span["latency_ms"])
    return SpanOutcomes(frozenset(segments), frozenset(outcomes), measures)


def analyse(spans: Iterable[SpanOutcomes], outcomes: Sequence[str] | None = None, alpha: float = 0.01,
            min_n: int = 30) -> list[Comparison | MeanComparison]:
    """Every segment against the rest for every outcome seen (or ``outcomes``), corrected together (pure).

    ``outcomes`` names rates and measures alike; by default every rate seen plus refusals, and every measure.
    """
    spans = list(spans)
    measures = sorted({m for s in spans for m in s.measures} & (set(outcomes) if outcomes is not None else set(ADVERSE)))
    names = sorted(set(outcomes) - set(ADVERSE) if outcomes is not None
                   else {o for s in spans for o in s.outcomes} | {"refusal"})
    seg_n: Counter[tuple[str, str]] = Counter()
    seg_hits: Counter[tuple[str, str, str]] = Counter()
    hits: Counter[str] = Counter()
    for s in spans:
        for o in s.outcomes:
            hits[o] += 1
        for seg in s.segments:
            seg_n[seg] += 1
            for o in s.outcomes:
                seg_hits[(*seg, o)] += 1
    counts = [(dim, seg, o, n, seg_hits[(dim, seg, o)]) for (dim, seg), n in sorted(seg_n.items()) for o in names]
    tested: list[Comparison | MeanComparison] = list(
        rate_comparisons(counts, {o: (len(spans), hits[o]) for o in names}, min_n=min_n))
    tested += measure_comparisons(spans, sorted(seg_n), measures, min_n)
    return correct(tested, alpha)


def measure_comparisons(spans: Sequence[SpanOutcomes], segments: Sequence[tuple[str, str]], measures: Sequence[str],
                        min_n: int) -> list[MeanComparison]:
    """Each segment's measured values against the rest's (uncorrected p-values)."""
    tested = []
    for measure in measures:
        for dim, seg in segments:
            inside, outside = [], []
            for s in spans:
                if measure in s.measures:
                    (inside if (dim, seg) in s.segments else outside).append(s.measures[measure])
            if len(inside) >= min_n and len(outside) >= min_n:
                tested.append(mean_comparison(dim, seg, measure, inside, outside))
    return tested


def load_spans(store: Store, project: str, start_s: float, end_s: float, limit: int = 200_000) -> list[dict[str, Any]]:
    """LLM calls of the window with their evaluator flags and whether any feedback on them was negative."""
    return store.rows(
        "SELECT s.span_id AS span_id, s.prompt AS prompt, s.completion AS completion, s.metadata AS metadata, "
        "s.duration_ms AS latency_ms, "
        "e.flags AS flags, f.negative AS negative_feedback FROM (SELECT * FROM spans FINAL WHERE project = {p:String} "
        "AND kind = 'llm' AND start_time >= fromUnixTimestamp64Milli({lo:Int64}) "
        "AND start_time <= fromUnixTimestamp64Milli({hi:Int64}) LIMIT {n:UInt32}) AS s "
        "LEFT JOIN (SELECT span_id, groupArrayIf(evaluator, flagged) AS flags FROM evaluations FINAL "
        "WHERE project = {p:String} GROUP BY span_id) AS e ON e.span_id = s.span_id "
        "LEFT JOIN (SELECT trace_id, max(value <= 0) AS negative FROM scores FINAL WHERE project = {p:String} "
        "AND isNotNull(value) GROUP BY trace_id) AS f ON f.trace_id = s.trace_id",
        parameters={"p": project, "lo": int(start_s * 1000), "hi": int(end_s * 1000), "n": limit})


def run_bias(store: Store, project: str, start_s: float, end_s: float, metadata_keys: Sequence[str] = (),
             alpha: float = 0.01, min_n: int = 30, write: bool = True) -> tuple[str, list[Comparison | MeanComparison]]:
    """Analyse one window of a project; write the comparisons to ``bias_reports`` unless ``write`` is False."""
    rows = load_spans(store, project, start_s, end_s)
    comparisons = analyse((span_outcomes(r, metadata_keys) for r in rows), alpha=alpha, min_n=min_n)
    run_id = uuid.uuid4().hex[:16]
    if write and comparisons:
        body = b"\n".join(orjson.dumps({
            "run_id": run_id, "project": project, "dimension": c.dimension, "segment": c.segment,
            "outcome": c.outcome, "segment_n": c.segment_n, "rest_n": c.rest_n, "segment_rate": c.segment_rate,
            "rest_rate": c.rest_rate, "rate_ratio": min(c.rate_ratio, 1e9), "p_value": c.p_value,
            "p_adjusted": c.p_adjusted, "disparate": c.disparate, "window_start": start_s, "window_end": end_s,
            "computed_at": time.time()}) for c in comparisons)
        store.insert_json_rows("bias_reports", ("run_id", "project", "dimension", "segment", "outcome", "segment_n",
                                                "rest_n", "segment_rate", "rest_rate", "rate_ratio", "p_value",
                                                "p_adjusted", "disparate", "window_start", "window_end",
                                                "computed_at"), body)
    return run_id, comparisons
