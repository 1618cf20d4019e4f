"""The embedded all-in-one: broker, ClickHouse (chDB), ingest, evaluators, API, drift and alerts in one process.

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
from spyglass.cli.settings import Settings
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
                 drift: bool = True) -> None:
        self.settings = settings
        self.want_api = api
        self.want_evaluators = evaluators and bool(settings.evaluators)
        self.want_alerts = alerts
        self.want_drift = drift
        self.services: list[ServiceThread] = []
        self.bootstrap = settings.kafka_bootstrap or ""
        self.embedded_broker = not self.bootstrap
        self._exit = ExitStack()

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
        s = self.settings
        if not self.bootstrap:
            broker = EmbeddedBroker().start()
            self._exit.callback(broker.stop)
            self.bootstrap = broker.bootstrap
            log.info("embedded Kafka broker (Tansu) on %s", self.bootstrap)
        ensure_topics(self.bootstrap, {s.spans_topic: s.partitions, s.dlq_topic: 1, scores_topic(s.spans_topic): 1})
        self.store = Store(s.clickhouse_dsn, s.clickhouse_database)
        self._exit.callback(self.store.close)
        applied = migrate(self.store, s.retention_days)
        log.info("ClickHouse %s database %s: %d migrations applied", s.clickhouse_dsn, s.clickhouse_database,
                 len(applied))
        if self.embedded_broker:
            self._repair_rollups()
        self._start_ingest()
        if self.want_evaluators:
            self._start_evaluators()
        if self.want_api:
            self._start_api()
        if self.want_drift:
            self._start_drift()
        if self.want_alerts:
            self._start_alerts()

    def _repair_rollups(self) -> None:
        """Count what a crash left uncounted: its broker is gone, so nothing replays those inserts.

        Only the embedded stack: here no other process can be inserting while it starts.
        """
        from spyglass.storage.rollups import EVALUATIONS_1M, SPANS_1M, repair_recent

        added = sum(repair_recent(self.store, rollup) for rollup in (SPANS_1M, EVALUATIONS_1M))
        if added:
            log.warning("rollups: %d rows added for inserts a crash cut off before their rollups", added)

    def _add(self, service: ServiceThread) -> None:
        self.services.append(service.start())

    def _start_ingest(self) -> None:
        from spyglass.ingest.worker import IngestWorker

        s = self.settings
        self.ingest = IngestWorker(Store(s.clickhouse_dsn, s.clickhouse_database), self.bootstrap,
                                   s.spans_topic, s.dlq_topic, s.ingest_group, s.ingest_batch_spans,
                                   s.ingest_batch_ms, consumer_options={"max_poll_interval_ms": 5_000},
                                   decode_processes=s.ingest_decode_processes, prices_file=s.prices_file)
        if self.embedded_broker:  # what it holds is gone once it stops: ingest it all first
            self.ingest.drain_timeout_s = INGEST_DRAIN_S
        self._add(ServiceThread("ingest", self.ingest.run, self.ingest.stop, stop_timeout_s=INGEST_DRAIN_S + 30))
        from spyglass.ingest.scores import ScoreIngest  # scores from outside (issue 16)

        self.score_ingest = ScoreIngest(Store(s.clickhouse_dsn, s.clickhouse_database), self.bootstrap,
                                        scores_topic(s.spans_topic), s.dlq_topic, f"{s.ingest_group}.scores")
        self._add(ServiceThread("scores", self.score_ingest.run, self.score_ingest.stop))

    def _start_evaluators(self) -> None:
        from spyglass.cli.evaluate import build_worker

        # on stop it does not drain the broker: what it did not score is in ClickHouse for backfill
        self.evaluator = build_worker(self.settings, self.bootstrap)
        self._add(ServiceThread("evaluators", self.evaluator.run, self.evaluator.stop))

    def _start_drift(self) -> None:
        from spyglass.drift.service import DriftService
        from spyglass.evaluators.encoder import pick_device
        from spyglass.evaluators.engine import LazyEncoder

        s = self.settings
        # one encoder (and one embedding cache) for the evaluators and the drift monitor
        evaluation_sink = getattr(getattr(self, "evaluator", None), "sink", None)
        encoder = (evaluation_sink.ctx.encoder if evaluation_sink is not None
                   else LazyEncoder(pick_device(s.device), precision=s.encoder_precision))
        self.drift = DriftService(Store(s.clickhouse_dsn, s.clickhouse_database), s, encoder=encoder)
        self._add(ServiceThread("drift", self.drift.run, self.drift.stop))

    def _start_alerts(self) -> None:
        from spyglass.cli.alerts import build_engine

        s = self.settings
        url = getattr(self, "api_url", s.api_url)
        self.alerts = build_engine(s, Store(s.clickhouse_dsn, s.clickhouse_database), url)
        self._add(ServiceThread("alerts", self.alerts.run, self.alerts.stop))

    def _start_api(self) -> None:
        import uvicorn

        from spyglass.api.app import create_app
        from spyglass.api.deps import ApiDeps
        from spyglass.broker.publish import SpanPublisher

        s = self.settings
        publisher = SpanPublisher(self.bootstrap, s.spans_topic)
        self._exit.callback(publisher.close)
        api_store = Store(s.clickhouse_dsn, s.clickhouse_database)
        verifier = None
        if s.auth:
            from spyglass.api.auth import KeyVerifier

            self.local_key = local_operator_key(api_store, s.local_key_path)
            verifier = KeyVerifier(api_store)
        deps = ApiDeps(store=api_store, publisher=publisher, max_request_bytes=s.max_request_bytes,
                       public_url=s.api_url, auth=verifier,
                       score_publisher=self._score_publisher())
        config = uvicorn.Config(create_app(deps), host=s.api_host, port=s.api_port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=API_STOP_S)
        self.api_server = uvicorn.Server(config)

        def request_stop() -> None:
            self.api_server.should_exit = True

        self._add(ServiceThread("api", self.api_server.run, request_stop))
        deadline = time.monotonic() + 20
        while not self.api_server.started:
            if time.monotonic() > deadline or not self.services[-1].alive():
                raise RuntimeError(f"API did not start on {s.api_host}:{s.api_port}")
            time.sleep(0.05)
        port = self.api_server.servers[0].sockets[0].getsockname()[1]
        self.api_url = f"http://{s.api_host}:{port}"

    def _score_publisher(self) -> object:
        from spyglass.broker.score_publish import ScorePublisher

        publisher = ScorePublisher(self.bootstrap, scores_topic(self.settings.spans_topic))
        self._exit.callback(publisher.close)
        return publisher

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
