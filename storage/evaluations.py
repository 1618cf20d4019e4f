"""Writing and reading evaluator scores (table ``evaluations``)."""

from __future__ import annotations

from typing import Any, Iterable

import orjson

from spyglass.storage.store import Store

EVALUATION_COLUMNS = ("project", "trace_id", "span_id", "service", "model", "environment", "span_start",
                      "evaluator", "version", "score", "label", "flagged", "details", "weight")


def insert_evaluations(store: Store, rows: list[dict[str, Any]], dedup_token: str | None = None) -> None:
    """Insert evaluation rows (``details`` as a dict, ``span_start`` in epoch seconds, ``score`` or None).

    ``weight`` (default 1): how many spans the row stands for when the evaluators sampled.
    """
    if rows:
        body = b"\n".join(orjson.dumps({"weight": 1.0, **r, "details": orjson.dumps(r["details"]).decode()})
                           for r in rows)
        store.insert_json_rows("evaluations", EVALUATION_COLUMNS, body, dedup_token)


def evaluated_keys(store: Store, keys: Iterable[tuple[str, str, str]],
                   versions: dict[str, str]) -> dict[tuple[str, str, str, str], int]:
    """Which (project, trace_id, span_id, evaluator) already have a score from the evaluator's current
    version, for spans named by ``(project, trace_id, span_id)``, each with the insert that stored it
    (``insert_batch``, see ``storage.rollups``)."""
    keys = sorted(set(keys))
    if not keys or not versions:
        return {}
    found = store.rows(
        "SELECT project, trace_id, span_id, evaluator, any(insert_batch) AS batch FROM evaluations "
        "WHERE project IN {projects:Array(String)} AND span_id IN {ids:Array(String)} "
        "AND (evaluator, version) IN {pairs:Array(Tuple(String, String))} "
        "GROUP BY project, trace_id, span_id, evaluator",
        parameters={"projects": sorted({k[0] for k in keys}), "ids": sorted({k[2] for k in keys}),
                    "pairs": list(versions.items())})
    wanted = set(keys)  # filtered here: a large array of tuples is slow to bind (see spans.stored_spans)
    return {(row["project"], row["trace_id"], row["span_id"], row["evaluator"]): row["batch"] for row in found
            if (row["project"], row["trace_id"], row["span_id"]) in wanted}


def scores_by_span(store: Store, trace_id: str, project: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Latest score of every evaluator version for each span of a trace: {span_id: {evaluator: score}}.

    Pass ``project`` where trace ids may repeat across projects (they are unique only within one).
    """
    scope = "AND project = {p:String}" if project else ""
    rows = store.rows(
        "SELECT span_id, evaluator, version, score, label, flagged, details, evaluated_at "
        f"FROM evaluations FINAL WHERE trace_id = {{t:String}} {scope} ORDER BY evaluated_at",
        parameters={"t": trace_id, "p": project})
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.pop("span_id"), {})[row.pop("evaluator")] = {
            **row, "details": orjson.loads(row["details"]) if row["details"] else {}}
    return out
