"""Session fixtures: one real Tansu broker and one real chDB data directory for the whole run.

Tests isolate themselves with unique topics, groups and databases (``unique_name``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spyglass.broker import EmbeddedBroker
from support import unique_name


@pytest.fixture(scope="session")
def broker():
    """A real Kafka-protocol broker (Tansu) on a free port; yields its bootstrap address."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="session")
def chdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chDB data directory this process may open."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture()
def store(chdb_path: Path):
    """A fresh, migrated Spyglass database in the session's chDB."""
    from spyglass.storage import Store, migrate

    db = Store(f"chdb://{chdb_path}", unique_name("spy"))
    migrate(db)
    yield db
    db.command(f"DROP DATABASE IF EXISTS {db.database}")
    db.close()
