"""`spyglass demo`: run the instrumented sample app against a running Spyglass (Kafka or the API)."""

from __future__ import annotations

import argparse

from spyglass.core.settings import Settings
from spyglass.storage.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=4.0, help="requests per second (default 4)")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds to run (default: until Ctrl-C)")
    parser.add_argument("--no-incidents", action="store_true", help="normal traffic only")
    parser.add_argument("--api-url", help="send over HTTP to this Spyglass API instead of Kafka")
    parser.add_argument("--project", default="demo")


def start_sdk(project: str, kafka_bootstrap: str | None, api_url: str | None) -> None:
    import spyglass.sdk as spyglass

    spyglass.init(project=project, service="support-bot", environment="demo", release="2026.11",
                  kafka_bootstrap=kafka_bootstrap, api_url=api_url)


def make_traffic(rate: float, incidents: bool, duration_s: float = 0.0):
    """The demo's traffic generator: with the scripted incident schedule, or normal traffic only."""
    from spyglass.demo.incidents import Schedule
    from spyglass.demo.traffic import DemoTraffic

    return DemoTraffic(rate=rate, duration_s=duration_s, schedule=Schedule() if incidents else Schedule(incidents=()))


def run(args: argparse.Namespace, settings: Settings) -> int:
    import threading
    import time

    from rich.live import Live

    import spyglass.sdk as spyglass
    from spyglass.cli.status import demo_table

    if not (args.api_url or settings.broker.kafka_bootstrap):
        raise ConfigError("set SPYGLASS_KAFKA_BOOTSTRAP or --api-url so the demo knows where Spyglass is "
                          "(or run `spyglass up`, which starts the demo itself)")
    start_sdk(args.project, None if args.api_url else settings.broker.kafka_bootstrap, args.api_url)
    traffic = make_traffic(args.rate, not args.no_incidents, args.duration)
    thread = threading.Thread(target=traffic.run, daemon=True)
    thread.start()
    try:
        with Live(demo_table(traffic, spyglass.stats()), refresh_per_second=2) as live:
            while thread.is_alive():
                live.update(demo_table(traffic, spyglass.stats()))
                time.sleep(0.5)
    except KeyboardInterrupt:
        traffic.stop()
        thread.join(10)
    spyglass.shutdown()
    return 0
