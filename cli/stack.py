"""The embedded all-in-one: broker, ClickHouse (chDB), ingest, evaluators, API, drift, bias and alerts in one process.

chDB allows one process per data directory, so everything that touches ClickHouse runs here,
each service on its own thread. Stop (``_stop_services``): every service is asked to stop at
once; the API first finishes its requests (no new spans), then ingest consumes what the
memory-only broker still holds and commits; the evaluators cut their batch short and leave
what they did not score to ``spyglass backfill`` (the spans are in ClickHouse); a drift pass
stops at its next chunk. All are joined against one deadline, then the broker stops.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import ExitStack
from typing import Callable

from spyglass.broker import EmbeddedBroker, ensure_topics
from spyglass.cli import workers
from spyglass.core.memory import HeapTrimmer
from spyglass.core.settings import Settings
from spyglass.sdk.score_wire import scores_topic
from spyglass.storage import Store, migrate

log = logging.getLogger(__name__)

# how long a clean stop waits for ingest to consume what the memory-only broker still holds (it
# is seconds behind while it keeps up), and for every other service
INGEST_DRAIN_S = 60.0
STOP_S = 8.0
API_STOP_S = 3.0  # requests in flight finish; idle keep-alive connections close at once


class ServiceThread:
    """Run ``target`` on a daemon thread; ``stop`` calls ``request_stop`` and joins."""

    def __init__(self, name: str, target: Callable[[], None], request_stop: Callable[[], None],
                 stop_timeout_s: float = 30.0) -> None:
        self.name = name
        self.stop_timeout_s = stop_timeout_s
        self._request_stop = request_stop
        self.error: BaseException | None = None

        def guarded() -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported by the supervisor loop
                self.error = exc
                log.exception("%s stopped with an error", name)

        self.thread = threading.Thread(target=guarded, name=name, daemon=True)

    def start(self) -> "ServiceThread":
        self.thread.start()
        return self

    def alive(self) -> bool:
        return self.thread.is_alive()

    def request_stop(self) -> None:
        """Ask the service to stop; returns at once."""
        self._request_stop()

    def join(self, deadline: float) -> bool:
        """Wait until the service stopped or ``deadline`` (monotonic) passed; whether it stopped."""
        self.thread.join(max(deadline - time.monotonic(), 0.0))
        if self.thread.is_alive():
            log.warning("%s did not stop in time", self.name)
            return False
        return True

    def stop(self) -> None:
        """Ask and wait (at most ``stop_timeout_s``)."""
        self.request_stop()
        self.join(time.monotonic() + self.stop_timeout_s)


class Stack:
    """Start with ``with Stack(settings) as stack:``; ``stack.api_url`` is where the API listens."""

    def __init__(self, settings: Settings, api: bool = True, evaluators: bool = True, alerts: bool = True,
                 drift: bool = True, bias: bool = True) -> None:
        self.settings = settings
        self.want_api = api
        self.want_evaluators = evaluators and bool(settings.evaluators.names)
        self.want_alerts = alerts
        self.want_drift = drift
        self.want_bias = bias
        self.services: list[ServiceThread] = []
        self.bootstrap = settings.broker.kafka_bootstrap or ""
        self.embedded_broker = not self.bootstrap
        self._exit = ExitStack()
        self.heap_trimmer = HeapTrimmer()  # resident memory follows use, not the peak (core/memory.py)

    def __enter__(self) -> "Stack":
        try:
            self._start()
        except BaseException:
            self._stop_services()
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop_services()
        started = time.monotonic()
        self._exit.close()
        log.info("publishers, ClickHouse and the broker closed in %.1fs", time.monotonic() - started)

    def _stop_services(self) -> None:
        """Stop every service in parallel (see the module docstring); safe to call twice."""
        started = time.monotonic()
        by_name = {svc.name: svc for svc in self.services}
        ingest = [by_name[n] for n in ("ingest",) if n in by_name]
        for svc in self.services:
            if svc not in ingest:
                svc.request_stop()
        if "api" in by_name:  # no new spans after this, so ingest's drain covers every accepted one
            by_name["api"].join(started + API_STOP_S)
        for svc in ingest:
            svc.request_stop()
        deadline = time.monotonic() + STOP_S
        for svc in self.services:
            svc.join(time.monotonic() + INGEST_DRAIN_S if svc in ingest else deadline)
        if self.services:
            log.info("services stopped in %.1fs", time.monotonic() - started)
        self.services = []

    def _start(self) -> None:
        broker, storage = self.settings.broker, self.settings.storage
        if not self.bootstrap:
            embedded = EmbeddedBroker(gate=True).start()  # the gate lets retention hold producers
            self._exit.callback(embedded.stop)
            self.bootstrap = embedded.bootstrap
            self.broker_pid = embedded.pid or 0
            self.broker_gate = embedded.gate
            log.info("embedded Kafka broker (Tansu) on %s", self.bootstrap)
        ensure_topics(self.bootstrap, {broker.spans_topic: broker.partitions, broker.dlq_topic: 1,
                                       scores_topic(broker.spans_topic): 1})
        self.store = workers.new_store(storage)
        self._exit.callback(self.store.close)
        applied = migrate(self.store, storage.retention_days)
        log.info("ClickHouse %s database %s: %d migrations applied", storage.dsn, storage.database, len(applied))
        if self.embedded_broker:
            self._repair_rollups()
        self._start_ingest()
        if self.want_evaluators:
            self._start_evaluators()
        if self.want_api:
            self._start_api()
        if self.want_drift:
            self._start_drift()
        if self.want_bias:
            self._start_bias()
        self._start_retention()
        self._add(ServiceThread("heap-trim", self.heap_trimmer.run, self.heap_trimmer.stop))
        if self.want_alerts:
            self._start_alerts()
        if self.embedded_broker:  # last, so it stops first: no topic is recreated while consumers drain
            self._start_broker_retention(self.broker_pid)

    def _repair_rollups(self) -> None:
        """Count what a crash left uncounted: its broker is gone, so nothing replays those inserts.

        Only the embedded stack: here no other process can be inserting while it starts.
        """
        from spyglass.storage.rollups import EVALUATIONS_1M, SPANS_1M, repair_recent

        added = sum(repair_recent(self.store, rollup) for rollup in (SPANS_1M, EVALUATIONS_1M))
        if added:
            log.warning("rollups: %d rows added for inserts a crash cut off before their rollups", added)

    def _start_broker_retention(self, broker_pid: int) -> None:
        from spyglass.broker.rotation import BrokerRetention

        s = self.settings.broker
        self.broker_retention = BrokerRetention(
            self.bootstrap, {s.spans_topic: s.partitions}, broker_pid, s.broker_memory_soft_mb << 20,
            max(s.broker_memory_max_mb, s.broker_memory_soft_mb) << 20, s.broker_retention_interval_s,
            self.broker_gate, protected_groups=(self.settings.ingest.group,))
        self._add(ServiceThread("broker-retention", self.broker_retention.run, self.broker_retention.stop))

    def _add(self, service: ServiceThread) -> None:
        self.services.append(service.start())

    def _start_ingest(self) -> None:
        self.ingest = workers.ingest_worker(self.settings, self.bootstrap)
        if self.embedded_broker:  # what it holds is gone once it stops: ingest it all first
            self.ingest.drain_timeout_s = INGEST_DRAIN_S
        self._add(ServiceThread("ingest", self.ingest.run, self.ingest.stop, stop_timeout_s=INGEST_DRAIN_S + 30))
        self.score_ingest = workers.score_ingest(self.settings, self.bootstrap)  # scores from outside (issue 16)
        self._add(ServiceThread("scores", self.score_ingest.run, self.score_ingest.stop))

    def _start_evaluators(self) -> None:
        # on stop it does not drain the broker: what it did not score is in ClickHouse for backfill
        self.evaluator = workers.evaluate_worker(self.settings, self.bootstrap)
        self._add(ServiceThread("evaluators", self.evaluator.run, self.evaluator.stop))

    def _start_drift(self) -> None:
        # one encoder (and one embedding cache) for the evaluators and the drift monitor
        evaluator = getattr(self, "evaluator", None)
        encoder = (evaluator.sink.ctx.encoder if evaluator is not None
                   else workers.model_encoder(self.settings.evaluators))
        self.drift = workers.drift_service(self.settings, encoder)
        self._add(ServiceThread("drift", self.drift.run, self.drift.stop))

    def _start_bias(self) -> None:
        from spyglass.bias.service import BiasOptions, BiasService

        s = self.settings.bias
        options = BiasOptions(s.interval_s, s.window_minutes, tuple(s.metadata_keys), s.alpha, s.min_n)
        self.bias = BiasService(workers.new_store(self.settings.storage), options)
        self._add(ServiceThread("bias", self.bias.run, self.bias.stop))

    def _start_retention(self) -> None:
        from spyglass.storage.retention import RetentionService

        storage = self.settings.storage
        self.retention = RetentionService(workers.new_store(storage), storage.retention_interval_s)
        self._add(ServiceThread("retention", self.retention.run, self.retention.stop))

    def _start_alerts(self) -> None:
        url = getattr(self, "api_url", self.settings.api.url)
        self.alerts = workers.alert_engine(self.settings, workers.new_store(self.settings.storage), url)
        self._add(ServiceThread("alerts", self.alerts.run, self.alerts.stop))

    def _start_api(self) -> None:
        import uvicorn

        from spyglass.api.app import create_app

        api = self.settings.api
        api_store = workers.new_store(self.settings.storage)
        verifier = None
        if api.auth:
            from spyglass.api.auth import KeyVerifier

            self.local_key = local_operator_key(api_store, api.local_key_path)
            verifier = KeyVerifier(api_store)
        deps = workers.api_deps(self.settings, self.bootstrap, api_store, verifier)
        self._exit.callback(deps.publisher.close)
        self._exit.callback(deps.score_publisher.close)
        config = uvicorn.Config(create_app(deps), host=api.host, port=api.port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=API_STOP_S)
        self.api_server = uvicorn.Server(config)

        def request_stop() -> None:
            self.api_server.should_exit = True

        self._add(ServiceThread("api", self.api_server.run, request_stop))
        deadline = time.monotonic() + 20
        while not self.api_server.started:
            if time.monotonic() > deadline or not self.services[-1].alive():
                raise RuntimeError(f"API did not start on {api.host}:{api.port}")
            time.sleep(0.05)
        port = self.api_server.servers[0].sockets[0].getsockname()[1]
        self.api_url = f"http://{api.host}:{port}"

    @property
    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate as the stack's local operator key (empty when auth is off)."""
        key = getattr(self, "local_key", None)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def failed(self) -> ServiceThread | None:
        """The first service that stopped on its own, if any."""
        return next((svc for svc in self.services if not svc.alive()), None)


def local_operator_key(store: Store, path: str) -> str:
    """The embedded stack's operator key: reused from ``path`` while valid, else created (file mode 0600)."""
    import os
    from pathlib import Path

    from spyglass.storage.keys import OPERATOR, SCOPES, create_key, verify_key

    file = Path(path)
    if file.exists():
        existing = file.read_text().strip()
        if verify_key(store, existing) is not None:
            return existing
    _, plaintext = create_key(store, OPERATOR, list(SCOPES), "local (spyglass up)")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(plaintext + "\n")
    os.chmod(file, 0o600)
    return plaintext
