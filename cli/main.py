"""The `spyglass` command. Each subcommand lives in its own module, imported only when it runs
(so `spyglass migrate` never loads torch)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from spyglass.storage.errors import SpyglassError

# name -> (module with `add_arguments(parser)` and `run(args, settings) -> int`, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "up": ("spyglass.cli.up", "run the embedded stack: broker, ClickHouse, ingest, evaluators, alerts, API, demo"),
    "migrate": ("spyglass.cli.migrate", "apply ClickHouse schema migrations"),
    "ingest": ("spyglass.cli.ingest", "consume spans from Kafka into ClickHouse"),
    "evaluate": ("spyglass.cli.evaluate", "score spans from Kafka with the evaluators, into ClickHouse"),
    "api": ("spyglass.cli.api", "serve the HTTP API"),
    "sql": ("spyglass.cli.sql", "run a SQL query against the Spyglass database and print JSON rows"),
    "score": ("spyglass.cli.score", "score spans offline: wire-format JSON lines on stdin, scores on stdout"),
    "demo": ("spyglass.cli.demo", "run the instrumented sample app: realistic traffic and scripted incidents"),
    "keys": ("spyglass.cli.keys", "create, list and revoke API keys"),
    "schema": ("spyglass.cli.schema", "print the span wire format as JSON Schema"),
    "drift": ("spyglass.cli.drift", "run the drift monitor once: reference vs current window per project/service/model"),
    "alerts": ("spyglass.cli.alerts", "evaluate alert rules and page the configured channels (--check: validate)"),
    "query": ("spyglass.cli.query", "run a read-only SQL query on one project's rows (table, JSON or CSV)"),
    "evaluators": ("spyglass.cli.evaluators", "evaluator agreement with reviewers' labels (precision, recall, kappa)"),
    "bias": ("spyglass.cli.bias", "compare refusals, evaluator flags and feedback across identity groups and segments"),
    "dashboards": ("spyglass.cli.dashboards", "provision the Grafana data source and dashboards (push)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spyglass", description="Observability and evaluation for LLM apps.")
    parser.add_argument("--config", help="TOML settings file (also SPYGLASS_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module)
        # each module declares its own arguments; importing it is cheap by rule
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `spyglass` console script; returns the exit code."""
    from spyglass.core.settings import load_settings

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
        from spyglass.cli.metrics import role_metrics

        with role_metrics(args, settings):  # Prometheus /metrics on the role's port, where one is set
            return int(importlib.import_module(args._module).run(args, settings) or 0)
    except SpyglassError as exc:
        print(f"spyglass {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
