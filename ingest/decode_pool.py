"""Where the consumer decodes batches: spawned worker processes, or the calling thread.

Parsing and validating spans is pure Python; in worker processes it runs on its own core while
the consumer thread polls and chDB inserts. Workers ignore Ctrl-C and SIGTERM, which a terminal
or a service manager sends to the whole process group (the consumer stops them), and exit by
themselves when the process that started them dies, even by SIGKILL: at once on Linux (the
parent-death signal, ``broker.lifetime``), within a second elsewhere (a thread watches the parent).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable


class DecodePool:
    """``processes`` worker processes (0: decode inline, on the caller's thread).

    ``setup``, a picklable callable, runs once in each worker as it starts (the PII pattern pool
    loads its analyzer there); without it workers turn the cycle collector off (below).
    """

    def __init__(self, processes: int, setup: Callable[[], None] | None = None) -> None:
        self.processes = processes
        self.setup = setup
        # how many closed batches may wait for their store: while one decoded batch waits for the
        # store in flight, each worker decodes one and has the next queued, so it never idles
        self.size = 2 * processes + 1 if processes else 1
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers now (not on the first batch); a no-op for inline decoding."""
        if self.processes and self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_init, initargs=(os.getpid(), self.setup))
            for ready in [self._pool.submit(_ready) for _ in range(self.processes)]:
                ready.result()

    def submit(self, decode: Callable[[Any], Any], items: Any) -> Future:
        """Run ``decode(items)``; the future holds its result or exception.

        If a worker died, the future holds ``BrokenProcessPool``, like those of the batches queued
        before it: the reader fails them in order and calls ``restart``.
        """
        future: Future = Future()
        if self._pool is not None:
            try:
                return self._pool.submit(decode, items)
            except BrokenProcessPool as exc:
                future.set_exception(exc)
                return future
        try:
            future.set_result(decode(items))
        except Exception as exc:  # noqa: BLE001 - handed to whoever reads the future, as a pool would
            future.set_exception(exc)
        return future

    def restart(self) -> None:
        """Replace broken workers (one was killed)."""
        self.stop()
        self.start()

    def stop(self) -> None:
        """Stop the workers: queued batches are dropped, a batch being decoded is finished."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _ready() -> bool:
    return True


def _worker_init(parent_pid: int, setup: Callable[[], None] | None = None) -> None:
    from spyglass.broker.lifetime import die_with_parent

    die_with_parent()
    for signum in (signal.SIGINT, signal.SIGTERM):  # sent to the whole process group; the parent decides
        signal.signal(signum, signal.SIG_IGN)
    if setup is not None:
        setup()
    else:
        # decoding makes no reference cycles: reference counting frees everything, the cycle
        # collector would only rescan each batch's objects
        gc.disable()
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(0)
