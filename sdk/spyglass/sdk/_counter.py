"""A counter that application threads can bump without a lock."""

from __future__ import annotations

import itertools


class Counter:
    """Monotonic event counter; ``add`` is safe from any thread and takes no lock.

    ``next()`` on an ``itertools.count`` is a single C call, so concurrent increments are never
    lost (unlike ``n += 1``, which is a read-modify-write across bytecodes).
    """

    __slots__ = ("_count", "add")

    def __init__(self) -> None:
        self._count = itertools.count()
        self.add = self._count.__next__

    @property
    def value(self) -> int:
        # itertools.count exposes its position only through repr: "count(42)".
        return int(repr(self._count)[6:-1])
