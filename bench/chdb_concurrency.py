"""Does a long chDB query hold up other work in the process? The measurement behind api/gate.py.

While one heavy query runs (single-threaded, ``--seconds`` long), the main thread pings
ClickHouse in a loop: once on its own handle (another ``Store`` on the same data directory), once
on the heavy query's handle. Python work in the loop measures whether chDB holds the GIL.

    python bench/chdb_concurrency.py [--seconds 5]

Last line: {"own_handle_worst_s": ..., "shared_handle_worst_s": ..., "pings_own": ..., "heavy_s": ...}
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time

from spyglass.storage import Store

HEAVY = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1"


def during_heavy(heavy: Store, pinged: Store, seconds: float) -> tuple[float, int, float]:
    """(worst ping-and-Python-work seconds, pings, heavy query seconds) while ``heavy`` runs its query."""
    took: list[float] = []

    def run() -> None:
        started = time.monotonic()
        try:
            heavy.rows(HEAVY, settings={"max_threads": 1, "max_execution_time": seconds,
                                        "timeout_overflow_mode": "break"})
        finally:
            took.append(time.monotonic() - started)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.2)  # let the heavy query start
    worst, pings = 0.0, 0
    while thread.is_alive():
        started = time.monotonic()
        pinged.ping()
        sum(range(100_000))  # pure Python: stalls if the query held the GIL
        worst = max(worst, time.monotonic() - started)
        pings += 1
    thread.join()
    return worst, pings, took[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the heavy query")
    args = parser.parse_args()
    path = tempfile.mkdtemp(prefix="chdb-concurrency-")
    first, second = Store(f"chdb://{path}", "bench"), Store(f"chdb://{path}", "bench")
    own_worst, own_pings, heavy_s = during_heavy(first, second, args.seconds)
    print(f"own handle:    {own_pings} pings during a {heavy_s:.1f}s query, worst {own_worst:.3f}s")
    shared_worst, shared_pings, _ = during_heavy(first, first, args.seconds)
    print(f"shared handle: {shared_pings} pings during the same query, worst {shared_worst:.3f}s")
    print(json.dumps({"own_handle_worst_s": round(own_worst, 3), "shared_handle_worst_s": round(shared_worst, 3),
                      "pings_own": own_pings, "pings_shared": shared_pings, "heavy_s": round(heavy_s, 2)}))


if __name__ == "__main__":
    main()
