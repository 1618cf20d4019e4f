"""POST /v1/sql reads the analyst tables only: never api_keys or internal state, by any path;
its errors never echo the server's SETTINGS or row filters."""

from __future__ import annotations

import pytest

from spyglass.storage.keys import create_key
from spyglass.storage.sql import ANALYST_TABLES

pytestmark = pytest.mark.integration

INTERNAL = ("api_keys", "alert_rules", "alert_events", "alert_silences", "drift_baselines", "spans_1m_mv")


@pytest.fixture(scope="module")
def admin_key(seeded):
    store, info = seeded
    key, plaintext = create_key(store, info.project, ["read", "admin"], "an admin key of the caller's project")
    return plaintext.split("_")[2]


def _refused(client, project: str, query: str) -> dict:
    reply = client.post("/v1/sql", params={"project": project}, json={"query": query})
    assert reply.status_code in (400, 403), (query, reply.text)
    return reply.json()["detail"]


@pytest.mark.parametrize("path", [
    "SELECT * FROM {t}",
    "SELECT secret_hash FROM {db}.{t}",
    "SELECT * FROM (SELECT * FROM {t})",
    "SELECT count() FROM spans WHERE span_id IN (SELECT key_id FROM {t})",
    "SELECT count() FROM spans WHERE span_id IN {t}",
    "SELECT (SELECT any(name) FROM {t}) AS x",
    "SELECT s.span_id FROM spans AS s JOIN {t} AS k ON s.project = k.project",
    "SELECT s.span_id FROM spans AS s, {t} AS k",
    "SELECT span_id FROM spans UNION ALL SELECT key_id FROM {t}",
    "WITH k AS (SELECT * FROM {t}) SELECT * FROM k",
    "WITH k AS (SELECT * FROM spans) SELECT * FROM k JOIN {t} USING (project)",
    "SELECT * FROM view(SELECT * FROM {t})",
    "SELECT * FROM merge('{db}', '^{t}$')",
    "SELECT * FROM merge(currentDatabase(), '.*')",
    "SELECT * FROM remote('127.0.0.1', '{db}', '{t}')",
    "SELECT * FROM cluster('default', '{db}', '{t}')",
    "SELECT * FROM loop('{db}', '{t}')",
    "SELECT * FROM system.tables WHERE name = '{t}'",
    "SELECT * FROM system.parts WHERE table = '{t}'",
    "SELECT * FROM system.query_log",
    "SELECT * FROM system.dictionaries",
    "SELECT dictGet('{db}.d', 'secret_hash', 1)",
    "SELECT * FROM dictionary('{db}.d')",
    "SELECT joinGet('{db}.{t}', 'secret_hash', 'x')",
])
@pytest.mark.parametrize("table", INTERNAL)
def test_internal_tables_are_unreachable_by_any_path(client, seeded, admin_key, path, table):
    store, info = seeded
    detail = _refused(client, info.project, path.format(t=table, db=store.database))
    assert detail["kind"] in ("forbidden", "invalid")
    assert admin_key not in str(detail)


def test_another_databases_keys_are_unreachable(client, seeded, store):
    create_key(store, "*", ["admin"], "another database's operator key")
    info = seeded[1]
    for query in (f"SELECT * FROM {store.database}.api_keys", f"SELECT * FROM `{store.database}`.`spans`"):
        assert _refused(client, info.project, query)["kind"] == "forbidden"


def test_every_analyst_table_is_readable(client, seeded):
    info = seeded[1]
    for table in sorted(ANALYST_TABLES):
        reply = client.post("/v1/sql", params={"project": info.project}, json={"query": f"SELECT count() FROM {table}"})
        assert reply.status_code == 200, (table, reply.text)


@pytest.mark.parametrize("query", [
    "SELECT nope FROM spans",
    "SELECT count() FROM spans WHERE toDate('x') = today()",
    "SELECT count() FROM spans JOIN evaluations USING (nope)",
    "SELECT toUInt8('many') FROM spans_1m",
])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_errors_do_not_echo_settings_or_row_filters(client, seeded, query, fmt):
    info = seeded[1]
    reply = client.post("/v1/sql", params={"project": info.project}, json={"query": query, "format": fmt})
    assert reply.status_code == 400, reply.text
    text = reply.text
    for secret in ("additional_table_filters", "SETTINGS", "readonly", "max_memory_usage", "os_thread_priority",
                   f"project = \\'{info.project}", info.other):
        assert secret not in text, (secret, text)
    assert reply.json()["detail"]["message"]
