"""Sending notices: retries with exponential backoff and jitter, a deadline, one thread per channel.

Only temporary failures are retried (connection errors, 429 and 5xx), honouring Retry-After.
Per channel, notices go out in order, so a PagerDuty resolve never overtakes its trigger.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx

from spyglass.alerts.channels import Channel, build_request
from spyglass.alerts.notice import Notice
from spyglass.core.time import backoff_s
from spyglass.telemetry.recorders import alert_delivery, delivery_queue

log = logging.getLogger("spyglass.alerts")
RETRY_STATUS = frozenset({429, *range(500, 600)})
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.25, 10.0  # between delivery attempts, before Retry-After


@dataclass(frozen=True)
class DeliveryResult:
    """How one notice fared on one channel."""

    alert_id: str
    dedup_key: str
    event: str
    channel: str
    channel_type: str
    ok: bool
    attempts: int
    http_status: int
    error: str
    duration_ms: float
    at: float


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def send(channel: Channel, notice: Notice, client: httpx.Client, stopping: threading.Event) -> DeliveryResult:
    """Deliver ``notice`` to ``channel`` (blocking, retrying until ``channel.deadline_s`` or stop)."""
    request = build_request(channel, notice)
    started = time.monotonic()
    attempts, status, error = 0, 0, ""
    if channel.type == "log":
        attempts = 1
        try:
            if channel.path:
                Path(channel.path).parent.mkdir(parents=True, exist_ok=True)
                with open(channel.path, "ab") as out:
                    out.write(request.body + b"\n")
            else:
                log.warning("alert %s", request.body.decode())
        except OSError as exc:
            error = f"cannot write {channel.path}: {exc}"
    else:
        while True:
            attempts += 1
            wait: float | None = None
            try:
                response = client.post(request.url, content=request.body, headers=request.headers,
                                       timeout=channel.timeout_s)
                status, error = response.status_code, ""
                if response.is_success:
                    break
                error = f"HTTP {status}: {response.text[:200]}"
                if status not in RETRY_STATUS:
                    break
                wait = _retry_after(response)
            except httpx.TransportError as exc:
                status, error = 0, f"{type(exc).__name__}: {exc}"
            delay = min(wait if wait is not None else backoff_s(attempts, BACKOFF_BASE_S, BACKOFF_CAP_S), 30.0)
            if time.monotonic() - started + delay > channel.deadline_s or stopping.wait(delay):
                break
    return DeliveryResult(notice.alert_id, notice.dedup_key, notice.event, channel.name, channel.type,
                          not error, attempts, status, error, round((time.monotonic() - started) * 1000, 1),
                          time.time())


class Dispatcher:
    """Queues notices per channel and delivers them on that channel's thread; results to ``on_result``.

    ``submit`` never blocks. ``close`` waits up to ``timeout_s`` for queued notices, then stops.
    """

    def __init__(self, on_result: Callable[[DeliveryResult], None]) -> None:
        self.on_result = on_result
        self.stopping = threading.Event()
        self.client = httpx.Client(follow_redirects=False)
        self._queues: dict[str, queue.Queue] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, channel: Channel, notice: Notice) -> None:
        """Queue ``notice`` for ``channel`` (thread-safe)."""
        with self._lock:
            q = self._queues.get(channel.name)
            if q is None:
                q = self._queues[channel.name] = queue.Queue()
                delivery_queue(channel.name, q.qsize)
                thread = threading.Thread(target=self._work, args=(q,), name=f"alerts-{channel.name}", daemon=True)
                self._threads.append(thread)
                thread.start()
        q.put((channel, notice))

    def pending(self, channel_name: str) -> int:
        """Notices queued for the channel and not yet being sent."""
        with self._lock:
            q = self._queues.get(channel_name)
        return q.qsize() if q is not None else 0

    def _work(self, q: queue.Queue) -> None:
        while True:
            item = q.get()
            if item is None:
                return
            channel, notice = item
            try:
                result = send(channel, notice, self.client, self.stopping)
            except Exception as exc:  # noqa: BLE001 - a bug in one channel must not stop the others
                log.exception("delivery to %s failed", channel.name)
                result = DeliveryResult(notice.alert_id, notice.dedup_key, notice.event, channel.name, channel.type,
                                        False, 0, 0, repr(exc), 0.0, time.time())
            if not result.ok:
                log.warning("alert %s to %s failed after %d attempts: %s", notice.dedup_key, channel.name,
                            result.attempts, result.error)
            alert_delivery(channel.name, channel.type, result.ok, result.duration_ms / 1000)
            self.on_result(result)

    def close(self, timeout_s: float = 10.0) -> None:
        """Deliver what is queued (up to ``timeout_s``), then stop the threads. Safe to call twice."""
        with self._lock:
            queues, threads = list(self._queues.values()), list(self._threads)
            self._queues, self._threads = {}, []
        for q in queues:
            q.put(None)
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self.stopping.set()  # interrupts retry waits of whatever is still running
        for thread in threads:
            thread.join(2.0)
        self.client.close()
