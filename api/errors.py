"""HTTP errors with a message a client can act on."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


def bad_request(message: str, status: int = 400, **extra: Any) -> HTTPException:
    """An HTTPException whose body is {"detail": message, ...extra}."""
    return HTTPException(status_code=status, detail={"message": message, **extra} if extra else message)
