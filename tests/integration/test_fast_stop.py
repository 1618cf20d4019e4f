"""Ctrl-C on `spyglass up` under traffic: everything stops within the contract, and every span the API
accepted is stored (ingest drains the memory-only broker; the evaluators leave theirs to backfill)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from api_process import free_port, wait_until_serving

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STOP_CONTRACT_S = 10  # the bound, printed beside the measured time
DEADLINE_S = 60  # the test's own deadline: generous for a loaded CI machine


def _post_until(url: str, key: str, stop: threading.Event, accepted: list[int]) -> None:
    """Post batches of 50 spans until ``stop``; count the spans the API answered 202 for."""
    n = 0
    with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {key}"}) as http:
        while not stop.is_set():
            n += 1
            now = time.time()
            spans = [{"trace_id": f"stop-{n}", "span_id": f"s{i}", "project": "stop-http", "name": "chat",
                      "kind": "llm", "start_time": now, "end_time": now + 0.2, "model": "m",
                      "prompt": f"question {n}.{i}", "completion": f"answer {n}.{i}"} for i in range(50)]
            try:
                if http.post(f"{url}/v1/spans", json={"spans": spans}).status_code == 202:
                    accepted[0] += len(spans)
            except httpx.HTTPError:
                time.sleep(0.05)  # the API is stopping


def test_sigint_under_traffic_stops_fast_and_loses_nothing(tmp_path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}
    env.update(SPYGLASS_API_PORT=str(port), SPYGLASS_DRIFT_INTERVAL_S="2", SPYGLASS_DRIFT_MIN_SAMPLES="10",
               SPYGLASS_EVALUATORS="toxicity,pii")
    up = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "up", "--demo-rate", "20", "--no-incidents"],
                          cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    stop, accepted = threading.Event(), [0]
    try:
        wait_until_serving(up, f"{url}/readyz", 300)
        key = (tmp_path / "spyglass-data" / "local-key").read_text().strip()
        poster = threading.Thread(target=_post_until, args=(url, key, stop, accepted), daemon=True)
        poster.start()
        deadline = time.monotonic() + 60
        while accepted[0] < 2_000 and time.monotonic() < deadline:  # traffic flowing (polled, not slept)
            time.sleep(0.1)
        assert accepted[0] >= 2_000
        began = time.monotonic()
        up.send_signal(signal.SIGINT)
        rc = up.wait(DEADLINE_S)
        took = time.monotonic() - began
    finally:
        stop.set()
        if up.poll() is None:
            up.kill()
            up.wait(10)
    print(f"spyglass up stopped in {took:.1f} s under traffic (contract {STOP_CONTRACT_S} s)")
    assert rc == 0, up.stderr.read().decode()[-3000:]
    counted = subprocess.run([sys.executable, "-m", "spyglass.cli.main", "sql",
                              "SELECT uniqExact(trace_id, span_id) AS n FROM spans WHERE project = 'stop-http'"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout.strip().splitlines()[-1])["n"] == accepted[0]
