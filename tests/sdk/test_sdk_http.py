"""The HTTP transport against a real local HTTP server speaking the ``POST /v1/spans`` contract."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

import spyglass.sdk as spyglass
from spyglass.sdk.wire import SCHEMA_VERSION


class SpanApi(ThreadingHTTPServer):
    """Answers 202 and keeps the spans, after answering ``statuses`` first (e.g. 503, 503)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[dict] = []
        self.statuses: list[int] = []
        self.paths: list[str] = []
        self.max_body = 1 << 30  # larger bodies are answered 413, as the API does


class _Handler(BaseHTTPRequestHandler):
    server: SpanApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.paths.append(self.path)
        status = self.server.statuses.pop(0) if self.server.statuses else 202
        if len(body) > self.server.max_body:
            status = 413
        if status == 202:
            document = json.loads(body)
            assert document["schema_version"] == SCHEMA_VERSION
            self.server.spans.extend(document["spans"])
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "0.05")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def api() -> Iterator[SpanApi]:
    server = SpanApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _url(api: SpanApi) -> str:
    return f"http://127.0.0.1:{api.server_address[1]}/"


def test_spans_are_posted_in_batches(api, monkeypatch):
    monkeypatch.delenv("SPYGLASS_KAFKA_BOOTSTRAP", raising=False)
    spyglass.init(project="p", api_url=_url(api), max_batch_size=100, flush_interval_s=0.02)
    for _ in range(250):
        spyglass.record_llm(model="m", completion="fine")
    assert spyglass.flush(10)
    assert len(api.spans) == 250 and api.paths == ["/v1/spans"] * 3
    assert api.spans[0]["project"] == "p"


def test_temporary_errors_are_retried_and_bad_requests_are_not(api, monkeypatch):
    monkeypatch.delenv("SPYGLASS_KAFKA_BOOTSTRAP", raising=False)
    api.statuses = [503, 503]
    spyglass.init(project="p", api_url=_url(api), flush_interval_s=0.02)
    with spyglass.span("retried"):
        pass
    assert spyglass.flush(10)
    assert [span["name"] for span in api.spans] == ["retried"]
    assert spyglass.stats()["retries"] == 2

    api.statuses = [400]
    with spyglass.span("refused"):
        pass
    assert spyglass.flush(10)
    counts = spyglass.stats()
    assert counts["failed"] == 1 and counts["sent"] == 1 and len(api.paths) == 4


def test_a_span_over_the_servers_size_limit_is_dropped_alone(api, monkeypatch):
    monkeypatch.delenv("SPYGLASS_KAFKA_BOOTSTRAP", raising=False)
    api.max_body = 20_000
    spyglass.init(project="p", api_url=_url(api), flush_interval_s=5)
    for i in range(12):
        spyglass.record_llm(model="m", completion="big" * 10_000 if i == 7 else f"fine {i}")
    assert spyglass.flush(10)
    counts = spyglass.stats()
    assert counts["failed"] == 1 and counts["sent"] == 11, counts
    assert sorted(span["completion"] for span in api.spans) == sorted(f"fine {i}" for i in range(12) if i != 7)
