"""Pure: a span tree as waterfall rows (depth, start offset and duration to the trace's scale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class Row:
    """One span's line in the waterfall; ``offset``/``width`` in per cent of the trace's duration."""

    span: dict[str, Any]
    depth: int
    offset: float
    width: float
    offset_ms: float


def _us(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


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
    start = min(_us(n["start_time"]) for n, _ in flat)
    end = max(max(_us(n["end_time"]), _us(n["start_time"])) for n, _ in flat)
    total = max(end - start, 1)
    rows = []
    for node, depth in flat:
        begin = _us(node["start_time"]) - start
        length = max(_us(node["end_time"]) - _us(node["start_time"]), 0)
        rows.append(Row(node, depth, round(100 * begin / total, 3), round(max(100 * length / total, 0.3), 3),
                        begin / 1000))
    return rows, total / 1000
