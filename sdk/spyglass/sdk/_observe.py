"""``@observe``: a span around every call of a function, coroutine or (async) generator."""

from __future__ import annotations

import functools
import inspect
from typing import Any, AsyncIterator, Callable, Iterator, Optional, TypeVar, overload

from spyglass.sdk._log import warn_once
from spyglass.sdk._span import Span, check_fields, checked_kind

F = TypeVar("F", bound=Callable[..., Any])


def _open(name: str, kind: str, fields: Optional[dict[str, Any]]) -> Span:
    try:
        return Span(name, kind, fields)
    except Exception:  # never let tracing stop the user's call
        warn_once("observe-open", "spyglass: failed to open a span for %s", name, exc_info=True)
        return Span(name, "other")


def _run_generator(gen: Iterator[Any], name: str, kind: str, fields: Optional[dict[str, Any]]) -> Any:
    """Drive ``gen`` under one span, current only while the generator body runs.

    The span must not stay current between items: the consumer's code runs there, and a span
    set inside a generator would leak into it.
    """
    span = _open(name, kind, fields)
    sent: Any = None
    thrown: Optional[BaseException] = None
    while True:
        token = span.activate()
        try:
            if thrown is not None:
                exc, thrown = thrown, None
                item = gen.throw(exc)
            else:
                item = gen.send(sent)
        except StopIteration as stop:
            span.end()
            return stop.value
        except BaseException as exc:
            span.end(exc)
            raise
        finally:
            span.deactivate(token)
        try:
            sent = yield item
        except GeneratorExit:  # the consumer stopped early: not an error
            gen.close()
            span.end()
            raise
        except BaseException as exc:  # gen.throw() from the consumer: pass it in
            thrown = exc


async def _run_async_generator(agen: AsyncIterator[Any], name: str, kind: str,
                               fields: Optional[dict[str, Any]]) -> Any:
    """The async-generator twin of ``_run_generator``."""
    span = _open(name, kind, fields)
    sent: Any = None
    thrown: Optional[BaseException] = None
    while True:
        token = span.activate()
        try:
            if thrown is not None:
                exc, thrown = thrown, None
                item = await agen.athrow(exc)  # type: ignore[attr-defined]
            else:
                item = await agen.asend(sent)  # type: ignore[attr-defined]
        except StopAsyncIteration:
            span.end()
            return
        except BaseException as exc:
            span.end(exc)
            raise
        finally:
            span.deactivate(token)
        try:
            sent = yield item
        except GeneratorExit:
            await agen.aclose()  # type: ignore[attr-defined]
            span.end()
            raise
        except BaseException as exc:
            thrown = exc


def _decorate(fn: F, name: Optional[str], kind: str, fields: Optional[dict[str, Any]]) -> F:
    span_name = name or getattr(fn, "__qualname__", None) or repr(fn)
    if inspect.isasyncgenfunction(fn):
        @functools.wraps(fn)
        def async_gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            return _run_async_generator(fn(*args, **kwargs), span_name, kind, fields)
        return async_gen_wrapper  # type: ignore[return-value]
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            return _run_generator(fn(*args, **kwargs), span_name, kind, fields)
        return gen_wrapper  # type: ignore[return-value]
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _open(span_name, kind, fields):
                return await fn(*args, **kwargs)
        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _open(span_name, kind, fields):
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


@overload
def observe(fn: F) -> F: ...
@overload
def observe(*, name: Optional[str] = None, kind: str = "chain", **fields: Any) -> Callable[[F], F]: ...


def observe(fn: Optional[F] = None, *, name: Optional[str] = None, kind: str = "chain",
            **fields: Any) -> Any:
    """Trace every call of the decorated function as a span: ``@observe`` or ``@observe(kind="tool")``.

    Works on functions, coroutines, generators and async generators (a generator's span
    lasts until it is exhausted or closed). The span nests under the caller's span and is the
    current span inside the call; an exception is recorded as ``"Type: message"`` and re-raised
    unchanged. ``name`` defaults to the function's qualified name; ``fields`` (tags, metadata,
    ...) go on every span. Costs a few microseconds per call, no I/O, no lock.
    """
    try:
        checked = checked_kind(kind)
        constant = check_fields(fields) if fields else None
    except Exception:
        checked, constant = "other", None

    def decorate(target: F) -> F:
        if not callable(target):
            warn_once("observe-target", "spyglass: @observe needs a callable, got %r; left as is", target)
            return target
        try:
            return _decorate(target, name if isinstance(name, str) else None, checked, constant)
        except Exception:
            warn_once("observe-wrap", "spyglass: could not instrument %r; left as is", target, exc_info=True)
            return target

    return decorate(fn) if fn is not None else decorate
