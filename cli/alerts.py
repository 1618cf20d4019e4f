"""`spyglass alerts`: run the alert engine standalone (or `--check` the rule files and exit)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING

from spyglass.cli.settings import Settings

if TYPE_CHECKING:
    from spyglass.alerts.engine import AlertEngine
    from spyglass.alerts.files import RuleSet
    from spyglass.storage import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="validate the rule files, print the rules, exit")
    parser.add_argument("--rules", help="comma-separated YAML rule files (default SPYGLASS_ALERT_RULES or the "
                                        "packaged defaults)")


def rule_files(settings: Settings, override: str | None = None) -> list[str]:
    """The configured rule files, or the packaged defaults when none are set."""
    from spyglass.alerts.files import default_rule_files

    text = override or settings.alert_rules
    if text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return [str(path) for path in default_rule_files()]


def load_rule_set(settings: Settings, override: str | None = None) -> "RuleSet":
    """Rules and channels from the files, plus the local log channel unless a file defines ``log``."""
    from spyglass.alerts.channels import Channel
    from spyglass.alerts.files import load_rule_files

    found = load_rule_files(rule_files(settings, override))
    if not any(c.name == "log" for c in found.channels):
        found.channels.append(Channel("log", "log", path=settings.alert_log_path or ""))
    return found


def build_engine(settings: Settings, store: "Store", public_url: str) -> "AlertEngine":
    """The alert engine the stack runs: ``engine.run()`` blocks until ``engine.stop()``."""
    from spyglass.alerts.engine import AlertEngine

    found = load_rule_set(settings)
    return AlertEngine(store, found.channels, found.rules, interval_s=settings.alert_interval_s,
                       renotify_s=settings.alert_renotify_s, public_url=public_url,
                       repost_s=settings.alertmanager_repost_s)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.check:
        found = load_rule_set(settings, args.rules)
        for rule in found.rules:
            what = f"{rule.metric.text} {rule.comparison} {rule.threshold:g}" if rule.kind == "threshold" else \
                f"{rule.metric.text} robust z >= {rule.z_threshold:g} ({rule.direction})"
            print(f"{rule.id}: {what} over {rule.window_s / 60:g}m, min {rule.min_samples} samples, "
                  f"for {rule.for_s:g}s -> {', '.join(rule.channels)} [{rule.severity}]")
        print(f"{len(found.rules)} rules, channels: {', '.join(c.name for c in found.channels)}")
        return 0
    from spyglass.alerts.engine import AlertEngine
    from spyglass.storage import Store, migrate

    store = Store(settings.clickhouse_dsn, settings.clickhouse_database)
    migrate(store, settings.retention_days)
    found = load_rule_set(settings, args.rules)
    engine = AlertEngine(store, found.channels, found.rules, interval_s=settings.alert_interval_s,
                         renotify_s=settings.alert_renotify_s, public_url=settings.api_url,
                         repost_s=settings.alertmanager_repost_s)
    signal.signal(signal.SIGTERM, lambda *_: engine.stop())
    thread = threading.Thread(target=engine.run, name="alerts", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        engine.stop()
        thread.join(30)
    finally:
        store.close()
    return 0
