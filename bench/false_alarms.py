"""False alarms: the demo's normal traffic (no incidents) through the whole embedded stack — ingest,
all evaluators, drift, and the alert engine with the default rules — for N minutes. Every alert
that fires is a false alarm.

    python bench/false_alarms.py [--minutes 10] [--rate 4]

Last line: {"minutes": ..., "requests": ..., "spans": ..., "evaluations": ..., "alerts_fired": ...}
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

import spyglass.sdk as spyglass
from spyglass.core.settings import load_settings
from spyglass.cli.stack import ServiceThread, Stack
from spyglass.demo.incidents import Schedule
from spyglass.demo.traffic import DemoTraffic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=4.0, help="demo requests per second")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    console = Console(stderr=True)
    data = tempfile.mkdtemp(prefix="spyglass-false-alarms-")
    settings = load_settings(clickhouse_dsn=f"chdb://{data}/ch", local_key_path=f"{data}/key",
                             alert_log_path=f"{data}/alerts.jsonl", api_port=0)
    with Stack(settings) as stack:
        spyglass.init(project="demo", service="support-bot", environment="demo", kafka_bootstrap=stack.bootstrap)
        traffic = DemoTraffic(rate=args.rate, duration_s=args.minutes * 60, schedule=Schedule(incidents=()))
        demo = ServiceThread("demo", traffic.run, traffic.stop).start()
        columns = (TextColumn("normal demo traffic"), BarColumn(), TextColumn("{task.fields[status]}"),
                   TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("soak", total=args.minutes * 60, status="")
            started = time.monotonic()
            while demo.alive():
                firing = sorted({s.rule_id for s in list(stack.alerts.states.values())})
                progress.update(task, completed=time.monotonic() - started,
                                status=f"{traffic.stats.requests} requests, alerts: {', '.join(firing) or 'none'}")
                time.sleep(1)
        spyglass.shutdown()
        time.sleep(2 * settings.alerts.interval_s)  # let the engine see the last minute
        events = stack.store.rows("SELECT rule_name, event, count() AS n FROM alert_events "
                                  "GROUP BY rule_name, event ORDER BY rule_name, event")
        spans = stack.ingest.stats.stored
        evaluations = stack.evaluator.stats.stored
    fired = sum(e["n"] for e in events if e["event"] in ("pending", "firing"))
    for event in events:
        console.print(f"[red]{event['rule_name']}: {event['event']} x{event['n']}[/]")
    console.print(f"{traffic.stats.requests} requests, {spans} spans, {evaluations} evaluations, "
                  f"{fired} alert transitions to pending or firing")
    print(json.dumps({"minutes": args.minutes, "requests": traffic.stats.requests, "spans": spans,
                      "evaluations": evaluations, "alerts_fired": fired}))


if __name__ == "__main__":
    main()
