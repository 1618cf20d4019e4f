"""The bounded span queue and the one background thread that batches and exports it."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any, Callable, Optional

from spyglass.sdk._counter import Counter
from spyglass.sdk._encode import encode_records
from spyglass.sdk._export import Acknowledgement, ExportError, Exporter
from spyglass.sdk._log import logger, warn_once
from spyglass.sdk._retry import backoff_s


_ACK_POLL_S = 0.005  # how often the worker collects acknowledgements while batches are in flight


class _FlushMarker(threading.Event):
    """Queued behind the spans a ``flush`` waits for; set once they are exported or given up."""


class BatchWorker:
    """Accepts finished spans from any thread and exports them in batches on its own thread.

    ``submit`` never blocks and never raises: when ``max_queue_size`` spans are waiting, new
    ones are dropped and counted. Memory is bounded by the queue plus ``max_in_flight`` batches
    in flight and one being retried.
    ``prepare`` runs on the worker thread on each span (static fields, redaction) and may
    return None to drop it. With an exporter that has ``send`` (Kafka), up to ``max_in_flight``
    records are sent before the oldest acknowledgement is waited for; a record whose
    acknowledgement fails is sent again on the blocking path (backoff, splitting, counting).
    """

    def __init__(self, exporter: Exporter, prepare: Callable[[dict[str, Any]], Optional[dict[str, Any]]],
                 max_queue_size: int, max_batch_size: int, flush_interval_s: float, max_in_flight: int = 1) -> None:
        self._exporter = exporter
        self._prepare = prepare
        self._max_queue_size = max_queue_size
        self._max_batch_size = max_batch_size
        self._flush_interval_s = flush_interval_s
        self._max_in_flight = max_in_flight if callable(getattr(exporter, "send", None)) else 1
        self._in_flight: deque[tuple[Acknowledgement, bytes, int]] = deque()  # worker thread only
        self._flush_requested = False  # a flush waits: send partial batches now
        # deque.append/popleft are atomic under the GIL: the only synchronisation the hot path needs.
        self._queue: deque[Any] = deque()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._accepting = True  # a plain attribute: cheaper to read per span than Event.is_set()
        self._deadline = float("inf")
        self._lock = threading.Lock()  # guards shutdown only, never the hot path
        self.dropped = Counter()  # written by application threads
        # Written only by the worker thread.
        self.taken = 0
        self.sent = 0
        self.failed = 0
        self.retries = 0
        self.discarded = 0  # refused by prepare/encoding on the worker
        self._thread = threading.Thread(target=self._run, name="spyglass-sdk-export", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ application threads

    def submit(self, span: dict[str, Any]) -> None:
        """Queue one finished span; O(1), no I/O, no lock. Drops and counts when full."""
        queue = self._queue
        if len(queue) >= self._max_queue_size or not self._accepting:
            self.dropped.add()
            warn_once("queue-full", "spyglass: span queue full or closed (%d spans); dropping spans "
                      "until the exporter catches up — see spyglass.sdk.stats()", self._max_queue_size)
            return
        queue.append(span)
        if len(queue) >= self._max_batch_size and not self._wake.is_set():
            self._wake.set()

    def flush(self, timeout_s: float) -> bool:
        """Block up to ``timeout_s`` until spans queued before the call are exported or given up.

        Returns True when they were; False on timeout (for example while the broker is down).
        """
        if not self._thread.is_alive():
            return not self._queue
        marker = _FlushMarker()
        self._queue.append(marker)  # bypasses the size limit: flushes are rare and block their caller
        self._flush_requested = True
        self._wake.set()
        return marker.wait(timeout_s)

    def shutdown(self, timeout_s: float) -> bool:
        """Export what is queued within ``timeout_s``, then stop the thread and close the exporter.

        Later spans are dropped. Safe to call twice and from several threads. Returns True when
        everything queued was exported or given up within the time.
        """
        with self._lock:
            if self._closing.is_set():
                return not self._thread.is_alive()
            self._deadline = time.monotonic() + timeout_s
            self._accepting = False
            self._closing.set()
        self._wake.set()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def pending(self) -> int:
        """Spans queued and not yet taken by the worker (flush markers aside)."""
        return sum(1 for item in list(self._queue) if type(item) is not _FlushMarker)

    # ------------------------------------------------------------ worker thread

    def _run(self) -> None:
        try:
            next_partial = time.monotonic() + self._flush_interval_s
            while not self._closing.is_set():
                wait = next_partial - time.monotonic()
                self._wake.wait(min(wait, _ACK_POLL_S) if self._in_flight else wait)
                self._wake.clear()
                self._reap()
                # Full batches go as soon as they fill; a partial one waits for the interval or
                # a flush, so a busy worker does not cut the stream into small records.
                if self._flush_requested or time.monotonic() >= next_partial:
                    self._flush_requested = False
                    self._drain()
                    next_partial = time.monotonic() + self._flush_interval_s
                else:
                    self._drain(full_only=True)
            self._drain()  # what was queued before shutdown
            self._settle_all()
            self._exporter.close()
        except Exception:  # a bug here must not take the process down with a thread traceback
            logger.exception("spyglass: export thread stopped; spans will be dropped")

    def _drain(self, full_only: bool = False) -> None:
        queue = self._queue
        while len(queue) >= (self._max_batch_size if full_only else 1):
            batch: list[dict[str, Any]] = []
            markers: list[_FlushMarker] = []
            while queue and len(batch) < self._max_batch_size:
                item = queue.popleft()
                if type(item) is _FlushMarker:
                    markers.append(item)
                    break  # export what came before it, then release its waiter
                batch.append(item)
            if batch:
                self.taken += len(batch)
                self._export_batch(batch)
            if markers:
                self._settle_all()  # a flush returns once what it waits for is acknowledged
            for marker in markers:
                marker.set()

    def _export_batch(self, batch: list[dict[str, Any]]) -> None:
        prepared = []
        for span in batch:
            try:
                ready = self._prepare(span)
            except Exception:
                # A failing redaction hook must not let the unredacted span leave the app.
                warn_once("prepare", "spyglass: the redaction hook raised; dropping the span", exc_info=True)
                ready = None
            if ready is None:
                self.discarded += 1
            else:
                prepared.append(ready)
        records, unencodable = encode_records(prepared)
        if unencodable:
            self.discarded += unencodable
            warn_once("encode", "spyglass: dropped %d span(s) that cannot be encoded as JSON under "
                      "the record size limit (reference cycles or huge fields)", unencodable)
        for record, count in records:
            self._dispatch(record, count)

    def _dispatch(self, record: bytes, count: int) -> None:
        """Send a record, pipelined when the exporter allows it, else blocking until acknowledged."""
        if self._max_in_flight <= 1:
            self._send(record, count)
            return
        while len(self._in_flight) >= self._max_in_flight:
            self._settle(*self._in_flight.popleft())
        try:
            acknowledgement = self._exporter.send(record)  # type: ignore[attr-defined]
        except ExportError:
            self._send(record, count)  # the blocking path retries, splits or counts it
            return
        except Exception as exc:  # an exporter bug: count the spans, keep the thread alive
            self.failed += count
            warn_once("exporter-bug", "spyglass: exporter raised %r; dropping the batch", exc, exc_info=True)
            return
        self._in_flight.append((acknowledgement, record, count))

    def _settle(self, acknowledgement: Acknowledgement, record: bytes, count: int) -> None:
        try:
            acknowledgement.wait()
            self.sent += count
        except ExportError:
            self._send(record, count)  # again, on the blocking path with its backoff and deadline
        except Exception as exc:
            self.failed += count
            warn_once("exporter-bug", "spyglass: exporter raised %r; dropping the batch", exc, exc_info=True)

    def _reap(self) -> None:
        """Collect the acknowledgements already in, oldest first, without waiting."""
        in_flight = self._in_flight
        while in_flight and in_flight[0][0].done():
            self._settle(*in_flight.popleft())

    def _settle_all(self) -> None:
        while self._in_flight:
            self._settle(*self._in_flight.popleft())

    def _send_without_offenders(self, record: bytes, count: int, exc: ExportError) -> None:
        """Send again what the server would take: all but the refused spans, or each half of a record
        over its size limit; only the offending spans are dropped and counted."""
        try:
            spans = json.loads(record)["spans"]
        except (ValueError, KeyError, TypeError):
            spans = []
        if len(spans) != count:  # not a record this worker encoded: nothing to split safely
            self.failed += count
            return
        if exc.too_large:
            parts = [spans[:count // 2], spans[count // 2:]]
        else:
            refused = set(exc.rejected)
            parts = [[span for i, span in enumerate(spans) if i not in refused]]
            self.failed += count - len(parts[0])
            warn_once("refused-spans", "spyglass: the server refused %d span(s) of a batch; sending the "
                      "others: %s", count - len(parts[0]), exc)
        for part in parts:
            records, unencodable = encode_records(part) if part else ([], 0)
            self.discarded += unencodable
            for smaller, smaller_count in records:
                self._send(smaller, smaller_count)

    def _send(self, record: bytes, count: int) -> None:
        attempt = 0
        while True:
            if self._closing.is_set() and time.monotonic() >= self._deadline:
                self.failed += count
                warn_once("shutdown-unsent", "spyglass: shutdown timed out; %d span(s) not delivered", count)
                return
            try:
                self._exporter.export(record)
                self.sent += count
                return
            except ExportError as exc:
                if not exc.retryable and count > 1 and (exc.too_large or exc.rejected):
                    self._send_without_offenders(record, count, exc)
                    return
                if not exc.retryable:
                    self.failed += count
                    warn_once(f"refused:{type(self._exporter).__name__}",
                              "spyglass: %d span(s) refused and dropped: %s", count, exc)
                    return
                delay = backoff_s(attempt, exc.retry_after_s)
                warn_once(f"retry:{type(self._exporter).__name__}",
                          "spyglass: export failed, retrying with backoff (spans queue up to the "
                          "limit meanwhile): %s", exc)
            except Exception as exc:  # an exporter bug: retrying would loop on it forever
                self.failed += count
                warn_once("exporter-bug", "spyglass: exporter raised %r; dropping the batch", exc, exc_info=True)
                return
            attempt += 1
            self.retries += 1
            if self._closing.is_set():
                time.sleep(max(0.0, min(delay, self._deadline - time.monotonic())))
            else:
                self._closing.wait(delay)  # shutdown cuts the wait short
