"""What the background worker sends records through: the exporter protocol and its one error."""

from __future__ import annotations

from typing import Optional, Protocol, Sequence


class ExportError(Exception):
    """A record could not be delivered; ``retryable`` says whether trying again may help.

    ``retry_after_s`` carries a server's hint (HTTP ``Retry-After``) for the next attempt.
    ``too_large``: the record is over the server's size limit (smaller records may pass).
    ``rejected``: positions of the spans the server refused (the others may be sent again).
    """

    def __init__(self, message: str, *, retryable: bool, retry_after_s: Optional[float] = None,
                 too_large: bool = False, rejected: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.too_large = too_large
        self.rejected = tuple(rejected)


class Acknowledgement(Protocol):
    """A record handed to the network and not yet confirmed; see ``PipelinedExporter.send``."""

    def done(self) -> bool:
        """Whether the outcome is known (``wait`` would not block)."""

    def wait(self) -> None:
        """Block until the broker confirms the record, or raise ``ExportError``."""


class Exporter(Protocol):
    """Delivers encoded span records; called only from the SDK's background thread."""

    def export(self, record: bytes) -> None:
        """Deliver one record (a wire-format v1 span batch) or raise ``ExportError``; may block."""

    def close(self) -> None:
        """Release connections; called once, at shutdown."""


class PipelinedExporter(Exporter, Protocol):
    """An exporter that can have several records in flight (Kafka); the worker uses ``send`` when present."""

    def send(self, record: bytes) -> Acknowledgement:
        """Hand one record to the network without waiting for it; raise ``ExportError`` if it cannot."""
