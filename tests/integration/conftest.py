"""One embedded stack (ingest + API over the session's broker and chDB) shared by API tests."""

from __future__ import annotations

import httpx
import pytest

from spyglass.core.settings import load_settings
from spyglass.cli.stack import Stack
from support import unique_name


@pytest.fixture(scope="session")
def stack(broker, chdb_path, tmp_path_factory):
    settings = load_settings(
        clickhouse_dsn=f"chdb://{chdb_path}", clickhouse_database=unique_name("api"), kafka_bootstrap=broker.bootstrap,
        spans_topic=unique_name("spans"), dlq_topic=unique_name("dlq"), api_port=0, ingest_batch_ms=50,
        ingest_group=unique_name("ingest"), alert_log_path=str(tmp_path_factory.mktemp("alerts") / "alerts.jsonl"),
        local_key_path=str(tmp_path_factory.mktemp("keys") / "local-key"))
    with Stack(settings) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=30, headers=stack.auth_headers) as client:
        yield client
