"""Proxies that pass a provider's stream through unchanged while watching its items."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, Optional

from spyglass.sdk._log import warn_once

OnItem = Callable[[Any], None]
OnEnd = Callable[[Optional[BaseException]], None]


def _watch(on_item: OnItem, item: Any) -> None:
    try:
        on_item(item)
    except Exception:
        warn_once("stream-item", "spyglass: could not read a streamed item", exc_info=True)


def _finish(on_end: OnEnd, error: Optional[BaseException]) -> None:
    try:
        on_end(error)
    except Exception:
        warn_once("stream-end", "spyglass: could not record a finished stream", exc_info=True)


class _Recorder:
    """What the sync and async stream proxies share: the stream, callbacks, and ending once."""

    def __init__(self, stream: Any, on_item: OnItem, on_end: OnEnd) -> None:
        self._stream = stream
        self._iterator: Any = None
        self._on_item = on_item
        self._on_end: Optional[OnEnd] = on_end

    def _end(self, error: Optional[BaseException]) -> None:
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            _finish(on_end, error)

    def __getattr__(self, name: str) -> Any:  # everything else is the stream's
        return getattr(self._stream, name)


class RecordingStream(_Recorder):
    """Iterates ``stream`` and yields its items unchanged; other attributes are the stream's.

    The call is recorded when the stream is exhausted, fails, or is closed (``close()`` or the
    ``with`` block's end); a stream dropped half-read is not recorded.
    """

    def __iter__(self) -> "RecordingStream":
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = iter(self._stream)
        try:
            item = next(self._iterator)
        except StopIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        _watch(self._on_item, item)
        return item

    def close(self) -> None:
        """Close the underlying stream and record what was received."""
        try:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
        finally:
            self._end(None)

    def __enter__(self) -> "RecordingStream":
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()


class AsyncRecordingStream(_Recorder):
    """The ``async for`` twin of ``RecordingStream``."""

    def __aiter__(self) -> "AsyncRecordingStream":
        return self

    async def __anext__(self) -> Any:
        if self._iterator is None:
            self._iterator = self._stream.__aiter__()
        try:
            item = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        _watch(self._on_item, item)
        return item

    async def close(self) -> None:
        """Close the underlying stream and record what was received."""
        try:
            close = getattr(self._stream, "close", None)
            if close is not None:
                result = close()
                if hasattr(result, "__await__"):
                    await result
        finally:
            self._end(None)

    async def __aenter__(self) -> "AsyncRecordingStream":
        return self

    async def __aexit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                        tb: Optional[TracebackType]) -> None:
        await self.close()
