"""`spyglass up` (embedded broker, chDB) stopped and started again and again while an app sends.

Alternately stopped with SIGINT (a clean stop: every span the API answered 202 is stored, once)
and killed with SIGKILL (a crash: it may lose only spans not yet stored when it died; what was
stored stays, and no process of the stack survives it). The embedded broker is memory-only and
starts its offsets at 0 every time, so this is also the test that inserts of one broker
incarnation are never taken for repeats of another's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from spyglass.broker.embedded import free_port
from spyglass.sdk._export import ExportError
from spyglass.sdk._http import HttpExporter
from spyglass.sdk.wire import encode_record
from support import unique_name, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CYCLES, SPANS_PER_TRACE = 5, 5

COUNT_STORED = """
import json, sys
from spyglass.storage import Store
store = Store(sys.argv[1])
p = {"p": sys.argv[2]}
final = store.rows("SELECT trace_id, count() AS n FROM spans FINAL WHERE project = {p:String} GROUP BY trace_id",
                   parameters=p)
raw = store.rows("SELECT count() AS n FROM spans WHERE project = {p:String}", parameters=p)[0]["n"]
twice = store.rows("SELECT trace_id, span_id, count() AS n, groupArray(insert_batch) AS batches, "
                   "groupArray(toString(ingested_at)) AS at FROM spans WHERE project = {p:String} "
                   "GROUP BY trace_id, span_id HAVING n > 1 ORDER BY trace_id, span_id", parameters=p)
rollup = store.rows("SELECT sum(spans) AS n FROM spans_1m WHERE project = {p:String}", parameters=p)[0]["n"]
print(json.dumps({"traces": {r["trace_id"]: r["n"] for r in final}, "raw": raw, "rollup": rollup, "twice": twice},
                 default=str))
"""


class App:
    """An app sending one trace per request through the SDK's HTTP exporter; remembers what got 202."""

    def __init__(self, project: str, url: str, key_path: Path) -> None:
        self.project, self.url, self.key_path = project, url, key_path
        self.acked: dict[str, int] = {}  # trace id -> incarnation whose API answered 202
        self.incarnation = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seq = 0
        exporter = None
        while not self._stop.is_set():
            if exporter is None and self.key_path.exists():
                exporter = HttpExporter(self.url, timeout_s=5, api_key=self.key_path.read_text().strip())
            if exporter is None:
                self._stop.wait(0.05)
                continue
            trace, seq = f"t{seq}", seq + 1
            now = time.time()
            spans = [{"trace_id": trace, "span_id": f"{trace}-s{j}", "project": self.project, "name": "chat",
                      "kind": "llm", "start_time": now, "end_time": now + 0.1, "model": "m",
                      "prompt": "q", "completion": "a"} for j in range(SPANS_PER_TRACE)]
            incarnation = self.incarnation
            try:
                exporter.export(encode_record(spans))
                self.acked[trace] = incarnation
            except ExportError:
                self._stop.wait(0.05)  # the stack is down: the SDK would retry later; this app moves on
            self._stop.wait(0.01)

    def start(self) -> "App":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def stack_processes(pid: int) -> set[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            running.add(pid)
    return running


def test_restarts_lose_nothing_acknowledged(tmp_path):
    port, project = free_port(), unique_name("p")
    dsn = f"chdb://{tmp_path}/ch"
    env = {**os.environ, "SPYGLASS_CLICKHOUSE_DSN": dsn, "SPYGLASS_API_PORT": str(port),
           "SPYGLASS_LOCAL_KEY_PATH": str(tmp_path / "key"), "SPYGLASS_ALERT_LOG_PATH": str(tmp_path / "alerts"),
           "SPYGLASS_INGEST_BATCH_MS": "50", "SPYGLASS_INGEST_DECODE_PROCESSES": "1", "SPYGLASS_PARTITIONS": "2",
           "SPYGLASS_DRIFT_INTERVAL_S": "3600", "SPYGLASS_KAFKA_BOOTSTRAP": ""}
    env.pop("SPYGLASS_KAFKA_BOOTSTRAP")
    url = f"http://127.0.0.1:{port}"
    app = App(project, url, tmp_path / "key")
    stored_before_kill: dict[int, set[str]] = {}
    killed: set[int] = set()
    began = time.monotonic()
    try:
        for cycle in range(CYCLES):
            log = open(tmp_path / f"up-{cycle}.log", "wb")
            app.incarnation = cycle  # the previous one has exited: every 202 from now on is this one's
            up = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "up", "--no-demo", "--no-evaluators",
                                   "--no-alerts"], env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_for(lambda: up.poll() is not None or _ready(url), 90, interval_s=0.2, message="stack up")
                assert up.poll() is None, (tmp_path / f"up-{cycle}.log").read_text()[-3000:]
                if cycle == 0:
                    app.start()
                sent = len(app.acked)
                wait_for(lambda: len(app.acked) >= sent + 30, 60, message="spans acknowledged in this run")
                if cycle % 2 == 0:
                    up.send_signal(signal.SIGINT)
                    assert up.wait(90) == 0, (tmp_path / f"up-{cycle}.log").read_text()[-3000:]
                else:  # once this run has stored some of its own spans: the kill lands mid-stream
                    mine = {t for t, c in app.acked.items() if c == cycle}
                    wait_for(lambda: _stored_traces(url, project, tmp_path / "key") & mine, 60,
                             interval_s=0.2, message="spans of this run stored")
                    stored_before_kill[cycle] = _stored_traces(url, project, tmp_path / "key")
                    processes = stack_processes(up.pid)
                    assert len(processes) >= 3, "the stack runs a broker and decode workers"
                    up.kill()
                    up.wait()
                    killed.add(cycle)
                    wait_for(lambda: not alive(processes), 10, message="no process of the killed stack left")
            finally:
                if up.poll() is None:
                    up.kill()
                    up.wait()
                log.close()
            print(f"cycle {cycle} done at {time.monotonic() - began:.1f}s")
    finally:
        app.stop()
    out = subprocess.run([sys.executable, "-c", COUNT_STORED, dsn, project], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    traces = result["traces"]
    clean = {t for t, c in app.acked.items() if c not in killed}
    lost_clean = sorted(clean - set(traces))
    lost_crash = {c: sorted(t for t, inc in app.acked.items() if inc == c and t not in traces) for c in killed}
    print(f"acknowledged {len(app.acked)} traces; lost after a clean stop: {len(lost_clean)}; "
          f"after a kill: {sum(map(len, lost_crash.values()))}")
    assert not lost_clean, f"{len(lost_clean)} of {len(clean)} traces acknowledged before a clean stop are missing"
    for cycle, lost in lost_crash.items():
        assert not set(lost) & stored_before_kill[cycle], "a trace stored before the kill disappeared"
    assert all(n == SPANS_PER_TRACE for n in traces.values()), "every stored trace is whole, each span once"
    assert not result["twice"], f"stored twice: {result['twice'][:10]}"
    assert result["raw"] == result["rollup"] == SPANS_PER_TRACE * len(traces), "rollups exact"


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stored_traces(url: str, project: str, key_path: Path) -> set[str]:
    """Trace ids the running stack has stored (listed through its API)."""
    headers = {"Authorization": f"Bearer {key_path.read_text().strip()}"}
    found: set[str] = set()
    cursor = None
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        while True:
            params = {"project": project, "limit": 500, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/traces", params=params)
            page.raise_for_status()
            body = page.json()
            found.update(t["trace_id"] for t in body["traces"])
            cursor = body.get("next_cursor")
            if not cursor:
                return found
