"""What the API's handlers need, built once by whoever starts the API and passed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from spyglass.api.auth import KeyVerifier
    from spyglass.storage import Store


class Publisher(Protocol):
    def publish(self, spans: list) -> int: ...
    def connected(self) -> bool: ...


@dataclass
class ApiDeps:
    """The API's collaborators: storage for reads, a publisher for ingest, limits, key verification."""

    store: Store
    publisher: Publisher
    max_request_bytes: int = 16 * 1024 * 1024
    public_url: str = "http://127.0.0.1:8000"
    auth: KeyVerifier | None = None  # None: no API keys (tests of the routes alone)
    sql_workers: int = 2  # analysts' queries running at once, each on its own ClickHouse handle
    sql_per_key: int = 2  # queries one API key may have running or queued
    sql_queue: int = 8  # queries waiting for a worker, all keys together
    score_publisher: Any = None  # broker.score_publish.ScorePublisher: POST /v1/scores (None: 503)
