"""Heavy reads (analysts' SQL) off the event loop: their own threads and ClickHouse handles, per-key
limits and a bounded queue, so health, ingest and the other endpoints never wait behind them.

chDB releases the GIL while a query runs, but one client handle runs one query at a time: a
query on the API's shared handle would hold up every other read. So each worker thread here
owns its own ``Store`` (its own chDB handle, or HTTP client for a server).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from spyglass.core.errors import Throttled, Unavailable
from spyglass.storage import Store

T = TypeVar("T")


class GateBusy(Unavailable):
    """The read was not admitted: the server's queue is full (503)."""

    retry_after_s = 2.0


class KeyBusy(GateBusy, Throttled):
    """The read was not admitted: this key has its limit of reads running or queued (429)."""


class ReadGate:
    """Runs blocking reads on ``workers`` threads, each with its own store; bounded per key and overall.

    ``run`` admits a read at once or refuses it (``GateBusy``): a key may have ``per_key`` reads
    running or waiting; at most ``queue`` reads wait for a free worker; a read that waited
    ``max_wait_s`` is refused rather than run for a client that has likely given up.
    """

    def __init__(self, open_store: Callable[[], Store], workers: int = 2, per_key: int = 2, queue: int = 8,
                 max_wait_s: float = 30.0) -> None:
        self._open_store = open_store
        self.workers, self.per_key, self.queue, self.max_wait_s = workers, per_key, queue, max_wait_s
        self._lock = threading.Lock()
        self._running = 0
        self._waiting = 0
        self._by_key: dict[str, int] = defaultdict(int)
        self._stores: list[Store] = []
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="spyglass-sql")

    def _admit(self, key: str) -> None:
        with self._lock:
            if self._by_key[key] >= self.per_key:
                raise KeyBusy(f"this API key already has {self._by_key[key]} SQL queries running or queued "
                              f"(the limit is {self.per_key}); wait for one to finish")
            if self._running + self._waiting >= self.workers + self.queue:
                raise GateBusy(f"the SQL queue is full ({self.workers} running, {self._waiting} waiting); "
                               "retry in a few seconds")
            self._by_key[key] += 1
            self._waiting += 1

    def _work(self, key: str, queued_at: float, read: Callable[[Store], T]) -> T:
        with self._lock:
            self._waiting -= 1
            self._running += 1
            store = self._stores.pop() if self._stores else None
        healthy = False
        try:
            if time.monotonic() - queued_at > self.max_wait_s:
                raise GateBusy(f"the SQL query waited over {self.max_wait_s:g}s for a worker; retry later")
            store = store or self._open_store()
            result = read(store)
            healthy = True
            return result
        finally:
            # a failed query can leave a chDB handle mid-stream: give the next query a fresh one
            if store is not None and not healthy:
                store.close()
                store = None
            with self._lock:
                self._running -= 1
                self._by_key[key] -= 1
                if not self._by_key[key]:
                    del self._by_key[key]
                if store is not None:
                    self._stores.append(store)

    async def run(self, key: str, read: Callable[[Store], T]) -> T:
        """``read(store)`` on a worker thread; raises ``GateBusy`` when not admitted, else what ``read`` raises."""
        self._admit(key)
        future = self._executor.submit(self._work, key, time.monotonic(), read)
        # shielded: a client that disconnects does not cancel the bookkeeping of a queued read
        return await asyncio.shield(asyncio.wrap_future(future))

    def stats(self) -> dict[str, int]:
        """Reads running and waiting now."""
        with self._lock:
            return {"running": self._running, "waiting": self._waiting}

    def close(self) -> None:
        """Stop the worker threads (after the reads they hold) and close their stores."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            stores, self._stores = self._stores, []
        for store in stores:
            store.close()
