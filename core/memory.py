"""Hand freed heap memory back to the operating system, so a long-running process's resident
memory follows what it holds rather than the most it ever held.

glibc keeps memory that Python frees in its arenas (one per thread that allocates, up to eight
per core) and returns it only from the top of the heap. The stack frees a lot between peaks:
decoded batches, query results, the broker's carried records. ``malloc_trim(0)`` returns every
free page of every arena; ``HeapTrimmer`` calls it every few seconds. Elsewhere (musl, macOS,
Windows) there is nothing to call and it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


def malloc_trim() -> Callable[[], int] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


class HeapTrimmer:
    """Calls ``malloc_trim(0)`` every ``interval_s``; ``run()`` blocks until ``stop()``."""

    def __init__(self, interval_s: float = 10.0) -> None:
        self.interval_s = interval_s
        self.trims = 0
        self._trim = malloc_trim()
        self._stop = threading.Event()

    def run(self) -> None:
        if self._trim is None:
            log.info("heap trimming: no malloc_trim in this C library; nothing to do")
            return
        while not self._stop.wait(self.interval_s):
            self._trim()
            self.trims += 1

    def stop(self) -> None:
        self._stop.set()
