"""`spyglass alerts`: run the alert engine standalone (or `--check` the rule files and exit)."""

from __future__ import annotations

import argparse
import signal
import threading

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="validate the rule files, print the rules, exit")
    parser.add_argument("--rules", help="comma-separated YAML rule files (default SPYGLASS_ALERT_RULES or the "
                                        "packaged defaults)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.workers import alert_engine, new_store, rule_set

    if args.check:
        found = rule_set(settings.alerts, args.rules)
        for rule in found.rules:
            what = f"{rule.metric.text} {rule.comparison} {rule.threshold:g}" if rule.kind == "threshold" else \
                f"{rule.metric.text} robust z >= {rule.z_threshold:g} ({rule.direction})"
            print(f"{rule.id}: {what} over {rule.window_s / 60:g}m, min {rule.min_samples} samples, "
                  f"for {rule.for_s:g}s -> {', '.join(rule.channels)} [{rule.severity}]")
        print(f"{len(found.rules)} rules, channels: {', '.join(c.name for c in found.channels)}")
        return 0
    from spyglass.storage import migrate

    store = new_store(settings.storage)
    migrate(store, settings.storage.retention_days)
    engine = alert_engine(settings, store, settings.api.url, args.rules)
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
