"""The one place where Spyglass's errors become HTTP statuses and bodies a client can act on.

Routes and the layers below raise the tree of ``spyglass.core.errors``; the handlers installed
by ``install`` answer with the status of the first matching class below. Anything else is a bug
and answers 500 (FastAPI's default), never a 4xx that blames the caller.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from spyglass.core.errors import (Conflict, Forbidden, InvalidInput, InvalidRecord, NotFound, SpyglassError,
                                  Throttled, TimedOut, TooLarge, Unavailable, UnsupportedFormat)

# most specific first: InvalidRecord is an InvalidInput, Throttled an Unavailable
STATUS: tuple[tuple[type[SpyglassError], int], ...] = (
    (InvalidRecord, 422), (TooLarge, 413), (UnsupportedFormat, 415), (InvalidInput, 400),
    (Forbidden, 403), (NotFound, 404), (TimedOut, 408), (Conflict, 409),
    (Throttled, 429), (Unavailable, 503),
)


def status_of(exc: SpyglassError) -> int:
    """The HTTP status of ``exc``: its first class in ``STATUS``, else 500 (e.g. a ConfigError)."""
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


def detail_of(exc: SpyglassError) -> Any:
    """The body's ``detail``: the message, or {"message": ..., **extra fields} when the error has any."""
    return {"message": exc.message, **exc.detail} if exc.detail else exc.message


def headers_of(exc: SpyglassError) -> dict[str, str] | None:
    """Retry-After for errors a later retry may fix."""
    return {"Retry-After": f"{exc.retry_after_s:g}"} if isinstance(exc, Unavailable) else None


def http_error(exc: SpyglassError) -> HTTPException:
    """``exc`` as an HTTPException, for the few places FastAPI's handlers do not reach (body reads)."""
    return HTTPException(status_code=status_of(exc), detail=detail_of(exc), headers=headers_of(exc))


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SpyglassError)
    return JSONResponse({"detail": detail_of(exc)}, status_code=status_of(exc), headers=headers_of(exc))


def install(app: FastAPI) -> None:
    """Answer every ``SpyglassError`` a route raises with its status from ``STATUS``."""
    app.add_exception_handler(SpyglassError, _answer)
