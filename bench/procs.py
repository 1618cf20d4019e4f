"""Process-tree measurements the benchmarks share (psutil)."""

from __future__ import annotations

import psutil


def tree_cpu_s(pid: int | None = None, children: bool = True) -> float:
    """CPU seconds (user + system) used so far by a process (default: this one) and, with
    ``children``, its live descendants (decode workers, the broker)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *(root.children(recursive=True) if children else [])]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total
