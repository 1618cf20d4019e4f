"""Migrations against the real engine: idempotent, recorded, guarded, retention applied."""

from __future__ import annotations

import dataclasses

import pytest

from spyglass.storage import StorageError, migrate
from spyglass.storage import schema as migrate_module

pytestmark = pytest.mark.integration


def ddl(store, table):
    return store.rows("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() "
                      "AND name = {t:String}", parameters={"t": table})[0]["q"]


def test_migrate_is_idempotent_and_recorded(store):
    assert migrate(store) == []
    recorded = store.rows("SELECT version, name FROM schema_migrations FINAL ORDER BY version")
    assert [r["version"] for r in recorded] == [m.version for m in migrate_module.available_migrations()]
    tables = {r["name"] for r in store.rows("SHOW TABLES")}
    assert {"spans", "spans_1m", "spans_1m_mv", "schema_migrations"} <= tables


def test_retention_is_set_and_removed(store):
    migrate(store, retention_days=14)
    assert "toIntervalDay(14)" in ddl(store, "spans") and "toIntervalDay(14)" in ddl(store, "spans_1m")
    migrate(store, retention_days=0)
    assert " TTL " not in ddl(store, "spans")


def test_edited_migration_is_refused(store, monkeypatch):
    original = migrate_module.available_migrations
    edited = [dataclasses.replace(m, sql=m.sql + "\n-- edited") if m.version == 1 else m for m in original()]
    monkeypatch.setattr(migrate_module, "available_migrations", lambda: edited)
    with pytest.raises(StorageError, match="changed after it was applied"):
        migrate(store)
