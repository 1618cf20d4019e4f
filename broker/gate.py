"""A TCP relay in front of the embedded broker that can hold produce requests for a moment.

The embedded broker's retention recreates the spans topic (``broker/rotation.py``). A record a
producer got acknowledged between the last read of the topic and its deletion would be lost,
and Tansu offers no way to stop producers. So clients reach Tansu through this relay: while
``fenced`` it holds every new Produce request (and what follows it on that connection) until
the topic exists again, and ``wait_idle`` waits until the ones already forwarded are answered.
Producers see a short pause, never an error. Other requests (fetch, commit, metadata) pass.

The relay reads only the Kafka framing: a 4-byte size, then (requests) api key, version and
correlation id, (responses) the correlation id.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from typing import Any

_PRODUCE = 0  # Kafka api key
_HIGH_WATER = 4 * 1024 * 1024  # bytes buffered towards one side before reading from the other pauses


class _Side(asyncio.Protocol):
    """One end of a relayed connection; ``peer`` is the other end."""

    def __init__(self, gate: "BrokerGate", requests: bool) -> None:
        self.gate = gate
        self.requests = requests  # client side: parses requests; broker side: responses
        self.peer: _Side | None = None
        self.transport: Any = None
        self.buffer = bytearray()
        self.remaining = 0  # bytes of the current frame still to forward
        self.held = False  # a produce request waits for the fence to lift
        self.paused_by_peer = False
        self.pending: set[int] = set()  # client side: produce correlation ids not yet answered

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if not self.buffer and len(data) <= self.remaining and peer is not None and peer.transport is not None:
            peer.transport.write(data)  # the middle of a frame (most bytes): pass it on uncopied
            self.remaining -= len(data)
            return
        self.buffer += data
        self.pump()

    def pump(self) -> None:
        """Forward whole and partial frames until a held produce request or the end of the buffer."""
        buffer, peer = self.buffer, self.peer
        if peer is None or peer.transport is None:
            return
        sent = 0
        while sent < len(buffer):
            if self.remaining:
                chunk = min(self.remaining, len(buffer) - sent)
                peer.transport.write(bytes(memoryview(buffer)[sent:sent + chunk]))
                sent += chunk
                self.remaining -= chunk
                continue
            if len(buffer) - sent < (12 if self.requests else 8):  # size, then api key, version, correlation id
                break
            size = struct.unpack_from(">i", buffer, sent)[0]
            if self.requests:
                api_key, _, correlation = struct.unpack_from(">hhi", buffer, sent + 4)
                if api_key == _PRODUCE:
                    if self.gate.fenced:
                        self.held = True
                        self.gate.hold(self)
                        break
                    self.pending.add(correlation)
            else:
                correlation = struct.unpack_from(">i", buffer, sent + 4)[0]
                peer.pending.discard(correlation)
            self.remaining = size + 4
        del buffer[:sent]
        if self.held or len(buffer) > _HIGH_WATER:
            self.transport.pause_reading()
        elif not self.paused_by_peer:
            self.transport.resume_reading()

    def release(self) -> None:
        """The fence lifted: forward the held request and read on."""
        self.held = False
        self.pump()

    def pause_writing(self) -> None:  # our transport's buffer is full: stop reading from the peer
        if self.peer is not None and self.peer.transport is not None:
            self.peer.paused_by_peer = True
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.paused_by_peer = False
            if not self.peer.held:
                self.peer.transport.resume_reading()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.gate.forget(self)
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()


class BrokerGate:
    """Listens on ``host:port`` and relays to ``target_port``; runs its own event loop thread."""

    def __init__(self, host: str, port: int, target_port: int) -> None:
        self.host, self.port, self.target_port = host, port, target_port
        self.fenced = False
        self._clients: set[_Side] = set()
        self._held: set[_Side] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="broker-gate", daemon=True)

    def start(self) -> "BrokerGate":
        """Listen, or raise ``OSError`` (the port is taken)."""
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None or not self._ready.is_set():
            raise self._error or OSError(f"broker gate did not start on {self.host}:{self.port}")
        return self

    def stop(self) -> None:
        """Close every connection and the listener; safe to call twice."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def fence(self) -> None:
        """Hold produce requests from now on (thread-safe)."""
        self._call(lambda: setattr(self, "fenced", True))

    def lift(self) -> None:
        """Forward the held produce requests and stop holding (thread-safe)."""
        def lift() -> None:
            self.fenced = False
            held, self._held = self._held, set()
            for side in held:
                side.release()
        self._call(lift)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every produce request forwarded so far is answered; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self._call(lambda: any(side.pending for side in self._clients)):
                return True
            time.sleep(0.01)
        return False

    def hold(self, side: _Side) -> None:
        self._held.add(side)

    def forget(self, side: _Side) -> None:
        self._clients.discard(side)
        self._held.discard(side)

    def _call(self, fn: Any) -> Any:
        """Run ``fn`` on the gate's loop and return its result."""
        async def call() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def _client_side(self) -> _Side:
        client = _Side(self, requests=True)
        self._clients.add(client)
        self._loop.create_task(self._connect(client))
        return client

    async def _connect(self, client: _Side) -> None:
        broker = _Side(self, requests=False)
        try:
            await self._loop.create_connection(lambda: broker, self.host, self.target_port)
        except OSError:
            if client.transport is not None:
                client.transport.close()
            return
        client.peer, broker.peer = broker, client
        client.pump()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            server = self._loop.run_until_complete(
                self._loop.create_server(self._client_side, self.host, self.port, reuse_address=True))
        except OSError as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for side in list(self._clients):
                if side.transport is not None:
                    side.transport.close()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()
