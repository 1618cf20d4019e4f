"""`spyglass bias`: compare outcomes across segments of a project's recent traffic; write ``bias_reports``."""

from __future__ import annotations

import argparse
import json
import time

from spyglass.core.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True)
    parser.add_argument("--hours", type=float, default=24.0, help="the window: the last N hours")
    parser.add_argument("--metadata", action="append", default=[], help="a metadata key whose values are segments")
    parser.add_argument("--alpha", type=float, default=0.01, help="family-wise error rate (Holm)")
    parser.add_argument("--all", action="store_true", help="print every comparison, not only disparate ones")
    parser.add_argument("--api", help="the API to ask when a running stack holds the data")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from spyglass.cli.local_api import StackRunning, local_api, open_store

    end = time.time()
    start = end - args.hours * 3600
    try:
        store = open_store(settings, "bias")
    except StackRunning:  # the running stack answers (without writing reports)
        found = local_api(settings, args.api).call("GET", "/v1/bias", params={
            "project": args.project, "start": start, "end": end, "metadata": args.metadata, "alpha": args.alpha,
            "all": args.all})["comparisons"]
    else:
        from spyglass.api.bias import _public
        from spyglass.bias.monitor import run_bias

        run_id, comparisons = run_bias(store, args.project, start, end, args.metadata, args.alpha)
        found = [_public(c) for c in comparisons if args.all or c.disparate]
        print(f"run {run_id}: {len(comparisons)} comparisons written to bias_reports")
    for c in found:
        print(json.dumps(c))
    if not found:
        print("no disparity found" if not args.all else "nothing to compare (too few spans per segment)")
    return 1 if any(c["disparate"] for c in found) else 0
