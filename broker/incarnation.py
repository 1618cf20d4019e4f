"""Which incarnation of a topic this process reads: bumped when the embedded broker's retention
recreates the topic, so the consumers in this process start over at its first offset.

Process-wide, like the embedded broker it describes (keyed by bootstrap address and topic).
A recreated topic numbers its records from 0 again and Tansu answers a fetch beyond the end
with nothing (no "offset out of range"), so a consumer that kept its old position would skip
the new records silently.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_numbers: dict[tuple[str, str], int] = {}


def incarnation(bootstrap: str, topic: str) -> int:
    """The current incarnation number of ``topic`` on ``bootstrap`` (0 until first recreated)."""
    return _numbers.get((bootstrap, topic), 0)


def recreated(bootstrap: str, topic: str) -> int:
    """Record that ``topic`` was recreated; return its new incarnation number."""
    with _lock:
        number = _numbers.get((bootstrap, topic), 0) + 1
        _numbers[(bootstrap, topic)] = number
        return number
