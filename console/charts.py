"""Pure: a metric series as an inline SVG line chart's geometry (drawn by the template, no JS)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

WIDTH, HEIGHT, PAD = 320, 90, 4


@dataclass
class Chart:
    """Polylines (broken where a bucket has no value), the scale's top, the latest value, time labels."""

    title: str
    lines: list[str] = field(default_factory=list)
    dots: list[tuple[float, float]] = field(default_factory=list)
    top: float = 0.0
    latest: float | None = None
    points: int = 0
    start: datetime | None = None
    end: datetime | None = None
    unit: str = ""
    total: float | None = None  # counts (requests, tokens, cost): the sum over the range
    width: int = WIDTH
    height: int = HEIGHT


def _finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)


def line_chart(title: str, points: Sequence[tuple[datetime, float | None]], unit: str = "",
               summed: bool = False) -> Chart:
    """Scale ``points`` (time, value or None) into the chart box; y starts at 0. ``summed``: a count,
    headlined by its total over the range (else by its latest value)."""
    chart = Chart(title, unit=unit)
    if not points:
        return chart
    chart.start, chart.end = points[0][0], points[-1][0]
    values = [v for _, v in points if _finite(v)]
    chart.points = len(values)
    if not values:
        return chart
    chart.top = max(max(values), 0.0) or 1.0
    chart.latest = next((v for _, v in reversed(points) if _finite(v)), None)
    chart.total = sum(values) if summed else None
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    current: list[str] = []
    for i, (_, value) in enumerate(points):
        if not _finite(value):
            if current:
                chart.lines.append(" ".join(current))
            current = []
            continue
        x = PAD + i * step
        y = HEIGHT - PAD - (value / chart.top) * (HEIGHT - 2 * PAD)
        current.append(f"{x:.1f},{y:.1f}")
        if len(points) == 1 or value == chart.latest and i == len(points) - 1:
            chart.dots.append((round(x, 1), round(y, 1)))
    if current:
        chart.lines.append(" ".join(current))
    # a single point draws no line: mark it so the chart is never blank when it has data
    for line in chart.lines:
        if " " not in line:
            x, y = line.split(",")
            chart.dots.append((float(x), float(y)))
    return chart


@dataclass
class Bars:
    """Reference vs current distribution of a drift feature as paired bars (heights in px)."""

    labels: list[str]
    reference: list[float]
    current: list[float]
    heights: list[tuple[float, float]]
    bar_width: float
    height: int = HEIGHT


def distribution(details: dict) -> Bars | None:
    """Bars for a drift report's ``details`` (a histogram or categories), or None when not drawable."""
    if "histogram" in details:
        hist = details["histogram"]
        edges = hist.get("edges") or []
        labels = [f"{edges[i]:.4g}–{edges[i + 1]:.4g}" for i in range(len(edges) - 1)]
        ref, cur = list(hist.get("reference") or []), list(hist.get("current") or [])
    elif "categories" in details:
        labels = [str(c) for c in details["categories"]]
        ref, cur = list(details.get("reference") or []), list(details.get("current") or [])
    else:
        return None
    if not labels or len(ref) != len(labels) or len(cur) != len(labels):
        return None
    top = max([*ref, *cur, 0.0]) or 1.0
    usable = HEIGHT - 2 * PAD
    heights = [(r / top * usable, c / top * usable) for r, c in zip(ref, cur)]
    return Bars(labels, ref, cur, heights, (WIDTH - 2 * PAD) / len(labels))
