"""Compression bombs and endless chunked bodies: a 413 at the cap, bounded memory, health never stalls.

Measured from outside on a real `spyglass api` process with psutil: the issue's bound is peak
memory under 300 MB above the idle process and /healthz within 1 s while the bodies arrive.
"""

from __future__ import annotations

import threading
import time

import httpx
import psutil
import pytest

from api_process import run_api_process
from hostile import deflate_bomb, gzip_bomb, post_chunked, post_declared
from support import unique_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MEMORY_BOUND = 300 * 1024 * 1024
HEALTH_BOUND_S = 1.0


@pytest.fixture(scope="module")
def api_process(broker, tmp_path_factory):
    yield from run_api_process(broker.bootstrap, tmp_path_factory.mktemp("hostile-chdb"), unique_name("hostile"))


class Watch:
    """Samples the process's resident memory and times /healthz on background threads."""

    def __init__(self, pid: int, url: str) -> None:
        self.process = psutil.Process(pid)
        self.url = url
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self.health_s: list[float] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._memory), threading.Thread(target=self._health)]

    def _memory(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def _health(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.wait(0.05):
                started = time.monotonic()
                assert client.get(f"{self.url}/healthz").status_code == 200
                self.health_s.append(time.monotonic() - started)

    def __enter__(self) -> "Watch":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_bombs_and_endless_bodies_are_refused_with_bounded_memory(api_process):
    auth = {"Authorization": f"Bearer {api_process.key}"}
    bombs = {"gzip": gzip_bomb(), "deflate": deflate_bomb()}  # ~1 MB each, 1 GiB inflated
    with Watch(api_process.pid, api_process.url) as watch, httpx.Client(base_url=api_process.url, timeout=60,
                                                                         headers=auth) as client:
        for path, content_type in (("/v1/spans", "application/json"), ("/v1/traces", "application/x-protobuf"),
                                   ("/v1/traces", "application/json")):
            for encoding, body in bombs.items():
                reply = client.post(path, content=body, headers={"Content-Type": content_type,
                                                                 "Content-Encoding": encoding})
                assert reply.status_code == 413, (path, encoding, reply.text)
                assert "inflated body exceeds the limit" in reply.json()["detail"], reply.text
        for path, content_type in (("/v1/spans", "application/json"), ("/v1/traces", "application/json"),
                                   ("/v1/sql", "application/json"), ("/v1/keys", "application/json")):
            status, answer, sent = post_chunked(api_process.host, api_process.port, path,
                                                {**auth, "Content-Type": content_type}, total=512 << 20)
            assert status == 413 and b"exceeds the limit" in answer, (path, answer[:500])
            assert sent < 128 << 20, f"the server let {sent} bytes in before answering"
        declared = post_declared(api_process.host, api_process.port, "/v1/spans", auth, 1 << 30)
        assert declared.startswith(b"HTTP/1.1 413"), declared[:300]
        assert client.get("/healthz").status_code == 200
    print(f"\nAPI process: idle {watch.baseline / 2**20:.0f} MiB, peak {watch.peak / 2**20:.0f} MiB "
          f"(+{(watch.peak - watch.baseline) / 2**20:.0f} MiB); /healthz worst {max(watch.health_s):.3f}s "
          f"over {len(watch.health_s)} probes")
    assert watch.peak - watch.baseline < MEMORY_BOUND
    assert watch.health_s and max(watch.health_s) < HEALTH_BOUND_S
