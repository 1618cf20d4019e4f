"""Attributes set once for a block of work and inherited by every span started inside it."""

from __future__ import annotations

from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Optional

from spyglass.sdk._log import warn_once

# The innermost scope's merged attributes; a dict never mutated after it is published.
current_scope: ContextVar[Optional[dict[str, Any]]] = ContextVar("spyglass_scope", default=None)


def merge_scope(span: dict[str, Any], scope: dict[str, Any]) -> None:
    """Fill ``span`` with inherited attributes; the span's own values win."""
    for key, value in scope.items():
        own = span.get(key)
        if own is None:
            span[key] = value
        elif key == "tags":
            span[key] = value + [tag for tag in own if tag not in value]
        elif key == "metadata" and isinstance(own, dict):
            span[key] = {**value, **own}


class context:
    """Set ``conversation_id``, ``user_id``, ``tags`` and ``metadata`` for spans started inside.

    Use as ``with spyglass.sdk.context(conversation_id=cid, user_id=uid): ...``. Scopes nest:
    inner values win, tags add up, metadata merges. Follows threads and asyncio tasks the same
    way as spans do (contextvars). Never raises; bad values are logged and ignored.
    """

    def __init__(self, *, conversation_id: Optional[str] = None, user_id: Optional[str] = None,
                 tags: Optional[list[str]] = None, metadata: Optional[dict[str, Any]] = None) -> None:
        self._token: Optional[Token[Optional[dict[str, Any]]]] = None
        self._values: dict[str, Any] = {}
        for key, value, kind in (("conversation_id", conversation_id, str), ("user_id", user_id, str),
                                 ("tags", tags, list), ("metadata", metadata, dict)):
            if value is None:
                continue
            if isinstance(value, kind):
                self._values[key] = list(value) if kind is list else dict(value) if kind is dict else value
            else:
                warn_once(f"context-{key}", "spyglass: context(%s=...) expects %s, got %s; ignoring it",
                          key, kind.__name__, type(value).__name__)

    def __enter__(self) -> "context":
        try:
            outer = current_scope.get()
            merged = dict(self._values)
            if outer is not None:
                merge_scope(merged, outer)
            self._token = current_scope.set(merged)
        except Exception:
            warn_once("context-enter", "spyglass: context() failed to apply", exc_info=True)
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        token, self._token = self._token, None
        if token is not None:
            try:
                current_scope.reset(token)
            except ValueError:  # exited in another context than entered: leave that context alone
                warn_once("context-exit", "spyglass: context() exited in a different context than it entered")
