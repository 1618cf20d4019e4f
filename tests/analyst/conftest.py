"""A migrated database with two projects' rows, shared by the analyst tests of one module."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from analyst_seed import Seeded, seed_projects
from support import unique_name


class _NoPublisher:
    def publish(self, spans: list) -> int:
        return 0

    def connected(self) -> bool:
        return True


@pytest.fixture(scope="module")
def seeded(chdb_path):
    """(store, Seeded): two projects in a fresh database, starting 30 minutes ago on a whole hour."""
    from spyglass.storage import Store, migrate

    store = Store(f"chdb://{chdb_path}", unique_name("analyst"))
    migrate(store)
    start = int(time.time() // 3600) * 3600 - 3600
    info: Seeded = seed_projects(store, unique_name("proj"), unique_name("other"), start)
    yield store, info
    store.command(f"DROP DATABASE IF EXISTS {store.database}")
    store.close()


@pytest.fixture(scope="module")
def client(seeded):
    """The real API over the seeded database."""
    from spyglass.api.app import create_app
    from spyglass.api.deps import ApiDeps

    with TestClient(create_app(ApiDeps(store=seeded[0], publisher=_NoPublisher()))) as http:
        yield http
