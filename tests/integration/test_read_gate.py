"""The SQL gate: per-key limit (429), bounded queue (503), a fresh ClickHouse handle after a failure."""

from __future__ import annotations

import asyncio
import threading

import pytest

from spyglass.api.gate import GateBusy, KeyBusy, ReadGate
from spyglass.storage import Store

pytestmark = pytest.mark.integration


def test_limits_queue_and_fresh_handles(store):
    opened: list[Store] = []

    def open_store() -> Store:
        opened.append(Store(store.dsn, store.database))
        return opened[-1]

    gate = ReadGate(open_store, workers=1, per_key=1, queue=1)
    release = threading.Event()

    def blocked(s: Store) -> int:
        release.wait(30)
        return s.rows("SELECT 1 AS one")[0]["one"]

    def failing(s: Store) -> int:
        s.rows("SELECT no_such_column")
        return 0

    async def scenario() -> None:
        first = asyncio.ensure_future(gate.run("a", blocked))
        await asyncio.sleep(0)  # let it be admitted
        with pytest.raises(GateBusy) as same_key:
            await gate.run("a", blocked)
        assert isinstance(same_key.value, KeyBusy) and "limit is 1" in same_key.value.message
        queued = asyncio.ensure_future(gate.run("b", lambda s: s.rows("SELECT 2 AS two")[0]["two"]))
        await asyncio.sleep(0)
        with pytest.raises(GateBusy) as full:
            await gate.run("c", blocked)
        assert not isinstance(full.value, KeyBusy) and "queue is full" in full.value.message
        release.set()
        assert await first == 1 and await queued == 2
        with pytest.raises(Exception):
            await gate.run("a", failing)
        assert await gate.run("a", lambda s: s.rows("SELECT 3 AS three")[0]["three"]) == 3
        assert gate.stats() == {"running": 0, "waiting": 0}

    try:
        asyncio.run(scenario())
    finally:
        gate.close()
    assert len(opened) == 2, "one handle reused, then a fresh one after the failed query"
