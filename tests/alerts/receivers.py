"""Local HTTP receivers standing in for Slack, PagerDuty, Alertmanager and webhook endpoints.

Each runs ``http.server`` on 127.0.0.1 in a thread, records every request, and answers with
the next status from ``responses`` (then 200/202), the way the real service would.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A recording HTTP endpoint; ``url`` is its base address."""

    ok_status: int = 200
    responses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.responses.pop(0) if receiver.responses else receiver.ok_status
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                reply = b'{"status":"success","message":"Event processed"}' if status < 300 else b'{"error":"busy"}'
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def bodies(self) -> list[Any]:
        with self.lock:
            return [r.json for r in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
