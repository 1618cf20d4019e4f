"""Pure: a span tree as waterfall rows (depth, start offset and duration to the trace's scale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass
class Row:
    """One span's line in the waterfall; ``offset``/``width`` in per cent of the trace's duration."""

    span: dict[str, Any]
    depth: int
    offset: float
    width: float
    offset_ms: float

    @property
    def indent(self) -> int:
        """The indentation step drawn (deeper spans share the last one)."""
        return min(self.depth, 12)


_US = timedelta(microseconds=1)


def waterfall(tree: list[dict[str, Any]]) -> tuple[list[Row], float]:
    """Depth-first rows of the tree (children in start order) and the trace's duration in ms."""
    flat: list[tuple[dict[str, Any], int]] = []
    stack = [(node, 0) for node in reversed(tree)]
    while stack:  # iterative: a 2,000-span chain must not hit the recursion limit
        node, depth = stack.pop()
        flat.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(node["children"]))
    if not flat:
        return [], 0.0
    first: datetime = min(n["start_time"] for n, _ in flat)

    def us(value: datetime) -> int:  # offsets by subtraction: naive datetimes' timestamp() is slow
        return (value - first) // _US

    total = max(max(us(n["end_time"]) for n, _ in flat), 1)
    rows = []
    for node, depth in flat:
        begin = us(node["start_time"])
        length = max(us(node["end_time"]) - begin, 0)
        rows.append(Row(node, depth, round(100 * begin / total, 3), round(max(100 * length / total, 0.3), 3),
                        begin / 1000))
    return rows, total / 1000
