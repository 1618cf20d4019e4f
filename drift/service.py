"""The drift monitor as a long-running service of the embedded stack: a pass every interval."""

from __future__ import annotations

import logging
import threading
import time
from spyglass.core.settings import DriftSettings
from spyglass.drift.monitor import DriftMonitor, Embedder
from spyglass.storage.store import Store
from spyglass.telemetry.recorders import drift_run

log = logging.getLogger(__name__)


class DriftService:
    """Runs ``DriftMonitor.run_once`` every ``settings.interval_s`` seconds until ``stop()``.

    Build with the stack's Store, the drift settings and the shared encoder (None skips
    embedding features). A failed pass is logged and the next one runs on schedule; it never
    kills the stack.
    """

    def __init__(self, store: Store, settings: DriftSettings, encoder: Embedder | None = None) -> None:
        self.settings = settings
        self.monitor = DriftMonitor(store, settings, encoder)
        self._stop = threading.Event()
        self.passes = 0
        self.failures = 0
        self.last_run_id: str | None = None

    def run(self) -> None:
        """Block: wait one interval, run a pass, repeat; returns soon after ``stop()``."""
        while not self._stop.wait(self.settings.interval_s):
            self.run_pass()

    def run_pass(self) -> None:
        """One drift pass now, errors logged (not raised)."""
        started = time.perf_counter()
        try:
            run_id, reports = self.monitor.run_once()
        except Exception:  # noqa: BLE001 - a bad pass must not stop the schedule
            self.failures += 1
            drift_run(False, time.perf_counter() - started)
            log.exception("drift pass failed")
            return
        self.passes += 1
        drift_run(True, time.perf_counter() - started, sum(len(r.drifted) for r in reports))
        self.last_run_id = run_id
        drifted = [f"{r.project}/{r.service}/{r.model}:{f.feature}" for r in reports for f in r.drifted]
        log.info("drift run %s: %d groups, %d features drifted%s", run_id, len(reports), len(drifted),
                 f" ({', '.join(drifted[:10])})" if drifted else "")

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from any thread, safe to call twice."""
        self._stop.set()
