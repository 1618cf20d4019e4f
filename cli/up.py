"""`spyglass up`: the embedded stack in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from spyglass.cli.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="API port (default SPYGLASS_API_PORT or 8000; 0 = any free port)")
    parser.add_argument("--no-api", action="store_true", help="run without the HTTP API")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from spyglass.cli.stack import Stack

    if args.port is not None:
        settings = settings.model_copy(update={"api_port": args.port})
    console = Console()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with console.status("starting Spyglass (broker, ClickHouse, ingest, API)..."):
        stack = Stack(settings, api=not args.no_api).__enter__()
    try:
        console.print(f"[bold green]Spyglass is up[/]  Kafka {stack.bootstrap}  ClickHouse {settings.clickhouse_dsn}")
        if not args.no_api:
            console.print(f"API {stack.api_url}   docs {stack.api_url}/docs   traces {stack.api_url}/v1/traces")
        console.print("Ctrl-C stops everything.")
        while not stopping.wait(1.0):
            failed = stack.failed()
            if failed:
                console.print(f"[red]{failed.name} stopped: {failed.error}[/]")
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        with console.status("stopping..."):
            stack.__exit__(None, None, None)
    console.print("stopped cleanly")
    return 0
