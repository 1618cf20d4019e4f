"""Threads reserved for work that must never queue behind reads: readiness, key checks, ingest.

FastAPI runs every blocking (``def``) handler on one shared pool of 40 threads; slow reads can
fill it. Health probes, API-key lookups and span publishing get their own small pools instead.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class Lanes:
    """One thread pool per kind of work that must stay responsive."""

    def __init__(self, ingest_threads: int = 16) -> None:
        self.health = ThreadPoolExecutor(1, thread_name_prefix="spyglass-health")
        self.auth = ThreadPoolExecutor(2, thread_name_prefix="spyglass-auth")
        self.ingest = ThreadPoolExecutor(ingest_threads, thread_name_prefix="spyglass-ingest")

    @staticmethod
    async def run(pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on ``pool``, awaited without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args))

    def close(self) -> None:
        for pool in (self.health, self.auth, self.ingest):
            pool.shutdown(wait=True)
