"""The bias monitor as a long-running service of the embedded stack: a pass over every project each interval."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Sequence

from spyglass.bias.monitor import run_bias
from spyglass.storage.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BiasOptions:
    """How often a pass runs, the window it reads, and the test's settings."""

    interval_s: float = 900.0
    window_minutes: float = 60.0
    metadata_keys: tuple[str, ...] = ()
    alpha: float = 0.01
    min_n: int = 30


def active_projects(store: Store, start_s: float, end_s: float) -> list[str]:
    """Projects with spans in [start_s, end_s] (from the per-minute rollup: cheap on any table size)."""
    rows = store.rows("SELECT DISTINCT project FROM spans_1m "
                      "WHERE minute >= toStartOfMinute(fromUnixTimestamp({lo:Int64})) "
                      "AND minute <= fromUnixTimestamp({hi:Int64}) ORDER BY project",
                      parameters={"lo": int(start_s), "hi": int(end_s)})
    return [r["project"] for r in rows]


class BiasService:
    """Runs ``run_bias`` for every active project every ``interval_s`` seconds until ``stop()``.

    Reports go to ``bias_reports``, where the ``bias_disparate`` alert metric reads them. A failed
    pass is logged and the next one runs on schedule; it never kills the stack.
    """

    def __init__(self, store: Store, options: BiasOptions) -> None:
        self.store = store
        self.options = options
        self._stop = threading.Event()
        self.passes = 0
        self.failures = 0

    def run(self) -> None:
        """Block: wait one interval, run a pass, repeat; returns soon after ``stop()``."""
        while not self._stop.wait(self.options.interval_s):
            self.run_pass()

    def run_pass(self, now: float | None = None) -> dict[str, Sequence]:
        """One pass now over every active project; {project: its comparisons}. Errors logged, not raised."""
        end = time.time() if now is None else now
        start = end - self.options.window_minutes * 60
        found: dict[str, Sequence] = {}
        try:
            for project in active_projects(self.store, start, end):
                _, found[project] = run_bias(self.store, project, start, end, self.options.metadata_keys,
                                             self.options.alpha, self.options.min_n)
        except Exception:  # noqa: BLE001 - a bad pass must not stop the schedule
            self.failures += 1
            log.exception("bias pass failed")
            return found
        self.passes += 1
        disparate = [f"{p}:{c.dimension}/{c.segment}:{c.outcome}" for p, cs in found.items() for c in cs if c.disparate]
        log.info("bias pass: %d projects, %d disparate%s", len(found), len(disparate),
                 f" ({', '.join(disparate[:10])})" if disparate else "")
        return found

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from any thread, safe to call twice."""
        self._stop.set()
