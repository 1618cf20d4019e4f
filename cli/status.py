"""Live status tables for the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def demo_table(traffic: Any, sdk_stats: dict[str, int]) -> Table:
    """The demo's progress: requests, the running phase, and what the SDK sent or dropped."""
    table = Table(title="spyglass demo", show_header=False)
    table.add_row("phase", f"[bold]{traffic.stats.phase}[/]")
    table.add_row("requests", str(traffic.stats.requests))
    table.add_row("spans sent / dropped", f"{sdk_stats.get('sent', 0)} / {sdk_stats.get('dropped', 0)}")
    return table


def stack_table(stack: Any, traffic: Any | None) -> Table:
    """The embedded stack at a glance: what ingest and the evaluators stored, the demo's phase."""
    table = Table(title=f"Spyglass  ·  API {getattr(stack, 'api_url', '-')}", show_header=False)
    table.add_row("spans stored", f"{stack.ingest.stats.stored:,}")
    table.add_row("dead letters", f"{stack.ingest.stats.dead_letters:,}")
    if getattr(stack, "evaluator", None) is not None:
        table.add_row("evaluations stored", f"{stack.evaluator.stats.stored:,}")
    if getattr(stack, "alerts", None) is not None:
        firing = [s.rule_id for s in list(stack.alerts.states.values()) if s.status == "firing"]
        table.add_row("alerts firing", ", ".join(sorted(set(firing))) or "none")
    if traffic is not None:
        table.add_row("demo requests", f"{traffic.stats.requests:,}  (phase: [bold]{traffic.stats.phase}[/])")
    return table
