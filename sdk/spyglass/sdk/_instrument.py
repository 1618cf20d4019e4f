"""Wrap a provider client's ``create`` method so each call is recorded as an LLM span.

Provider modules describe their request, response and stream shapes in an ``Adapter``; this
module does the wrapping, once for sync and async, streaming or not. The user's call, its
arguments, result and exceptions pass through untouched.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, Protocol

from spyglass.sdk._log import warn_once
from spyglass.sdk._span import Span
from spyglass.sdk._streams import AsyncRecordingStream, RecordingStream


class StreamState(Protocol):
    """Accumulates a streamed response."""

    def add(self, item: Any) -> None: ...

    def fields(self) -> dict[str, Any]: ...


class Adapter(Protocol):
    """What a provider module tells the wrapper about its API."""

    provider: str
    span_name: str

    def request_fields(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...

    def response_fields(self, result: Any) -> dict[str, Any]: ...

    def stream_state(self) -> StreamState: ...


def read(obj: Any, *path: Any) -> Any:
    """Follow attributes, dict keys or list indexes along ``path``; None where one is missing."""
    for step in path:
        if obj is None:
            return None
        try:
            if isinstance(step, int):
                obj = obj[step] if len(obj) > step else None
            elif isinstance(obj, dict):
                obj = obj.get(step)
            else:
                obj = getattr(obj, step, None)
        except Exception:
            return None
    return obj


def _begin(adapter: Adapter, kwargs: dict[str, Any]) -> Optional[Span]:
    try:
        span = Span(adapter.span_name, "llm")
        span.fields = {"provider": adapter.provider,
                       **{k: v for k, v in adapter.request_fields(kwargs).items() if v is not None}}
        return span
    except Exception:
        warn_once(f"begin:{adapter.provider}", "spyglass: could not record a %s call", adapter.provider,
                  exc_info=True)
        return None


def _end(span: Optional[Span], fields: Callable[[], dict[str, Any]], error: Optional[BaseException]) -> None:
    if span is None:
        return
    try:
        if error is None:
            span.set(**{k: v for k, v in fields().items() if v is not None})
    except Exception:
        warn_once("llm-response", "spyglass: could not read an LLM response", exc_info=True)
    span.end(error)


def _result(adapter: Adapter, span: Optional[Span], kwargs: dict[str, Any], result: Any, is_async: bool) -> Any:
    if span is None:
        return result
    if kwargs.get("stream") is True:
        try:
            state = adapter.stream_state()
            proxy = AsyncRecordingStream if is_async else RecordingStream
            return proxy(result, state.add, lambda error: _end(span, state.fields, error))
        except Exception:
            warn_once("llm-stream", "spyglass: could not watch a stream", exc_info=True)
            return result
    _end(span, lambda: adapter.response_fields(result), None)
    return result


def instrument(owner: Any, attribute: str, adapter: Adapter) -> None:
    """Replace ``owner.<attribute>`` with a recording twin; calling it twice changes nothing."""
    original = getattr(owner, attribute)
    if getattr(original, "__spyglass_wrapped__", False):
        return

    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def traced_async(*args: Any, **kwargs: Any) -> Any:
            span = _begin(adapter, kwargs)
            try:
                result = await original(*args, **kwargs)
            except BaseException as exc:
                _end(span, dict, exc)
                raise
            return _result(adapter, span, kwargs, result, True)
        traced: Any = traced_async
    else:
        @functools.wraps(original)
        def traced_sync(*args: Any, **kwargs: Any) -> Any:
            span = _begin(adapter, kwargs)
            try:
                result = original(*args, **kwargs)
            except BaseException as exc:
                _end(span, dict, exc)
                raise
            return _result(adapter, span, kwargs, result, False)
        traced = traced_sync
    traced.__spyglass_wrapped__ = True
    setattr(owner, attribute, traced)
