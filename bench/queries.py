"""Analyst query benchmark: 10 million generated spans in chDB, the docs/schema.md examples timed.

Spans are generated inside ClickHouse (INSERT ... SELECT FROM numbers()), spread over the last 30
days across 3 projects, 3 services and 4 models, with long-tailed latencies, 2% errors, chat
prompts, retrieval sources, conversations, users, tags and numeric metadata; the materialized view
fills the per-minute rollups as in production. Each example query runs ``--repeat`` times.

    nice -n 10 python bench/queries.py [--spans 10000000] [--repeat 3]

Last line: JSON {"spans": ..., "p50_s": ..., "p95_s": ...} over every timed run. Goal: p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from spyglass.storage import Store, migrate

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
COLUMNS = ("project, trace_id, span_id, parent_span_id, service, name, kind, start_time, end_time, duration_ms, "
           "status, error, model, provider, prompt, completion, prompt_tokens, completion_tokens, total_tokens, cost, "
           "conversation_id, user_id, prompt_name, prompt_version, context, context_sources, tags, metadata, "
           "metadata_num, environment, release")
# One row per number: 4 spans a trace (chain, retrieval, llm, tool); time runs back 30 days from now.
GENERATE = """
SELECT project, trace_id, span_id, if(kind = 'chain', '', root) AS parent_span_id, service,
       multiIf(kind = 'chain', 'answer_question', kind = 'retrieval', 'retrieve', kind = 'llm', 'chat', 'lookup_order'),
       kind, start_time, start_time + toIntervalMicrosecond(toInt64(duration_ms * 1000)) AS end_time, duration_ms,
       if(failed, 'error', 'ok'), if(failed, ['TimeoutError: upstream timed out', 'RateLimitError: 429 Too Many Requests',
           'ValueError: tool returned no rows'][1 + r % 3], ''),
       model, if(model = '', '', if(startsWith(model, 'gpt'), 'openai', if(startsWith(model, 'claude'), 'anthropic', 'meta'))),
       if(kind IN ('llm', 'retrieval'), concat('user: how do I ', ['reset my password', 'track order ', 'get a refund for ',
           'change my plan '][1 + r % 4], toString(r % 9973)), ''),
       if(kind = 'llm', concat('You can do that from Settings > Account. Reference ', toString(r % 7919), '.'), ''),
       ptok, ctok, ptok + ctok, if(kind = 'llm', (ptok * [0.15, 2.5, 3.0, 0.6][1 + mi] + ctok * [0.6, 10, 15, 0.8][1 + mi]) / 1e6, 0),
       concat('conv-', toString(cityHash64(intDiv(number, 12)) % 200000)), concat('user-', toString(cityHash64(t, 'u') % 20000)),
       if(kind = 'llm', 'support-answer', ''), if(kind = 'llm', ['2', '3'][1 + (t % 2)], ''),
       if(kind IN ('llm', 'retrieval'), arrayMap(i -> concat('Refunds are issued within ', toString(i), ' days.'), range(1, 1 + r % 3 + 1)), []),
       if(kind = 'retrieval', arrayMap(i -> concat('kb://doc/', toString((r + i * 7) % 500)), range(1, 1 + r % 3 + 1)), []),
       if(t % 10 = 0, ['rag', 'beta'], ['rag']), map('route', ['faq', 'billing', 'orders'][1 + t % 3]),
       map('temperature', 0.1 * (t % 8)), if(t % 20 = 0, 'staging', 'prod'), '2026.11.1'
FROM (
    SELECT number, intDiv(number, 4) AS t, cityHash64(number, 'r') AS r,
           ['acme', 'acme', 'globex', 'initech'][1 + cityHash64(t, 'p') % 4] AS project,
           ['support-bot', 'support-bot', 'research-agent', 'search'][1 + cityHash64(t, 's') % 4] AS service,
           ['chain', 'retrieval', 'llm', 'tool'][1 + number % 4] AS kind,
           lower(hex(cityHash64(t, 'trace'))) AS trace_id, lower(hex(cityHash64(t, 'root'))) AS root,
           if(kind = 'chain', root, lower(hex(cityHash64(number, 'span')))) AS span_id,
           toUInt8(cityHash64(t, 'm') % 10 >= 5) + toUInt8(cityHash64(t, 'm') % 10 >= 8) + toUInt8(cityHash64(t, 'm') % 10 >= 9) AS mi,
           if(kind = 'llm', ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-sonnet', 'llama-3.1-70b'][1 + mi], '') AS model,
           r % 100 < 2 AS failed,
           fromUnixTimestamp64Micro(toInt64({now_us:Int64} - t * {step_us:Int64} - r % 1000000), 'UTC') AS start_time,
           multiIf(kind = 'llm', 250 - log(1 - (r % 1000000) / 1e6) * 700, kind = 'retrieval', 20 + r % 120,
                   kind = 'tool', 5 + r % 60, 400 - log(1 - (r % 1000000) / 1e6) * 900) AS duration_ms,
           if(kind = 'llm', toUInt32(200 + r % 1300), 0) AS ptok, if(kind = 'llm', toUInt32(30 + r % 270), 0) AS ctok
    FROM numbers({offset:UInt64}, {count:UInt64})
)"""


def generate(store: Store, spans: int, console: Console, chunk: int = 1_000_000) -> float:
    """Insert ``spans`` generated spans in chunks (rollups fill through the view); returns seconds."""
    now_us, began = int(time.time() * 1e6), time.perf_counter()
    step_us = int(30 * 86_400 * 1e6 / max(1, spans // 4))  # 30 days across the traces
    with Progress(console=console) as progress:
        task = progress.add_task("generating spans", total=spans)
        for offset in range(0, spans, chunk):
            count = min(chunk, spans - offset)
            store.command(f"INSERT INTO spans ({COLUMNS}) {GENERATE}",
                          {"now_us": now_us, "step_us": step_us, "offset": offset, "count": count})
            progress.advance(task, count)
    return time.perf_counter() - began


def time_queries(store: Store, queries: list[str], repeat: int, console: Console) -> list[float]:
    """Run each query ``repeat`` times; print its times; return every time in seconds."""
    times: list[float] = []
    with Progress(console=console) as progress:
        task = progress.add_task("timing queries", total=len(queries) * repeat)
        for number, query in enumerate(queries, 1):
            runs = []
            for _ in range(repeat):
                began = time.perf_counter()
                rows = store.rows(query)
                runs.append(time.perf_counter() - began)
                progress.advance(task)
            times.extend(runs)
            title = re.sub(r"\s+", " ", query)[:70]
            console.print(f"query {number:2d}: median {statistics.median(runs):.3f} s, max {max(runs):.3f} s, "
                          f"{len(rows)} rows  [dim]{title}[/]")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", help="chDB data directory to keep (default: a temporary one, removed)")
    args = parser.parse_args()
    console = Console(stderr=True)
    folder = args.data or tempfile.mkdtemp(prefix="spyglass-bench-queries-")
    try:
        store = Store(f"chdb://{folder}", "bench_queries")
        migrate(store)
        have = store.rows("SELECT count() AS n FROM spans")[0]["n"]
        if have != args.spans:
            store.command("TRUNCATE TABLE spans")
            store.command("TRUNCATE TABLE spans_1m")
            seconds = generate(store, args.spans, console)
            console.print(f"generated {args.spans:,} spans in {seconds:.0f} s")
        queries = re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)
        times = sorted(time_queries(store, queries, args.repeat, console))
        store.close()
    finally:
        if not args.data:
            shutil.rmtree(folder, ignore_errors=True)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(json.dumps({"spans": args.spans, "queries": len(queries), "runs": len(times),
                      "p50_s": round(statistics.median(times), 4), "p95_s": round(p95, 4)}))


if __name__ == "__main__":
    main()
