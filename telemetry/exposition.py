"""Serving the metrics: the text exposition format on ``GET /metrics``, in the API or on a port of its own."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest, start_http_server

log = logging.getLogger(__name__)


def render() -> tuple[bytes, str]:
    """The current metrics of this process (body, content type)."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


@dataclass
class MetricsServer:
    """A background HTTP server answering ``/metrics`` (any path, as prometheus_client does)."""

    server: Any
    thread: Any

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None


def serve(host: str, port: int) -> MetricsServer:
    """Start serving this process's metrics on ``host:port`` (0: any free port) on a daemon thread."""
    server, thread = start_http_server(port, addr=host)
    running = MetricsServer(server, thread)
    log.info("Prometheus metrics on http://%s:%d/metrics", host, running.port)
    return running
