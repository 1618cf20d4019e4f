"""POST /v1/sql and run_readonly_sql: read-only, limited, one project's rows, clear refusals."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest

from spyglass.storage.sql import SqlRefused, run_readonly_sql

pytestmark = pytest.mark.integration


def _sql(client, project, query, **body):
    return client.post("/v1/sql", params={"project": project}, json={"query": query, **body})


def test_select_sees_only_the_callers_project(client, seeded):
    store, info = seeded
    reply = _sql(client, info.project, "SELECT project, count() AS n, sum(cost) AS cost FROM spans GROUP BY project")
    assert reply.status_code == 200, reply.text
    assert reply.json()["rows"] == [{"project": info.project, "n": info.minutes * info.per_minute,
                                     "cost": pytest.approx(0.01 * info.minutes * info.per_minute)}]
    other = _sql(client, info.other, "SELECT DISTINCT service FROM spans").json()["rows"]
    assert other == [{"service": "secret"}]


@pytest.mark.parametrize("query", [
    "SELECT count() AS n FROM spans WHERE project != '{me}'",
    "SELECT count() AS n FROM spans FINAL WHERE project = '{other}'",
    "select COUNT() as n from `{db}`.`spans` where project = '{other}'",
    "SELECT count() AS n FROM (SELECT * FROM spans) WHERE project = '{other}'",
    "SELECT count() AS n FROM spans WHERE span_id IN (SELECT span_id FROM spans WHERE project = '{other}')",
    "WITH o AS (SELECT * FROM spans_1m WHERE project = '{other}') SELECT count() AS n FROM o",
    "SELECT count() AS n FROM spans a JOIN spans b ON a.span_id = b.span_id WHERE b.project = '{other}'",
    "SELECT count() AS n FROM (SELECT project FROM spans UNION ALL SELECT project FROM evaluations) "
    "WHERE project = '{other}'",
    "SELECT count() AS n FROM spans PREWHERE project = '{other}' /* comment */ -- trailing",
    "SELECT 'x' AS project, count() AS n FROM spans WHERE spans.project = '{other}'",
])
def test_other_projects_rows_stay_invisible_however_asked(seeded, query):
    store, info = seeded
    result = run_readonly_sql(store, query.format(other=info.other, me=info.project, db=store.database), info.project)
    assert result.rows[0][result.columns.index("n")] == 0


@pytest.mark.parametrize("query, status, words", [
    ("INSERT INTO spans (project, span_id) VALUES ('p', 'x')", 403, "only SELECT"),
    ("ALTER TABLE spans DELETE WHERE 1", 403, "only SELECT"),
    ("DROP TABLE spans", 403, "only SELECT"),
    ("CREATE TABLE t (x UInt8) ENGINE = Memory", 403, "only SELECT"),
    ("TRUNCATE TABLE spans", 403, "only SELECT"),
    ("SYSTEM FLUSH LOGS", 403, "only SELECT"),
    ("SET max_result_rows = 0", 403, "only SELECT"),
    ("SELECT 1; DROP TABLE spans", 400, "Multi-statements"),
    ("SELECT 1 /* ; */ ; DROP TABLE spans -- ;", 400, "Multi-statements"),
    ("SELECT * FROM system.tables", 403, "system and other databases"),
    ("select * from SYSTEM.TABLES", 403, "system and other databases"),
    ('SELECT * FROM `system`."tables"', 403, "system and other databases"),
    ("SELECT * FROM spans AS s JOIN system.tables AS t ON 1 = 1", 403, "system and other databases"),
    ("SELECT 1 FROM spans WHERE 'spans' IN system.tables", 403, "system and other databases"),
    ("SELECT (SELECT count() FROM system.databases)", 403, "system and other databases"),
    ("SELECT * FROM information_schema.tables", 403, "system and other databases"),
    ("SELECT * FROM spans UNION ALL SELECT * FROM system.one", 403, "system and other databases"),
    ("SELECT * FROM file('/etc/passwd', 'LineAsString')", 403, "table function file()"),
    ("SELECT * FROM url('http://127.0.0.1:1/x', 'CSV')", 403, "table function url()"),
    ("SELECT * FROM s3('http://127.0.0.1:1/b/x.csv')", 403, "table function s3()"),
    ("SELECT * FROM remote('127.0.0.1', system.one)", 403, "table function remote()"),
    ("SELECT * FROM mysql('h:3306', 'd', 't', 'u', 'p')", 403, "table function mysql()"),
    ("SELECT * FROM postgresql('h:5432', 'd', 't', 'u', 'p')", 403, "table function postgresql()"),
    ("SELECT * FROM executable('x.sh', 'CSV', 'a String')", 403, "table function executable()"),
    ("SELECT count() FROM merge(currentDatabase(), '.*')", 403, "table function merge()"),
    ("SELECT file('/etc/passwd')", 403, "function file()"),
    ("SELECT dictGet('d', 'a', 1)", 403, "function dictGet()"),
    ("SELECT count() FROM spans SETTINGS max_result_rows = 0", 403, "SETTINGS"),
    ("SELECT * FROM (SELECT 1 SETTINGS readonly = 0)", 403, "SETTINGS"),
    ("SELECT 1 INTO OUTFILE 'leak.txt'", 403, "INTO OUTFILE"),
    ("SELECT * FROM alert_events", 403, "not an analyst table"),
    ("SELECT count() FROM spans_1m_mv", 403, "not an analyst table"),
    ("SELEC 1", 400, "Syntax error"),
    ("SELECT nope FROM spans", 400, "nope"),
])
def test_refusals_have_a_status_and_a_message(client, seeded, query, status, words):
    reply = _sql(client, seeded[1].project, query)
    assert reply.status_code == status, reply.text
    assert words.lower() in reply.json()["detail"]["message"].lower()
    assert _sql(client, seeded[1].project, "SELECT count() AS n FROM spans").json()["rows"][0]["n"] > 0


def test_over_the_row_limit_is_413_with_a_hint(client, seeded):
    reply = _sql(client, seeded[1].project, "SELECT number FROM numbers(100000)", max_rows=1000)
    assert reply.status_code == 413 and reply.json()["detail"]["kind"] == "too_many_rows"
    assert "LIMIT" in reply.json()["detail"]["message"]
    assert _sql(client, seeded[1].project, "SELECT number FROM numbers(1000)", max_rows=1000).status_code == 200


def test_over_the_time_and_memory_limits_stop_the_query(seeded):
    store, info = seeded
    with pytest.raises(SqlRefused) as slow:
        run_readonly_sql(store, "SELECT count() FROM numbers(1000000000000)", info.project, max_seconds=0.5)
    assert slow.value.kind == "too_slow" and "Timeout" in slow.value.message
    with pytest.raises(SqlRefused) as big:
        run_readonly_sql(store, "SELECT groupArray(number) FROM numbers(50000000)", info.project,
                         max_memory_bytes=20_000_000)
    assert big.value.kind == "too_much_memory"


def test_formats_parse_back(client, seeded):
    info = seeded[1]
    query = "SELECT span_id, start_time, cost, tags FROM spans ORDER BY span_id LIMIT 5"
    rows = _sql(client, info.project, query).json()["rows"]
    assert len(rows) == 5 and rows[0]["start_time"].endswith("Z") and rows[0]["tags"] == ["x"]
    text = _sql(client, info.project, query, format="csv")
    assert text.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(text.text)))
    assert [r["span_id"] for r in parsed] == [r["span_id"] for r in rows]
    arrow = _sql(client, info.project, query, format="arrow")
    table = pa.ipc.open_stream(arrow.content).read_all()
    assert table.column_names == ["span_id", "start_time", "cost", "tags"]
    assert [v.as_py() if isinstance(v.as_py(), str) else v.as_py().decode() for v in table.column("span_id")] \
        == [r["span_id"] for r in rows]
    assert table.column("cost").to_pylist() == pytest.approx([r["cost"] for r in rows])


def test_project_is_required(client):
    assert client.post("/v1/sql", json={"query": "SELECT 1"}).status_code == 422


def test_the_shared_session_stays_writable_after_every_format(client, seeded):
    store, info = seeded
    for fmt in ("json", "csv", "arrow"):
        assert _sql(client, info.project, "SELECT count() FROM spans", format=fmt).status_code == 200
        store.command("CREATE TABLE IF NOT EXISTS scratch (x UInt8) ENGINE = Memory")
        store.command("DROP TABLE scratch")
