"""Named queries over ``bias_reports`` (written by ``spyglass.bias.monitor``): the latest run of a project."""

from __future__ import annotations

from typing import Any

from spyglass.storage.store import Store

COLUMNS = ("run_id", "computed_at", "project", "dimension", "segment", "outcome", "segment_n", "rest_n",
           "segment_rate", "rest_rate", "rate_ratio", "p_value", "p_adjusted", "disparate", "window_start",
           "window_end")


def latest_bias_run(store: Store, project: str, since_s: float) -> list[dict[str, Any]]:
    """Every comparison of the project's newest bias run since ``since_s``: disparate first, then by p-value."""
    return store.rows(
        f"SELECT {', '.join(COLUMNS)} FROM bias_reports WHERE project = {{p:String}} AND run_id = "
        "(SELECT argMax(run_id, computed_at) FROM bias_reports WHERE project = {p:String} "
        "AND computed_at >= fromUnixTimestamp64Milli({since:Int64})) "
        "ORDER BY disparate DESC, p_adjusted, dimension, segment, outcome",
        parameters={"p": project, "since": int(since_s * 1000)})


def disparate_history(store: Store, project: str, since_s: float, limit: int = 50) -> list[dict[str, Any]]:
    """Disparate comparisons of every run since ``since_s``, newest first."""
    return store.rows(
        f"SELECT {', '.join(COLUMNS)} FROM bias_reports WHERE project = {{p:String}} AND disparate "
        "AND computed_at >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY computed_at DESC LIMIT {n:UInt32}",
        parameters={"p": project, "since": int(since_s * 1000), "n": limit})
