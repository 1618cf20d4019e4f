"""`spyglass up`: the embedded stack (and demo traffic) in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from spyglass.cli.alert_feed import AlertFeed
from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="API port (default SPYGLASS_API_PORT or 8000; 0 = any free port)")
    parser.add_argument("--no-api", action="store_true", help="run without the HTTP API")
    parser.add_argument("--no-evaluators", action="store_true", help="run without the evaluators")
    parser.add_argument("--no-alerts", action="store_true", help="run without the alert engine")
    parser.add_argument("--no-demo", action="store_true", help="no demo traffic")
    parser.add_argument("--demo-rate", type=float, default=4.0, help="demo requests per second (default 4)")
    parser.add_argument("--no-incidents", action="store_true", help="demo traffic without scripted incidents")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.live import Live

    from spyglass.cli.stack import Stack
    from spyglass.cli.status import stack_table

    if args.port is not None:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update={"port": args.port})})
    console = Console()
    _log_through(console)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()  # a graceful stop; a second Ctrl-C interrupts at once
        signal.signal(signal.SIGINT, signal.default_int_handler)

    # explicit, so Ctrl-C stops gracefully even where a shell started us with SIGINT ignored
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with console.status("starting Spyglass: broker, ClickHouse, ingest, evaluators (loading models), API..."):
        stack = Stack(settings, api=not args.no_api, evaluators=not args.no_evaluators,
                      alerts=not args.no_alerts).__enter__()
    traffic = demo = None
    try:
        console.print(f"[bold green]Spyglass is up[/]  Kafka {stack.bootstrap}  ClickHouse {settings.storage.dsn}")
        if not args.no_api:
            console.print(f"[bold]console {stack.api_url}/[/]   API {stack.api_url}/v1   docs {stack.api_url}/docs")
            if settings.api.auth:
                console.print(f"log in to the console with the local operator API key (also in "
                              f"{settings.api.local_key_path}):\n  {stack.local_key}\n"
                              f"  curl -H 'Authorization: Bearer {stack.local_key}' '{stack.api_url}/v1/traces?project=demo'")
        if not args.no_demo:
            traffic, demo = _start_demo(stack.bootstrap, args)
            console.print("demo traffic: project 'demo' — incidents start after 30 s "
                          "(toxic, PII leak, unsupported answers, latency, errors, drift)")
        if not args.no_alerts:
            console.print(f"alerts print here and page the local log channel: {settings.alerts.log_path}")
        console.print("Ctrl-C stops everything.")
        feed = AlertFeed(None if args.no_alerts else settings.alerts.log_path)
        with Live(stack_table(stack, traffic), console=console, refresh_per_second=1) as live:
            while not stopping.wait(1.0):
                for line in feed.new_lines():
                    console.print(line, style="bold red" if line.startswith("[FIRING]") else "green", markup=False)
                live.update(stack_table(stack, traffic))
                failed = stack.failed()
                if failed:
                    console.print(f"[red]{failed.name} stopped: {failed.error}[/]")
                    return 1
    except KeyboardInterrupt:
        pass
    finally:
        with console.status("stopping..."):
            if demo is not None:  # the demo first: its last spans still reach ingest
                demo.stop()
                import spyglass.sdk as spyglass

                spyglass.shutdown()
            stack.__exit__(None, None, None)
    console.print("stopped cleanly")
    return 0


def _log_through(console) -> None:
    """Send log lines through rich so they print above the live table instead of tearing it."""
    import logging

    from rich.logging import RichHandler

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(RichHandler(console=console, show_path=False, rich_tracebacks=True))


def _start_demo(bootstrap: str, args: argparse.Namespace):
    """Start the demo app on its own thread, sending through the SDK to ``bootstrap``."""
    from spyglass.cli.demo import make_traffic, start_sdk
    from spyglass.cli.stack import ServiceThread

    start_sdk("demo", bootstrap, None)
    traffic = make_traffic(args.demo_rate, not args.no_incidents)
    return traffic, ServiceThread("demo", traffic.run, traffic.stop).start()
