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


class Exporter(Protocol):
    """Delivers encoded span records; called only from the SDK's background thread."""

    def export(self, record: bytes) -> None:
        """Deliver one record (a wire-format v1 span batch) or raise ``ExportError``; may block."""

    def close(self) -> None:
        """Release connections; called once, at shutdown."""
