"""Which alert rules each scripted demo incident pages, through the whole embedded stack.

    python bench/demo_incidents.py [--incidents toxic,pii,unsupported] [--rate 4]

Runs the demo with the given incidents (30 s each after 30 s of warm-up, 45 s of normal traffic
between them, as `spyglass demo` does) and attributes every alert transition to pending or firing
to the incident whose slot (incident plus the gap after it) it happened in. Each incident should
page the rule meant for it and no other.

Last line: {"incidents": {"toxic": ["Toxic responses"], ...}, "warmup": [...], "requests": ...}
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time

import spyglass.sdk as spyglass
from spyglass.core.settings import load_settings
from spyglass.cli.stack import ServiceThread, Stack
from spyglass.demo.incidents import Schedule
from spyglass.demo.traffic import DemoTraffic


def slot_of(elapsed_s: float, schedule: Schedule) -> str:
    """The incident whose slot (the incident and the normal traffic after it) holds ``elapsed_s``."""
    if elapsed_s < schedule.warmup_s:
        return "warmup"
    index = int((elapsed_s - schedule.warmup_s) // (schedule.incident_s + schedule.gap_s))
    return schedule.incidents[index] if index < len(schedule.incidents) else "after"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", default="toxic,pii,unsupported")
    parser.add_argument("--rate", type=float, default=4.0, help="demo requests per second")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    schedule = Schedule(incidents=tuple(args.incidents.split(",")))
    duration = schedule.warmup_s + len(schedule.incidents) * (schedule.incident_s + schedule.gap_s)
    data = tempfile.mkdtemp(prefix="spyglass-incidents-")
    settings = load_settings(clickhouse_dsn=f"chdb://{data}/ch", local_key_path=f"{data}/key",
                             alert_log_path=f"{data}/alerts.jsonl", api_port=0)
    with Stack(settings) as stack:
        spyglass.init(project="demo", service="support-bot", environment="demo", kafka_bootstrap=stack.bootstrap)
        traffic = DemoTraffic(rate=args.rate, duration_s=duration, schedule=schedule)
        started = time.time()
        demo = ServiceThread("demo", traffic.run, traffic.stop).start()
        while demo.alive():
            time.sleep(1)
        spyglass.shutdown()
        time.sleep(2 * settings.alerts.interval_s)  # let the engine see the last minute
        events = stack.store.rows("SELECT rule_name, event, toUnixTimestamp64Milli(at) AS ms FROM alert_events "
                                  "WHERE event IN ('pending', 'firing') ORDER BY at")
    paged: dict[str, set[str]] = {}
    for event in events:
        paged.setdefault(slot_of(event["ms"] / 1000 - started, schedule), set()).add(event["rule_name"])
    result = {"incidents": {name: sorted(paged.get(name, set())) for name in schedule.incidents},
              "warmup": sorted(paged.get("warmup", set())), "after": sorted(paged.get("after", set())),
              "requests": traffic.stats.requests}
    for name, rules in result["incidents"].items():
        print(f"{name:<12} paged: {', '.join(rules) or 'nothing'}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
