"""The 2,000-span trace page: this waterfall against the previous one (a table, one SVG per row), same run.

Both pages are built from the same stored trace (chDB) by the same route code up to the waterfall;
the previous markup is kept here only as the comparison. Timed, interleaved, ``--repeat`` times:
server render of the waterfall, page size, and headless chromium's navigation-to-load of each page
(served as static files, so only the browser's work differs) with the renderer main thread's busy
time (CDP ``TaskDuration``: the page's own cost, less at the mercy of other jobs on the machine).

    nice -n 10 python bench/trace_render.py [--spans 2000] [--repeat 10]

Last line: JSON with render / browser / browser_task medians and p95 (s) for "now" and "before", and the sizes.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from console import big_trace  # noqa: E402

from spyglass.api.tree import build_tree  # noqa: E402
from spyglass.console.waterfall import rows_html, waterfall  # noqa: E402
from spyglass.console.web import HERE, build_env  # noqa: E402
from spyglass.storage import Store, migrate  # noqa: E402
from spyglass.storage.console import trace_spans_located  # noqa: E402
from spyglass.storage.spans import insert_spans  # noqa: E402

# the waterfall before this change: a table row per span with an inline SVG bar, rendered by Jinja
BEFORE_ROWS = """<table class="waterfall">{% for r in rows %}{% set s = r.span %}
<tr class="span {{ 'error' if s['status'] == 'error' }}" data-span-id="{{ s['span_id'] }}" data-depth="{{ r.depth }}">
  <td class="name depth-{{ r.indent }}"><a href="?span={{ s['span_id']|urlquote }}#detail">{{ s['name'] }}</a></td>
  <td><span class="kind {{ s['kind'] }}">{{ s['kind'] }}</span></td>
  <td class="bar"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-label="starts at {{ r.offset_ms|ms }}">
  <rect class="{{ s['kind'] }}" x="{{ r.offset }}" y="1" width="{{ r.width }}" height="8"></rect></svg></td>
  <td class="num">{{ s['duration_ms']|ms }}</td></tr>{% endfor %}</table>"""
BEFORE_CSS = """table.waterfall { table-layout: fixed; width: 100%; border-collapse: collapse; font-size: 13px; }
table.waterfall td { padding: 2px 8px; white-space: nowrap; } table.waterfall td.name { max-width: 420px; overflow: hidden; }
table.waterfall td.bar svg { width: 100%; height: 14px; display: block; } rect { fill: #748ffc; } rect.llm { fill: #9775fa; }"""
PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="console.css">
<link rel="stylesheet" href="waterfall.css"><style>{css}</style></head><body><main>{body}</main></body></html>"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="spyglass-bench-trace-"))
    try:
        store = Store(f"chdb://{data / 'ch'}", "bench")
        migrate(store)
        insert_spans(store, big_trace("acme", "big-trace", args.spans))
        rows, _ = waterfall(build_tree(trace_spans_located(store, "big-trace")))
        before = build_env().from_string(BEFORE_ROWS)
        render = {"now": lambda: str(rows_html(rows, set(), {}, "")), "before": lambda: before.render(rows=rows)}
        site = data / "site"
        site.mkdir()
        for name in ("console.css", "waterfall.css"):
            shutil.copy(HERE / "static" / name, site / name)
        sizes = {}
        for name, build in render.items():
            body = build()
            html = PAGE.format(css=BEFORE_CSS if name == "before" else "",
                               body=f'<div class="waterfall">{body}</div>' if name == "now" else body)
            (site / f"{name}.html").write_text(html)
            sizes[name] = len(html)
        times: dict[str, dict[str, list[float]]] = {n: {"render": [], "browser": [], "browser_task": []} for n in render}
        for _ in range(args.repeat):
            for name, build in render.items():
                began = time.perf_counter()
                build()
                times[name]["render"].append(time.perf_counter() - began)
        handler = functools.partial(Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        executable = shutil.which("chromium")
        if executable:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
                for _ in range(args.repeat):
                    for name in render:
                        page = browser.new_page(viewport={"width": 1360, "height": 900})
                        devtools = page.context.new_cdp_session(page)
                        devtools.send("Performance.enable")
                        began = time.perf_counter()
                        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{name}.html", wait_until="load")
                        times[name]["browser"].append(time.perf_counter() - began)
                        # the renderer's main-thread work: what the page costs, whatever else runs
                        metrics = {m["name"]: m["value"] for m in devtools.send("Performance.getMetrics")["metrics"]}
                        times[name]["browser_task"].append(metrics["TaskDuration"])
                        page.close()
                browser.close()
        server.shutdown()
        result: dict[str, object] = {"spans": args.spans, "repeat": args.repeat, "bytes": sizes}
        for name, measured in times.items():
            for what, values in measured.items():
                if values:
                    result[f"{name}_{what}_median_s"] = round(statistics.median(values), 4)
                    result[f"{name}_{what}_p95_s"] = round(p95(values), 4)
                    print(f"{name:6s} {what:12s} median {statistics.median(values):.4f} s  p95 {p95(values):.4f} s",
                          file=sys.stderr)
        print(json.dumps(result))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
