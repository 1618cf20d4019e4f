"""Console benchmark: server time of the traces page and trace page beside the JSON API, same run.

Spans are generated inside ClickHouse as in ``bench/queries.py`` (4 spans a trace over 30 days,
rollups filled by the view), plus one trace of 2,000 spans. One API process (uvicorn, auth on)
serves both; each request is timed from the client on the same machine, console and API
interleaved so both see the same load:
  traces page  GET /traces?project=acme            vs  GET /v1/traces?project=acme (same query)
  trace page   GET /traces/<id>                    vs  GET /v1/traces/<id>
  big trace    GET /traces/<2,000-span trace>      (and, with chromium, the browser's load time)

    nice -n 10 python bench/console.py [--spans 1000000] [--repeat 20]

Last line: JSON with traces_page_p95_s, trace_page_p95_s, api_p95_s (the /v1/traces list),
api_trace_p95_s, big_trace_page_p95_s, big_trace_browser_p95_s (null without chromium), spans.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queries import generate  # noqa: E402  (the same generated spans as the query benchmark)

from spyglass.storage import Store, migrate  # noqa: E402


def big_trace(project: str, trace_id: str, spans: int) -> list[dict]:
    """A trace of ``spans`` spans: a root, 40 agent steps, each with LLM and tool calls under it."""
    start = time.time() - 600
    rows = []
    for i in range(spans):
        parent = "" if i == 0 else (f"{trace_id}-0" if i % 50 == 1 else f"{trace_id}-{i - i % 50 + 1}")
        rows.append({"project": project, "trace_id": trace_id, "span_id": f"{trace_id}-{i}", "parent_span_id": parent,
                     "service": "support-bot", "name": f"step {i}", "kind": "llm" if i % 3 else "tool",
                     "start_time": start + i * 0.01, "end_time": start + i * 0.01 + 0.05, "duration_ms": 50.0,
                     "status": "ok", "error": "", "model": "gpt-4o-mini", "provider": "openai",
                     "prompt": f"question {i}", "prompt_messages": "", "completion": f"answer {i}",
                     "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cost": 0.0001,
                     "conversation_id": "", "user_id": "", "prompt_name": "", "prompt_version": "", "context": [],
                     "context_sources": [], "tags": [], "metadata": {}, "metadata_num": {}, "environment": "prod",
                     "release": "1"})
    rows[0]["end_time"] = start + spans * 0.01 + 0.1
    return rows


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]


def serve(store: Store):
    import uvicorn

    from spyglass.api.app import create_app
    from spyglass.api.auth import KeyVerifier
    from spyglass.api.deps import ApiDeps

    class NoPublisher:
        def publish(self, spans: list) -> int:
            raise RuntimeError("the benchmark never ingests")

        def connected(self) -> bool:
            return False

    app = create_app(ApiDeps(store=store, publisher=NoPublisher(), auth=KeyVerifier(store)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def timed(client: httpx.Client, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def browser_times(url: str, key: str, path: str, repeat: int) -> list[float] | None:
    """Seconds from navigation to the load event of ``path`` in headless chromium (None without it)."""
    executable = shutil.which("chromium")
    if executable is None:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{url}/login?next={path}")
        page.fill("input[name=key]", key)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            page.goto(url + path, wait_until="load")
            times.append(time.perf_counter() - began)
        rows = page.locator(".waterfall .span").count()
        browser.close()
    if rows != 2000:
        raise SystemExit(f"the big trace page drew {rows} rows, not 2000")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200_000, help="generated spans (the issue's figure: 1000000)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    console = Console(stderr=True)
    data = tempfile.mkdtemp(prefix="spyglass-bench-console-")
    try:
        from spyglass.storage.keys import create_key
        from spyglass.storage.spans import insert_spans

        store = Store(f"chdb://{data}", "bench")
        migrate(store)
        seconds = generate(store, args.spans, console)
        insert_spans(store, big_trace("acme", "big-trace", 2000))
        console.print(f"{args.spans:,} spans generated in {seconds:.0f} s, plus a trace of 2,000 spans")
        server, url = serve(store)
        key = create_key(store, "*", ["read", "admin"], "bench")[1]
        with httpx.Client(base_url=url, timeout=60) as client, \
                httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as api:
            login = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
            client.post("/login", data={"key": key, "csrf": csrf})
            trace_id = api.get("/v1/traces", params={"project": "acme"}).json()["traces"][0]["trace_id"]
            paths = {"traces_page": "/traces?project=acme", "api": "/v1/traces?project=acme",
                     "trace_page": f"/traces/{trace_id}", "api_trace": f"/v1/traces/{trace_id}",
                     "big_trace_page": "/traces/big-trace"}
            times: dict[str, list[float]] = {name: [] for name in paths}
            for name, path in paths.items():  # warm caches once, untimed
                timed(api if path.startswith("/v1") else client, path)
            for _ in range(args.repeat):
                for name, path in paths.items():
                    times[name].append(timed(api if path.startswith("/v1") else client, path))
        browser = browser_times(url, key, "/traces/big-trace", max(5, args.repeat // 4))
        server.should_exit = True
        result = {"spans": args.spans, "repeat": args.repeat}
        for name, runs in times.items():
            result[f"{name}_p95_s"] = round(p95(runs), 4)
            console.print(f"{name:15s} {paths[name]:40.40s} median {statistics.median(runs):.4f} s  "
                          f"p95 {p95(runs):.4f} s")
        result["big_trace_browser_p95_s"] = round(p95(browser), 4) if browser else None
        if browser:
            console.print(f"big trace in chromium (navigation to load): p95 {p95(browser):.4f} s")
        print(json.dumps(result))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
