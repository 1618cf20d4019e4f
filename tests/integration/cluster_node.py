"""Run in its own process: the cluster schema on a one-node chDB that has a real cluster defined.

chDB reads a config file with ``remote_servers`` (cluster ``prod``: one shard, this node), so the
generated ``Distributed`` tables are real and route every read and write through the Distributed
engine. What cannot run here: ``ON CLUSTER`` (distributed DDL needs Keeper) and Replicated
engines (Keeper too), so those two parts are rewritten to their single-node form before running;
the parser checks them as generated (``test_cluster_schema.py``).

Usage: python cluster_node.py DATA_DIR  → prints one JSON line comparing every query's answer on
the plain schema and on the Distributed schema over the same seeded rows.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent / "analyst"), str(HERE.parents[1] / "bench")]

CONFIG = """<clickhouse><remote_servers><prod><shard><replica><host>localhost</host><port>9000</port>
</replica></shard></prod></remote_servers><tcp_port>9000</tcp_port></clickhouse>"""


def single_node(statement: str) -> str:
    """The generated statement without what needs Keeper: ON CLUSTER and Replicated engine paths."""
    statement = statement.replace(" ON CLUSTER prod", "")
    statement = re.sub(r"Replicated(\w*)MergeTree\('[^']*', '\{replica\}'(?:, )?", r"\1MergeTree(", statement)
    return statement.replace("MergeTree()", "MergeTree").replace(
        " replicated_deduplication_window", " non_replicated_deduplication_window")


def main(data: Path) -> None:
    from analyst_seed import seed_projects  # noqa: E402
    from spyglass.storage import Store, migrate
    from spyglass.storage.cluster import cluster_ddl
    from spyglass.storage.metrics import MetricQuery, metric_series
    from spyglass.storage.traces import TraceFilter, list_traces, trace_spans

    (data / "config.xml").write_text(CONFIG)
    dsn = (f"chdb://{data}/db?config-file={data}/config.xml"
           "&distributed_foreground_insert=1&distributed_product_mode=local")
    plain = Store(dsn, "plain")
    migrate(plain)
    statements = cluster_ddl(plain, "prod", "clustered")
    clustered = Store(dsn, "clustered")
    for statement in statements[1:]:
        clustered.command(single_node(statement))
    engines = {row["name"]: row["engine"] for row in clustered.rows(
        "SELECT name, engine FROM system.tables WHERE database = 'clustered'")}

    start = int(time.time()) // 3600 * 3600 - 3600
    answers: dict[str, list] = {}
    for store in (plain, clustered):
        seed_projects(store, "p1", "p2", start)
        window = TraceFilter(start=start, end=start + 3600, project="p1")
        traces, _ = list_traces(store, window, limit=20)
        flagged, _ = list_traces(store, TraceFilter(start=start, end=start + 3600, project="p1", flagged="toxicity"))
        series = [metric_series(store, MetricQuery("p1", metric, start, start + 3600, 600))
                  for metric in ("requests", "error_rate", "latency_p95", "cost", "flag_rate:toxicity")]
        docs = [store.rows(query) for query in re.findall(r"```sql\n(.*?)```",
                                                          (HERE.parents[1] / "docs" / "schema.md").read_text(), re.S)]
        answers[store.database] = [
            [(t["trace_id"], t["span_count"], t["flagged"]) for t in traces], [t["trace_id"] for t in flagged],
            [[(s.group, s.points) for s in one] for one in series],
            trace_spans(store, traces[0]["trace_id"], "p1"), docs]
    same = [json.dumps(a, default=str, sort_keys=True) == json.dumps(b, default=str, sort_keys=True)
            for a, b in zip(answers["plain"], answers["clustered"])]
    print(json.dumps({"engines": engines, "mutation_target": clustered.mutation_target("spans"), "same": same, "traces": len(answers["plain"][0]),
                      "doc_queries": len(answers["plain"][4]),
                      "doc_rows": [len(rows) for rows in answers["clustered"][4]]}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
