"""Load on the embedded stack: HTTP clients and an SDK app for ``--duration`` seconds, evaluators on.

Starts a real `spyglass up --no-demo` (broker, chDB, ingest, evaluators, alerts, API) in a fresh
directory; HTTP client threads post batches of 50 realistic spans to /v1/spans; a separate
process sends through the SDK (Kafka) as fast as it can. Every second it samples the
evaluators' lag (GET /v1/evaluators/lag), the process tree's memory and the trace list's time
(GET /v1/traces). Then it waits for ingest to store what was accepted and stops the stack with
SIGINT (the stop time is reported). ``--prefill N`` first inserts N generated spans straight into
chDB (project "acme"), so the trace list is timed over a store of that size.

    nice -n 10 python bench/load.py [--duration 180] [--clients 4] [--prefill 1000000]

Last line: JSON with accepted_spans_per_s, stored_ratio, eval_lag_p95_s, scored_share,
peak_rss_mb, sdk_spans_per_s, trace_list_p95_s, stop_s (and the counts behind them), and the
cores each process tree used during the load (the stack, the HTTP clients, the SDK app).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import tree_cpu_s  # noqa: E402
from traffic import generate_spans  # noqa: E402  (realistic spans: chains, retrieval, llm, tools)

PREFILL = """
import sys; sys.path.insert(0, {bench!r})
from rich.console import Console
from spyglass.storage import Store, migrate
from trace_reads import fill
store = Store("chdb://{data}", "spyglass"); migrate(store); fill(store, {n}, 6.0, Console(stderr=True)); store.close()
"""
SDK_APP = """
import json, sys, time
import spyglass.sdk as spyglass
spyglass.init(project="load-sdk", service="sdk-app", kafka_bootstrap=sys.argv[1])
end = time.time() + float(sys.argv[2]); calls = 0
while time.time() < end:
    with spyglass.span("answer", kind="chain"):
        spyglass.record_llm(model="gpt-4o-mini", prompt="where is my order " + str(calls),
                            completion="It ships tomorrow; the tracking number is in your e-mail.",
                            prompt_tokens=120, completion_tokens=20)
    calls += 1
spyglass.shutdown()
print(json.dumps({"calls": calls, **spyglass.stats()}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_mean_s(url: str, route: str) -> float | None:
    """Mean seconds the API spent on GET ``route``, from its /metrics request histogram."""
    from prometheus_client.parser import text_string_to_metric_families

    totals: dict[str, float] = {}
    text = httpx.get(f"{url}/metrics", timeout=60).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("route") == route and sample.labels.get("method") == "GET":
                totals[sample.name.rsplit("_", 1)[-1]] = sample.value
    return round(totals["sum"] / totals["count"], 3) if totals.get("count") else None


def tree_rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process and each kind of descendant (broker, decode processes), in MB."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    by_name: dict[str, float] = {}
    for proc in procs:
        try:
            name = "spyglass up" if proc.pid == pid else proc.name()
            by_name[name] = by_name.get(name, 0.0) + proc.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            pass
    return by_name


def p95(values: list[float]) -> float | None:
    ordered = sorted(v for v in values if v is not None)
    return round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 3) if ordered else None


class HttpLoad:
    """Client threads posting batches of 50 spans with fresh ids; counts what the API accepted."""

    def __init__(self, url: str, key: str, clients: int) -> None:
        self.url, self.headers, self.clients = url, {"Authorization": f"Bearer {key}"}, clients
        self.template = generate_spans(48, project="load-http", seed=22) + generate_spans(2, "load-http", seed=23)
        self.accepted = self.rejected = 0
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._batch = 0

    def _next(self) -> list[dict]:
        with self._lock:
            self._batch += 1
            n = self._batch
        now = time.time()
        shift = now - self.template[0]["start_time"]
        out = []
        for span in self.template:
            copy = {**span, "trace_id": f"{n:x}-{span['trace_id']}", "span_id": f"{n:x}-{span['span_id']}",
                    "start_time": span["start_time"] + shift, "end_time": span["end_time"] + shift}
            if span.get("parent_span_id"):
                copy["parent_span_id"] = f"{n:x}-{span['parent_span_id']}"
            out.append(copy)
        return out

    def _client(self) -> None:
        with httpx.Client(timeout=30, headers=self.headers) as http:
            while not self.stop.is_set():
                batch = self._next()
                try:
                    response = http.post(f"{self.url}/v1/spans", json={"spans": batch})
                except httpx.HTTPError:
                    continue
                with self._lock:
                    if response.status_code == 202 or response.status_code == 200:
                        self.accepted += len(batch)
                    else:
                        self.rejected += len(batch)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load (default 180)")
    parser.add_argument("--clients", type=int, default=4, help="HTTP client threads (default 4)")
    parser.add_argument("--prefill", type=int, default=0, help="spans inserted into chDB first (>= 1000000 for the "
                        "trace-list goal)")
    parser.add_argument("--no-sdk", action="store_true", help="HTTP load only")
    parser.add_argument("--eval-target-lag", type=float, help="SPYGLASS_EVAL_TARGET_LAG_S for the stack (0: score "
                        "every span, the behaviour before issue 22, for comparison)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="spyglass-bench-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}
    port = free_port()
    env.update(SPYGLASS_API_PORT=str(port), SPYGLASS_CLICKHOUSE_DSN=f"chdb://{folder}/clickhouse")
    if args.eval_target_lag is not None:
        env["SPYGLASS_EVAL_TARGET_LAG_S"] = str(args.eval_target_lag)
    if args.prefill:
        subprocess.run([sys.executable, "-c", PREFILL.format(bench=str(Path(__file__).parent), data=folder / "clickhouse",
                                                              n=args.prefill)], env=env, check=True)
    up = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "up", "--no-demo"], cwd=folder, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(up.stdout.readline, "")), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # models load slowly on a saturated machine
    while not any("Spyglass is up" in line for line in lines):
        if up.poll() is not None or time.monotonic() > deadline:
            os.killpg(up.pid, signal.SIGKILL)  # the stack and its broker (its own session)
            sys.exit("spyglass up did not start:\n" + "".join(lines[-40:]))
        time.sleep(0.5)
    bootstrap = re.search(r"Kafka (\S+)", next(line for line in lines if "Spyglass is up" in line)).group(1)
    key = (folder / "spyglass-data" / "local-key").read_text().strip()
    http = httpx.Client(timeout=60, headers={"Authorization": f"Bearer {key}"})
    print(f"stack up ({time.monotonic() - deadline + 900:.0f} s); load for {args.duration:.0f} s", file=sys.stderr)

    load = HttpLoad(url, key, args.clients)
    sdk = None if args.no_sdk else subprocess.Popen([sys.executable, "-c", SDK_APP, bootstrap, str(args.duration)],
                                                    env=env, stdout=subprocess.PIPE, text=True)
    began = time.monotonic()
    # who uses the 2 cores: the stack (with its broker and decode processes) and the load generators
    # (pid, with descendants): this process alone, since the stack and the SDK app are its children
    cpu_parts = {"stack": (up.pid, True), "http_clients": (os.getpid(), False),
                 **({"sdk_app": (sdk.pid, True)} if sdk else {})}
    cpu_before = {name: tree_cpu_s(*part) for name, part in cpu_parts.items()}
    threads = load.start()
    lags, rss, lists = [], [], []
    list_project = "acme" if args.prefill else "load-http"
    while time.monotonic() - began < args.duration:
        tick = time.monotonic()
        parts = tree_rss_mb(up.pid)
        rss.append(sum(parts.values()))
        try:
            lags.append(httpx.get(f"{url}/v1/evaluators/lag", headers=http.headers, timeout=30).json().get("lag_s"))
            started = time.perf_counter()
            httpx.get(f"{url}/v1/traces", params={"project": list_project}, headers=http.headers,
                      timeout=60).raise_for_status()
            lists.append(time.perf_counter() - started)
        except httpx.HTTPError as exc:
            print(f"sample failed: {exc}", file=sys.stderr)
        if len(rss) % 15 == 0:
            split = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(parts.items(), key=lambda kv: -kv[1]))
            print(f"{time.monotonic() - began:4.0f} s: {load.accepted} accepted, rss {rss[-1]:.0f} MB ({split}), "
                  f"evaluator lag {lags[-1] if lags else None}", file=sys.stderr)
        if up.poll() is not None:
            sys.exit("spyglass up exited during the load:\n" + "".join(lines[-60:]))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    cores_used = {name: round((tree_cpu_s(*part) - cpu_before[name]) / (time.monotonic() - began), 2)
                  for name, part in cpu_parts.items()}
    load.stop.set()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - began
    sdk_stats = json.loads(sdk.communicate(timeout=120)[0].strip().splitlines()[-1]) if sdk else {}

    def stored(project: str) -> int:
        body = {"query": f"SELECT uniqExact(trace_id, span_id) AS n FROM spans WHERE project = '{project}'"}
        for attempt in range(3):  # a fresh connection each time: a kept-alive one may have been closed
            try:
                with httpx.Client(timeout=120, headers=http.headers) as fresh:
                    answer = fresh.post(f"{url}/v1/sql", json=body, params={"project": project})
                return int(answer.json()["rows"][0]["n"])
            except (httpx.HTTPError, KeyError) as exc:
                print(f"counting stored spans failed ({exc}); again", file=sys.stderr)
                time.sleep(2)
        return -1

    wait_until = time.monotonic() + 300  # ingest stores what is still in the broker (both senders')
    sdk_acknowledged = sdk_stats.get("sent", 0)
    while time.monotonic() < wait_until and (stored("load-http") < load.accepted
                                             or (sdk and stored("load-sdk") < sdk_acknowledged)):
        time.sleep(2)
    status = httpx.get(f"{url}/v1/evaluators/lag", headers=http.headers, timeout=60).json()
    stored_http, stored_sdk = stored("load-http"), stored("load-sdk") if sdk else 0
    server_list_s = server_mean_s(url, "/v1/traces")
    stop_began = time.monotonic()
    up.send_signal(signal.SIGINT)
    up.wait(300)
    stop_s = time.monotonic() - stop_began
    print("".join(lines[-15:]), file=sys.stderr)
    (folder / "up.log").write_text("".join(lines))
    print(f"spyglass up's whole output: {folder / 'up.log'}", file=sys.stderr)
    after_first_minute = [r for i, r in enumerate(rss) if i >= 60] or rss
    sdk_sent = sdk_stats.get("sent", 0)
    print(json.dumps({
        "duration_s": round(elapsed, 1), "accepted_spans": load.accepted, "rejected_spans": load.rejected,
        "accepted_spans_per_s": round(load.accepted / elapsed, 1),
        "stored_ratio": round(stored_http / load.accepted, 4) if load.accepted else None,
        "eval_lag_p95_s": p95(lags), "eval_lag_max_s": max((v for v in lags if v is not None), default=None),
        "scored_share": round(1 - status["spans_sampled_out"] / status["spans_seen"], 4) if status.get("spans_seen") else None,
        "evaluator_spans_seen": status.get("spans_seen"),
        "peak_rss_mb": round(max(rss), 1), "peak_rss_after_1m_mb": round(max(after_first_minute), 1),
        "sdk_spans_per_s": round(sdk_sent / elapsed, 1), "sdk_sent": sdk_sent, "sdk_stored": stored_sdk,
        "sdk_dropped": sdk_stats.get("dropped"), "trace_list_p95_s": p95(lists), "trace_list_project": list_project,
        # the list's mean as the client saw it and inside the API (from its request histogram): the
        # gap is the wait for the server to take the request
        "trace_list_mean_s": round(sum(lists) / len(lists), 3) if lists else None,
        "trace_list_server_mean_s": server_list_s,
        "cores_used": cores_used,  # CPU seconds per second of the load, per process tree
        "prefilled_spans": args.prefill, "stop_s": round(stop_s, 1), "stop_rc": up.returncode,
        "eval_target_lag_s": args.eval_target_lag if args.eval_target_lag is not None else 30.0,
    }))


if __name__ == "__main__":
    main()
