"""The one exception tree every Spyglass layer raises from.

Each class says what went wrong from the caller's side, so one table (``spyglass.api.errors``)
turns it into an HTTP status and a command line into an exit message. Layers add their own
subclasses (``StorageError``, ``BrokerError``) where a driver's error is translated at the
boundary with ``raise ... from exc``. A real bug stays a plain exception and answers 500.

``InvalidInput`` is also a ``ValueError`` and ``NotFound`` a ``LookupError``, so code written
against the built-ins keeps working; new code catches the tree's classes.
"""

from __future__ import annotations

from typing import Any


class SpyglassError(Exception):
    """Base of every error Spyglass raises on purpose.

    ``detail`` holds extra fields a client can act on (per-item errors, counts); they travel in
    the HTTP error body beside the message.
    """

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigError(SpyglassError):
    """A setting has a bad value; the message names the variable and the fix."""


class InvalidInput(SpyglassError, ValueError):
    """A value the caller gave is wrong (a parameter, a rule, a cursor); the message says which and why."""


class InvalidRecord(InvalidInput):
    """A request parsed, but what it carries breaks the schema (spans, scores, a rule body)."""


class TooLarge(InvalidInput):
    """A body, a result or a range is over a limit; the message names the limit."""


class UnsupportedFormat(InvalidInput):
    """A content type or encoding Spyglass does not read."""


class NotFound(SpyglassError, LookupError):
    """The named thing (trace, alert, rule, key, baseline, evaluator) does not exist."""


class Conflict(SpyglassError):
    """The request clashes with the current state (the rule exists, the alert is not firing)."""


class Forbidden(SpyglassError):
    """The caller may not do this (another project's data, a statement analysts may not run)."""


class TimedOut(SpyglassError):
    """An operation ran past its time limit and was stopped; a narrower request may finish."""


class Unavailable(SpyglassError):
    """A dependency (ClickHouse, the broker) is down or busy; retrying later may work.

    ``retry_after_s`` is the caller's hint for when to try again.
    """

    retry_after_s: float = 5.0

    def __init__(self, message: str, retry_after_s: float | None = None, **detail: Any) -> None:
        super().__init__(message, **detail)
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s


class Throttled(Unavailable):
    """This caller is over its own limit (requests in flight, rate); others are still served."""
