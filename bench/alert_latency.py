"""Alert latency: a toxic LLM response recorded with the SDK -> webhook page, in the embedded stack.

Road: SDK -> Kafka (Tansu) -> evaluator consumer group (toxicity) -> ClickHouse evaluations and
per-minute rollup -> alert engine tick -> webhook receiver. Each trial uses a fresh project, so
its alert fires anew. One warm-up trial (model load) is not counted.

    python bench/alert_latency.py [--trials 25] [--interval 0.25] [--eval-batch-ms 50]

Last line: {"p50_s": ..., "p95_s": ..., "trials": ...}
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rich.console import Console
from rich.progress import Progress

import spyglass.sdk as sdk
from spyglass.alerts.channels import Channel
from spyglass.alerts.engine import AlertEngine
from spyglass.alerts.rules import parse_rule
from spyglass.core.settings import load_settings
from spyglass.cli.stack import Stack
from spyglass.storage import Store

TOXIC = "You are a worthless idiot and everyone hates you, shut up you stupid moron."
PEER_INTERVAL_S = 60.0  # peers evaluate alert rules once a minute


class Pages:
    """A webhook receiver: records when each project's first firing page arrived."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.arrived = threading.Condition()
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(200)
                self.end_headers()
                with pages.arrived:
                    if body["status"] == "firing":
                        pages.first.setdefault(body["labels"]["project"], time.time())
                    pages.arrived.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, project: str, timeout_s: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: project in self.first, timeout_s)
            return self.first.get(project)


def trial(pages: Pages, bootstrap: str, topic: str, prefix: str, timeout_s: float) -> float | None:
    """One toxic response in a fresh project; seconds until its page, or None on timeout."""
    project = f"{prefix}-{uuid.uuid4().hex[:8]}"
    sdk.init(project=project, service="bench", kafka_bootstrap=bootstrap, kafka_topic=topic, flush_interval_s=0.02)
    started = time.time()
    sdk.record_llm(model="gpt-4o-mini", prompt="How do refunds work?", completion=TOXIC, start_time=started - 0.5,
                   end_time=started)
    arrived = pages.wait(project, timeout_s)
    return None if arrived is None else arrived - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--interval", type=float, default=0.25, help="alert_interval_s")
    parser.add_argument("--eval-batch-ms", type=int, default=50)
    parser.add_argument("--ingest-batch-ms", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one page")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.ERROR)
    console = Console(stderr=True)
    data = tempfile.mkdtemp(prefix="spyglass-alert-bench-")
    settings = load_settings(clickhouse_dsn=f"chdb://{data}/ch", local_key_path=f"{data}/local-key",
                             alert_log_path=f"{data}/alerts.jsonl",
                             api_port=0, evaluators=["toxicity"], eval_batch_ms=args.eval_batch_ms,
                             ingest_batch_ms=args.ingest_batch_ms, alert_interval_s=args.interval)
    pages = Pages()
    rule = parse_rule({"name": "Toxic responses", "metric": "evaluator:toxicity:flag_rate", "threshold": 0.5,
                       "window": "1m", "min_samples": 1, "group_by": ["project"], "channels": ["bench"]})
    latencies: list[float] = []
    missed = 0
    console.print("starting the embedded stack (broker, chDB, ingest, toxicity evaluator, API)...")
    with Stack(settings) as stack:
        engine = AlertEngine(Store(settings.storage.dsn, settings.storage.database),
                             [Channel("bench", "webhook", url=pages.url)], [rule],
                             interval_s=settings.alerts.interval_s, public_url=stack.api_url)
        thread = threading.Thread(target=engine.run, name="alerts", daemon=True)
        thread.start()
        try:
            with console.status("warm-up trial (model load)..."):
                trial(pages, stack.bootstrap, settings.broker.spans_topic, "warmup", 120)
            rng = random.Random(7)
            with Progress(console=console) as progress:
                task = progress.add_task("toxic span -> page", total=args.trials)
                for _ in range(args.trials):
                    # a random phase against the engine's ticks: trials must not all start right after one
                    time.sleep(rng.uniform(0, args.interval))
                    seconds = trial(pages, stack.bootstrap, settings.broker.spans_topic, "trial", args.timeout)
                    if seconds is None:
                        missed += 1
                    else:
                        latencies.append(seconds)
                    progress.advance(task)
        finally:
            sdk.shutdown()
            engine.stop()
            thread.join(30)
    if not latencies:
        raise SystemExit("no page arrived in any trial")
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    console.print(f"settings: alert_interval_s={args.interval} eval_batch_ms={args.eval_batch_ms} "
                  f"ingest_batch_ms={args.ingest_batch_ms} sdk flush_interval_s=0.02 evaluators=toxicity")
    console.print(f"toxic span -> webhook page: p50 {p50:.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s "
                  f"over {len(latencies)} trials ({missed} missed); goal p95 <= 5 s; peers evaluate rules every "
                  f"{PEER_INTERVAL_S:.0f} s, so their floor is ~{PEER_INTERVAL_S / 2:.0f} s on average")
    print(json.dumps({"p50_s": round(p50, 3), "p95_s": round(p95, 3), "trials": len(latencies), "missed": missed,
                      "max_s": round(latencies[-1], 3), "alert_interval_s": args.interval,
                      "eval_batch_ms": args.eval_batch_ms, "ingest_batch_ms": args.ingest_batch_ms}))


if __name__ == "__main__":
    main()
