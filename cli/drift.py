"""`spyglass drift`: one drift run now; a table of features per group, optionally an HTML report."""

from __future__ import annotations

import argparse

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="FILE", help="also write a self-contained HTML report here")
    parser.add_argument("--project", help="only this project")
    parser.add_argument("--current-minutes", type=float, help="current window length (default SPYGLASS_DRIFT_CURRENT_MINUTES)")
    parser.add_argument("--reference-minutes", type=float,
                        help="trailing reference window length (default SPYGLASS_DRIFT_REFERENCE_MINUTES)")
    parser.add_argument("--no-embeddings", action="store_true", help="skip embedding features (no model load)")
    parser.add_argument("--dry-run", action="store_true", help="do not write drift_reports rows")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import sys
    import time
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from spyglass.cli.local_api import StackRunning, open_store
    from spyglass.cli.workers import model_encoder
    from spyglass.drift.monitor import DriftMonitor
    from spyglass.drift.report import render_html
    from spyglass.storage import migrate
    from spyglass.telemetry.recorders import drift_run

    windows = {"current_minutes": args.current_minutes, "reference_minutes": args.reference_minutes}
    options = settings.drift.model_copy(update={k: v for k, v in windows.items() if v})
    encoder = None if args.no_embeddings else model_encoder(settings.evaluators)
    try:
        store = open_store(settings, "drift")
    except StackRunning as exc:
        raise StackRunning(f"{exc}. The running stack runs the drift monitor itself every "
                           f"{settings.drift.interval_s:g} s (SPYGLASS_DRIFT_INTERVAL_S); read its reports with "
                           f"GET /v1/drift, or stop the stack to run `spyglass drift` now") from None
    migrate(store, settings.storage.retention_days)
    started = time.perf_counter()
    run_id, reports = DriftMonitor(store, options, encoder, args.project).run_once(write=not args.dry_run)
    drift_run(True, time.perf_counter() - started, sum(len(r.drifted) for r in reports))
    console = Console() if sys.stdout.isatty() else Console(width=140)
    for report in reports:
        table = Table(title=f"{report.project} / {report.service} / {report.model}")
        for column in ("feature", "method", "statistic", "p-value", "effect", "min effect", "ref n", "cur n", "drifted"):
            table.add_column(column, justify="left" if column in ("feature", "method") else "right")
        for f in report.features:
            table.add_row(f.feature, f.method, f"{f.statistic:.4g}", f"{f.p_value:.2g}", f"{f.effect_size:.3g}",
                          f"{f.details.get('min_effect', 0):.3g}", str(f.reference_n), str(f.current_n),
                          "[bold red]yes[/]" if f.drifted else "no")
        console.print(table)
    drifted = sum(len(r.drifted) for r in reports)
    console.print(f"run {run_id}: {len(reports)} groups, {drifted} drifted features"
                  + ("" if args.dry_run else " (written to drift_reports)"))
    if args.report:
        Path(args.report).write_text(render_html(run_id, reports))
        console.print(f"report written to {args.report}")
    return 0
