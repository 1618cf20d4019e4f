"""Named queries of the drift monitor: window samples from spans/evaluations, reports, baselines.

Times are epoch seconds; every value is bound by clickhouse-connect, never formatted in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from spyglass.storage.store import Store

ALL_MODELS = "*"  # the model of a service-wide group (every model together)
REPORT_COLUMNS = ("run_id", "project", "service", "model", "feature", "feature_kind", "method", "statistic",
                  "p_value", "effect_size", "drifted", "reference_start", "reference_end", "current_start",
                  "current_end", "reference_n", "current_n", "details")
NUMERIC_COLUMNS = {"prompt_length": "lengthUTF8(prompt)", "completion_length": "lengthUTF8(completion)",
                   "prompt_tokens": "prompt_tokens", "completion_tokens": "completion_tokens",
                   "latency_ms": "duration_ms", "cost": "cost"}
_WINDOW = ("project = {project:String} AND service = {service:String} AND kind = 'llm' "
           "AND (model = {model:String} OR {model:String} = '*') "
           "AND start_time >= fromUnixTimestamp64Micro({start:Int64}) "
           "AND start_time < fromUnixTimestamp64Micro({end:Int64})")


def _window_params(project: str, service: str, model: str, start: float, end: float) -> dict[str, Any]:
    return {"project": project, "service": service, "model": model,
            "start": int(start * 1e6), "end": int(end * 1e6)}


def llm_groups(store: Store, start: float, end: float, project: str | None = None) -> list[dict[str, Any]]:
    """(project, service, model, n) of LLM spans started in [start, end), largest first."""
    return store.rows(
        "SELECT project, service, model, count() AS n FROM spans FINAL WHERE kind = 'llm' "
        "AND start_time >= fromUnixTimestamp64Micro({start:Int64}) "
        "AND start_time < fromUnixTimestamp64Micro({end:Int64}) "
        "AND ({project:String} = '' OR project = {project:String}) "
        "GROUP BY project, service, model ORDER BY n DESC",
        parameters={"start": int(start * 1e6), "end": int(end * 1e6), "project": project or ""})


def window_numeric(store: Store, project: str, service: str, model: str, start: float, end: float,
                   max_rows: int) -> tuple[int, dict[str, list[float]]]:
    """(span count, {feature: values}); each feature a uniform sample of at most ``max_rows``."""
    arrays = ", ".join(f"groupArraySample({{max_rows:UInt64}}, 1)(toFloat64({expr})) AS {name}"
                       for name, expr in NUMERIC_COLUMNS.items())
    params = {**_window_params(project, service, model, start, end), "max_rows": max_rows}
    row = store.rows(f"SELECT count() AS n, {arrays} FROM spans FINAL WHERE {_WINDOW}", parameters=params)[0]
    return int(row.pop("n")), row


def window_categories(store: Store, project: str, service: str, model: str, start: float,
                      end: float) -> dict[str, dict[str, int]]:
    """{feature: {category: count}} for model, prompt_version and tags ('(none)' for empty)."""
    rows = store.rows(f"""
        SELECT 'model' AS feature, if(model = '', '(none)', model) AS value, count() AS n
        FROM spans FINAL WHERE {_WINDOW} GROUP BY value
        UNION ALL
        SELECT 'prompt_version', if(prompt_version = '', '(none)', concat(prompt_name, ':', prompt_version)), count()
        FROM spans FINAL WHERE {_WINDOW} GROUP BY 2
        UNION ALL
        SELECT 'tags', arrayJoin(if(empty(tags), ['(none)'], CAST(tags, 'Array(String)'))) AS tag, count()
        FROM spans FINAL WHERE {_WINDOW} GROUP BY tag""",
                      parameters=_window_params(project, service, model, start, end))
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["feature"], {})[row["value"]] = int(row["n"])
    return out


def window_texts(store: Store, project: str, service: str, model: str, start: float, end: float,
                 limit: int, max_chars: int = 1000) -> tuple[list[str], list[str]]:
    """(prompts, completions) of a deterministic sample of ``limit`` spans (same spans on every run).

    Prompts keep their last ``max_chars`` characters (the user's question follows the system
    prompt), completions their first.
    """
    rows = store.rows(f"SELECT rightUTF8(prompt, {{chars:UInt32}}) AS prompt, "
                      f"leftUTF8(completion, {{chars:UInt32}}) AS completion FROM spans FINAL WHERE {_WINDOW} "
                      "ORDER BY cityHash64(span_id) LIMIT {limit:UInt32}",
                      parameters={**_window_params(project, service, model, start, end),
                                  "limit": limit, "chars": max_chars})
    return [r["prompt"] for r in rows if r["prompt"]], [r["completion"] for r in rows if r["completion"]]


def window_scores(store: Store, project: str, service: str, model: str, start: float, end: float,
                  max_rows: int) -> dict[str, list[float]]:
    """{evaluator: scores} of spans that started in the window (errors and not-evaluable left out)."""
    rows = store.rows(
        "SELECT evaluator, groupArraySample({max_rows:UInt64}, 1)(assumeNotNull(score)) AS scores "
        "FROM evaluations FINAL WHERE project = {project:String} AND service = {service:String} "
        "AND (model = {model:String} OR {model:String} = '*') AND score IS NOT NULL "
        "AND span_start >= fromUnixTimestamp64Micro({start:Int64}) "
        "AND span_start < fromUnixTimestamp64Micro({end:Int64}) GROUP BY evaluator",
        parameters={**_window_params(project, service, model, start, end), "max_rows": max_rows})
    return {row["evaluator"]: row["scores"] for row in rows}


def _plain(value: Any) -> Any:
    """numpy scalars (statistics come from scipy/numpy) as Python numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_NUMPY = {"option": orjson.OPT_SERIALIZE_NUMPY, "default": _plain}


def insert_drift_reports(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert report rows (times in epoch seconds, ``details`` as a dict)."""
    if rows:
        body = b"\n".join(orjson.dumps({**r, "details": orjson.dumps(r["details"], **_NUMPY).decode()}, **_NUMPY)
                           for r in rows)
        store.insert_json_rows("drift_reports", REPORT_COLUMNS, body)


@dataclass(frozen=True)
class DriftReportFilter:
    """Which report rows to list; times (epoch seconds) bound ``current_end``."""

    start: float
    end: float
    project: str | None = None
    service: str | None = None
    model: str | None = None
    feature: str | None = None
    drifted: bool | None = None
    run_id: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """SQL conditions on ``drift_reports`` and their bound parameters."""
        clauses = ["current_end >= fromUnixTimestamp64Micro({start:Int64})",
                   "current_end < fromUnixTimestamp64Micro({end:Int64})"]
        params: dict[str, Any] = {"start": int(self.start * 1e6), "end": int(self.end * 1e6)}
        for column in ("project", "service", "model", "feature", "run_id"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{column} = {{{column}:String}}")
                params[column] = value
        if self.drifted is not None:
            clauses.append("drifted = {drifted:Bool}")
            params["drifted"] = self.drifted
        return " AND ".join(clauses), params


def list_drift_reports(store: Store, where: DriftReportFilter, limit: int = 100) -> list[dict[str, Any]]:
    """Report rows, newest first (``details`` parsed back into a dict)."""
    conditions, params = where.where()
    rows = store.rows(f"SELECT {', '.join(REPORT_COLUMNS)}, computed_at FROM drift_reports WHERE {conditions} "
                      "ORDER BY computed_at DESC, current_end DESC, project, service, model, feature "
                      "LIMIT {limit:UInt32}", parameters={**params, "limit": limit})
    for row in rows:
        row["details"] = orjson.loads(row["details"]) if row["details"] else {}
    return rows


def set_baseline(store: Store, project: str, service: str, model: str, start: float, end: float) -> None:
    """Pin [start, end) as the reference window of a group (replaces an earlier pin)."""
    store.command("INSERT INTO drift_baselines (project, service, model, reference_start, reference_end, pinned) "
                  "VALUES ({project:String}, {service:String}, {model:String}, "
                  "fromUnixTimestamp64Micro({start:Int64}), fromUnixTimestamp64Micro({end:Int64}), true)",
                  parameters={**_window_params(project, service, model, start, end)})


def clear_baseline(store: Store, project: str, service: str, model: str) -> bool:
    """Unpin a group's reference window; False when none was pinned."""
    if not any(b["model"] == model and b["service"] == service for b in baselines(store, project)):
        return False
    store.command("INSERT INTO drift_baselines (project, service, model, reference_start, reference_end, pinned) "
                  "VALUES ({project:String}, {service:String}, {model:String}, 0, 0, false)",
                  parameters={"project": project, "service": service, "model": model})
    return True


def baselines(store: Store, project: str | None = None) -> list[dict[str, Any]]:
    """Pinned reference windows (project, service, model, reference_start, reference_end, set_at)."""
    return store.rows("SELECT project, service, model, reference_start, reference_end, set_at "
                      "FROM drift_baselines FINAL WHERE pinned "
                      "AND ({project:String} = '' OR project = {project:String}) ORDER BY project, service, model",
                      parameters={"project": project or ""})
