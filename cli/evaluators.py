"""`spyglass evaluators agreement`: how often each evaluator agrees with reviewers' labels."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    agree = sub.add_parser("agreement", help="precision, recall and Cohen's kappa against reviewers' labels")
    agree.add_argument("--project", required=True)
    agree.add_argument("--evaluator", help="only this evaluator")
    agree.add_argument("--days", type=float, default=30.0, help="reviewed spans started in the last N days")
    agree.add_argument("--json", action="store_true", help="print JSON instead of a table")
    agree.add_argument("--api", help="the API to ask when a running stack holds the data (default its URL)")


def _rows(args: argparse.Namespace, settings: Settings, start: float, end: float) -> list[dict[str, Any]]:
    from spyglass.cli.local_api import StackRunning, local_api, open_store
    from spyglass.evaluators.agreement import Confusion, agreement
    from spyglass.storage.reviews import confusion_counts

    try:
        store = open_store(settings, "evaluators agreement")
    except StackRunning:  # the running stack's API answers instead
        params = {"project": args.project, "start": start, "end": end, **({"evaluator": args.evaluator}
                                                                         if args.evaluator else {})}
        return local_api(settings, args.api).call("GET", "/v1/evaluators/agreement", params=params)["evaluators"]
    rows = confusion_counts(store, args.project, start, end, args.evaluator)
    return [{"evaluator": r["evaluator"], "version": r["version"],
             **agreement(Confusion(int(r["tp"]), int(r["fp"]), int(r["fn"]), int(r["tn"])))} for r in rows]


def _fmt(value: Any, ci: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def run(args: argparse.Namespace, settings: Settings) -> int:
    end = time.time()
    rows = _rows(args, settings, end - args.days * 86_400, end)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'evaluator':<16}{'version':<10}{'n':>6}  {'precision [95% CI]':<26}{'recall [95% CI]':<26}kappa [95% CI]")
    for r in rows:
        print(f"{r['evaluator']:<16}{r['version']:<10}{r['n']:>6}  {_fmt(r['precision'], r['precision_ci']):<26}"
              f"{_fmt(r['recall'], r['recall_ci']):<26}{_fmt(r['kappa'], r['kappa_ci'])}")
    if not rows:
        print(f"no reviewed spans in project {args.project!r} in the last {args.days:g} days")
    return 0
