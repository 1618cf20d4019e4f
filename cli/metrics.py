"""Per-role Prometheus endpoints: `spyglass ingest|evaluate|alerts|drift|up` serve this process's
metrics on ``SPYGLASS_METRICS_PORT_<ROLE>`` when set (the API serves ``/metrics`` itself)."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Iterator

from spyglass.core.settings import Settings

ROLES = ("ingest", "evaluate", "alerts", "drift", "up")


def role_port(command: str, settings: Settings) -> int | None:
    """The metrics port configured for ``command``, or None (no separate endpoint)."""
    return settings.metrics.port_for(command) if command in ROLES else None


@contextmanager
def role_metrics(args: argparse.Namespace, settings: Settings) -> Iterator[int | None]:
    """Serve metrics while the command runs, if its role has a port; yields the port (None: none)."""
    port = role_port(args.command, settings)
    if port is None or getattr(args, "check", False):
        yield None
        return
    from spyglass.telemetry.exposition import serve

    server = serve(settings.metrics.host, port)
    try:
        yield server.port
    finally:
        server.stop()
