"""Trace reads at volume: the trace list and one-trace lookup over >= 1M stored spans, old queries vs new.

Spans are generated inside ClickHouse (bench/queries.py's generator) over the last ``--hours``
(default 6: a busy day's share, like the load test's 1.5M spans), all in one project-heavy mix.
Each read runs ``--repeat`` times with both the queries before issue 22 (one GROUP BY over every
trace of the window; a trace id found through its bloom filter alone) and the current ones
(``storage.traces``: newest time slices first; ``trace_index`` for the time range). Prints the
rows each reads (EXPLAIN ESTIMATE) and the times.

    nice -n 10 python bench/trace_reads.py [--spans 1200000] [--repeat 5] [--data DIR]

Last line: JSON with p50/p95 seconds of each, old and new.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from rich.console import Console

from spyglass.storage import Store, migrate
from spyglass.storage.traces import SPAN_FIELDS, TraceFilter, list_traces, trace_spans

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queries import COLUMNS, GENERATE  # noqa: E402  (the query benchmark's span generator)

# The list query before issue 22: every trace of the window grouped, then sorted.
OLD_LIST = """
SELECT trace_id, any(project) AS project, toUnixTimestamp64Micro(min(start_time)) AS start_us,
       max(end_time) AS trace_end, count() AS span_count, countIf(status = 'error') AS error_count,
       sum(total_tokens) AS total_tokens, sum(cost) AS cost
FROM spans FINAL
WHERE trace_id IN (SELECT trace_id FROM spans WHERE {conditions})
  AND start_time >= fromUnixTimestamp64Micro({{start:Int64}}) - INTERVAL 1 DAY
GROUP BY trace_id ORDER BY start_us DESC, trace_id DESC LIMIT {{limit:UInt32}}"""
OLD_TRACE = f"SELECT {SPAN_FIELDS} FROM spans FINAL WHERE trace_id = {{trace_id:String}} AND project = {{project:String}} " \
            "ORDER BY start_time, span_id"


def fill(store: Store, spans: int, hours: float, console: Console, chunk: int = 500_000) -> None:
    """Insert ``spans`` generated spans spread over the last ``hours`` (views fill rollups and trace_index)."""
    now_us = int(time.time() * 1e6)
    step_us = int(hours * 3600e6 / max(1, spans // 4))
    for offset in range(0, spans, chunk):
        store.command(f"INSERT INTO spans ({COLUMNS}) {GENERATE}",
                      {"now_us": now_us, "step_us": step_us, "offset": offset, "count": min(chunk, spans - offset)})
        console.print(f"  {min(offset + chunk, spans):,} spans", highlight=False)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return times


def estimate_rows(store: Store, sql: str, params: dict) -> int:
    """Rows ClickHouse plans to read for ``sql`` (EXPLAIN ESTIMATE, every table summed)."""
    return sum(int(r["rows"]) for r in store.rows(f"EXPLAIN ESTIMATE {sql}", parameters=params))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_200_000)
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", help="chDB data directory to keep and reuse (default: a temporary one)")
    args = parser.parse_args()
    console = Console(stderr=True)
    folder = args.data or tempfile.mkdtemp(prefix="spyglass-bench-traces-")
    try:
        store = Store(f"chdb://{folder}", "bench_traces")
        migrate(store)
        if store.rows("SELECT count() AS n FROM spans")[0]["n"] < args.spans:
            fill(store, args.spans, args.hours, console)
        store.command("OPTIMIZE TABLE trace_index FINAL")
        total = store.rows("SELECT count() AS n FROM spans")[0]["n"]
        project = "acme"
        now = time.time()
        window = TraceFilter(start=now - 86_400, end=now + 60, project=project)
        conditions, params = window.where()
        params["limit"] = 51
        old_list = OLD_LIST.format(conditions=conditions)
        traces = [r["trace_id"] for r in store.rows(
            "SELECT trace_id FROM spans WHERE project = {p:String} LIMIT 2000", parameters={"p": project})]
        rng = random.Random(22)
        picks = [rng.choice(traces) for _ in range(args.repeat)]
        figures = {
            "list_old": timed(lambda: store.rows(old_list, parameters=params), args.repeat),
            "list_new": timed(lambda: list_traces(store, window, 50), args.repeat),
            "trace_old": [t for p in picks for t in timed(
                lambda p=p: store.rows(OLD_TRACE, parameters={"trace_id": p, "project": project}), 1)],
            "trace_new": [t for p in picks for t in timed(lambda p=p: trace_spans(store, p, project), 1)],
        }
        old_rows = estimate_rows(store, old_list, params)
        trace_rows = estimate_rows(store, OLD_TRACE, {"trace_id": picks[0], "project": project})
        same = [r["trace_id"] for r in store.rows(old_list, parameters=params)][:50] == \
            [r["trace_id"] for r in list_traces(store, window, 50)[0]]
        store.close()
    finally:
        if not args.data:
            shutil.rmtree(folder, ignore_errors=True)
    out = {"spans": total, "same_first_page": same, "list_rows_planned_old": old_rows,
           "trace_rows_planned_old": trace_rows}
    for name, times in figures.items():
        ordered = sorted(times)
        out[f"{name}_p50_s"] = round(statistics.median(ordered), 4)
        out[f"{name}_p95_s"] = round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 4)
        console.print(f"{name:10s} p50 {out[f'{name}_p50_s']:.3f} s  p95 {out[f'{name}_p95_s']:.3f} s", highlight=False)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
