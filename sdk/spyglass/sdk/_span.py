"""The live span: opened, nested through contextvars, finished into a plain dict and queued."""

from __future__ import annotations

from contextvars import ContextVar, Token
from time import monotonic as _monotonic
from time import time as _now
from types import TracebackType
from typing import Any, Optional

from spyglass.sdk import _client
from spyglass.sdk._ids import new_span_id, new_trace_id
from spyglass.sdk._log import warn_once
from spyglass.sdk._scope import current_scope, merge_scope
from spyglass.sdk.wire import SPAN_KINDS

current_span_var: ContextVar[Optional["Span"]] = ContextVar("spyglass_span", default=None)

_KINDS = frozenset(SPAN_KINDS)
# Set by the SDK itself; a user value would break nesting or the project's routing.
_RESERVED = frozenset(("trace_id", "span_id", "parent_span_id", "start_time", "end_time", "project"))


def checked_kind(kind: Any) -> str:
    """``kind`` if it is a known span kind, else "other" with a warning."""
    try:
        if kind in _KINDS:
            return kind
    except TypeError:  # unhashable
        pass
    warn_once(f"kind:{kind!r}", "spyglass: span kind %r is not one of %s; using 'other'",
              kind, ", ".join(SPAN_KINDS))
    return "other"


def describe_error(exc: BaseException) -> str:
    """``"Type: message"`` for the span's error field; never raises, even for a broken __str__."""
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable message>"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` without the keys the SDK owns (each refused with a one-time warning)."""
    if _RESERVED.isdisjoint(fields):
        return fields
    for key in _RESERVED.intersection(fields):
        warn_once(f"reserved:{key}", "spyglass: span field %r is set by the SDK; ignoring it", key)
    return {key: value for key, value in fields.items() if key not in _RESERVED}


class Span:
    """One unit of work in a trace. Create it with ``span(...)`` or ``@observe``.

    ``set(...)`` adds fields while it runs; it is finished (and queued) when its block exits.
    A span belongs to the thread or task running it: ``set`` is not meant for other threads.
    """

    __slots__ = ("trace_id", "span_id", "parent_span_id", "name", "kind", "start_time", "sampled",
                 "fields", "_scope", "_token", "_ended", "_started")

    def __init__(self, name: str, kind: str, fields: Optional[dict[str, Any]] = None,
                 parent: Optional["Span"] = None) -> None:
        if parent is None:
            parent = current_span_var.get()
        if parent is None:
            self.trace_id = new_trace_id()
            self.parent_span_id = None
            client = _client.active
            self.sampled = client is not None and client.sample(self.trace_id)
        else:
            self.trace_id = parent.trace_id
            self.parent_span_id = parent.span_id
            self.sampled = parent.sampled
        self.span_id = new_span_id()
        self.name = name
        self.kind = kind
        self.fields = fields
        self._scope = current_scope.get()
        self._token: Optional[Token[Optional[Span]]] = None
        self._ended = False
        self.start_time = _now()
        # the duration comes from the monotonic clock: a wall-clock step (NTP) while the span
        # runs must not make it end before it started
        self._started = _monotonic()

    def set(self, **fields: Any) -> None:
        """Add or replace fields of this span: model, completion, prompt_tokens, metadata, ...

        Names are the wire-format fields; unknown names end up in the span's metadata.
        """
        if self._ended:
            return
        try:
            fields = check_fields(fields)
            # A new dict: the old one may be shared (``@observe(metadata=...)`` hands the same
            # dict to every call).
            self.fields = {**self.fields, **fields} if self.fields else fields
        except Exception:
            warn_once("span-set", "spyglass: Span.set failed", exc_info=True)

    def end(self, error: Optional[BaseException] = None, end_time: Optional[float] = None) -> None:
        """Finish the span (only the first call counts) and queue it; ``error`` marks it failed.

        ``end_time`` (epoch seconds) defaults to now: ``start_time`` plus the monotonic duration.
        """
        if self._ended:
            return
        self._ended = True
        client = _client.active
        if client is None:
            return
        if not self.sampled:
            client.sampled_out.add()
            return
        try:
            record = {"trace_id": self.trace_id, "span_id": self.span_id, "name": self.name,
                      "kind": self.kind, "start_time": self.start_time,
                      "end_time": self.start_time + (_monotonic() - self._started) if end_time is None
                      else end_time}
            if self.parent_span_id is not None:
                record["parent_span_id"] = self.parent_span_id
            if self.fields:
                record.update(self.fields)
            if error is not None:
                record["status"] = "error"
                record["error"] = describe_error(error)
            if self._scope is not None:
                merge_scope(record, self._scope)
            client.submit(record)
        except Exception:
            client.errors.add()
            warn_once("span-end", "spyglass: failed to record a span", exc_info=True)

    def activate(self) -> Optional[Token[Optional["Span"]]]:
        """Make this the current span of the running context; returns the token to undo it."""
        return current_span_var.set(self)

    @staticmethod
    def deactivate(token: Optional[Token[Optional["Span"]]]) -> None:
        """Restore the span that was current before ``activate``."""
        try:
            current_span_var.reset(token)  # type: ignore[arg-type]
        except (ValueError, TypeError):  # another context, or activate never ran
            warn_once("span-reset", "spyglass: a span was exited in a different context than it entered")

    def __enter__(self) -> "Span":
        self._token = current_span_var.set(self)
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        token, self._token = self._token, None
        if token is not None:
            self.deactivate(token)
        self.end(None if exc is None or exc_type is GeneratorExit else exc)


def span(name: str, *, kind: str = "chain", parent: Optional[Span] = None, **fields: Any) -> Span:
    """Open a span for a ``with`` block: ``with span("retrieve", kind="retrieval") as s: ...``.

    It nests under the current span (or under ``parent``, e.g. a span handed to another
    thread) and becomes the current span inside the block; an exception leaving the block is
    recorded on it and propagates unchanged. ``fields`` are wire-format fields (model,
    metadata, tags, ...). Never raises; costs microseconds and no I/O.
    """
    try:
        if type(name) is not str or not name:
            warn_once("span-name", "spyglass: span names must be non-empty strings, got %r", name)
            name = str(name) or "span"
        return Span(name, checked_kind(kind), check_fields(fields) if fields else None,
                    parent if isinstance(parent, Span) else None)
    except Exception:
        warn_once("span-open", "spyglass: failed to open a span", exc_info=True)
        return Span("span", "other")


_DETACHED = Span.__new__(Span)
_DETACHED.trace_id = _DETACHED.span_id = ""
_DETACHED.parent_span_id = None
_DETACHED.name, _DETACHED.kind, _DETACHED.fields = "detached", "other", None
_DETACHED.sampled, _DETACHED._ended, _DETACHED._scope, _DETACHED._token = False, True, None, None
_DETACHED.start_time = _DETACHED._started = 0.0


def current_span() -> Span:
    """The span running in this thread or task; outside any span, one whose ``set`` does nothing."""
    return current_span_var.get() or _DETACHED
