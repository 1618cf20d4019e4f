"""Reviewers' labels of evaluator verdicts (table ``review_labels``) and the confusion counts they give."""

from __future__ import annotations

from typing import Any

from spyglass.storage.store import Store


def verdict_of(store: Store, project: str, span_id: str, evaluator: str) -> dict[str, Any] | None:
    """The evaluator's latest verdict on a span (trace, version, flagged, span_start), or None."""
    rows = store.rows(
        "SELECT trace_id, version, flagged, toFloat64(span_start) AS span_start FROM evaluations FINAL "
        "WHERE project = {p:String} AND span_id = {s:String} AND evaluator = {e:String} "
        "ORDER BY evaluated_at DESC LIMIT 1", parameters={"p": project, "s": span_id, "e": evaluator})
    return rows[0] if rows else None


def insert_label(store: Store, project: str, span_id: str, evaluator: str, verdict: dict[str, Any],
                 correct: bool, reviewer: str, comment: str) -> None:
    """Record (or replace) a reviewer's label of ``verdict``; the latest label of a span and evaluator version wins."""
    store.command(
        "INSERT INTO review_labels (project, trace_id, span_id, evaluator, version, flagged, correct, reviewer, "
        "comment, span_start) VALUES ({p:String}, {t:String}, {s:String}, {e:String}, {v:String}, {f:Bool}, "
        "{c:Bool}, {r:String}, {m:String}, fromUnixTimestamp64Micro({at:Int64}))",
        parameters={"p": project, "t": verdict["trace_id"], "s": span_id, "e": evaluator, "v": verdict["version"],
                    "f": bool(verdict["flagged"]), "c": correct, "r": reviewer, "m": comment,
                    "at": int(verdict["span_start"] * 1e6)})


def confusion_counts(store: Store, project: str, start_s: float, end_s: float,
                     evaluator: str | None = None) -> list[dict[str, Any]]:
    """Per evaluator and version: tp, fp, fn, tn of reviewed spans started in [start_s, end_s]."""
    return store.rows(
        "SELECT evaluator, version, countIf(flagged AND correct) AS tp, countIf(flagged AND NOT correct) AS fp, "
        "countIf(NOT flagged AND NOT correct) AS fn, countIf(NOT flagged AND correct) AS tn "
        "FROM review_labels FINAL WHERE project = {p:String} AND ({e:String} = '' OR evaluator = {e:String}) "
        "AND span_start >= fromUnixTimestamp64Milli({lo:Int64}) AND span_start <= fromUnixTimestamp64Milli({hi:Int64}) "
        "GROUP BY evaluator, version ORDER BY evaluator, version",
        parameters={"p": project, "e": evaluator or "", "lo": int(start_s * 1000), "hi": int(end_s * 1000)})
