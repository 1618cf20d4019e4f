"""The SDK's logger and its warn-once helper: problems are reported, never raised into the app."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("spyglass.sdk")

_warned: set[str] = set()


def warn_once(key: str, message: str, *args: Any, exc_info: bool = False) -> None:
    """Log ``message`` at WARNING the first time ``key`` is seen in this process.

    A hot path that fails thousands of times a second must not flood the application's logs.
    The check-then-add is not atomic; two threads may both warn once, which is harmless.
    """
    if key in _warned:
        return
    _warned.add(key)
    logger.warning(message, *args, exc_info=exc_info)


def reset_warnings() -> None:
    """Forget which warnings were given (tests use this to see a warning again)."""
    _warned.clear()
