"""The ON CLUSTER schema (storage/cluster.py): parsed by the real parser, and run on a chDB with a cluster.

What runs here and what does not is in docs/operations.md ("A ClickHouse cluster").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spyglass.storage.cluster import TRACE_KEY, cluster_ddl

pytestmark = pytest.mark.integration


def test_every_statement_parses_and_each_table_has_both_forms(store):
    statements = cluster_ddl(store, "prod", "spyglass")
    for statement in statements:
        assert store.rows(f"EXPLAIN AST {statement}"), statement
        assert " ON CLUSTER prod" in statement
    tables = {row["name"] for row in store.rows(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'")}
    for table in tables:
        local = [s for s in statements if s.startswith(f"CREATE TABLE IF NOT EXISTS spyglass.{table}_local ")]
        dist = [s for s in statements if s.startswith(f"CREATE TABLE IF NOT EXISTS spyglass.{table} ON ")]
        assert len(local) == 1 and "ENGINE = Replicated" in local[0] and "'{replica}'" in local[0], table
        assert len(dist) == 1 and f"Distributed(prod, spyglass, {table}_local, " in dist[0], table
    spans = next(s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS spyglass.spans ON "))
    assert spans.endswith(f"{TRACE_KEY})")
    view = next(s for s in statements if "spans_1m_mv" in s)
    assert "TO spyglass.spans_1m_local " in view and "FROM spyglass.spans_local " in view


def test_cluster_name_must_be_an_identifier(store):
    with pytest.raises(ValueError, match="identifier"):
        cluster_ddl(store, "prod; DROP TABLE spans", "spyglass")


@pytest.mark.slow
def test_queries_answer_the_same_over_distributed_tables(tmp_path):
    """chDB in its own process (one data directory per process) with cluster ``prod`` defined."""
    script = Path(__file__).with_name("cluster_node.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["engines"]["spans"] == "Distributed" and result["engines"]["spans_1m_mv"] == "MaterializedView"
    assert result["same"] == [True] * 5, result
    assert result["traces"] == 20 and result["doc_queries"] >= 10
    assert result["mutation_target"] == "spans_local ON CLUSTER prod"
