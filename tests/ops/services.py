"""The real Prometheus and Alertmanager (Debian's packages) on free ports, with temp config and storage.

Each ``start_*`` waits until the service answers ``/-/ready`` and returns a handle whose ``stop``
terminates it. ``binary`` finds the executable or returns None (the test is then skipped with the
package to install; ``.ci/run`` installs both).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from support import wait_for

ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")
PROMETHEUS_BINARIES = ("prometheus",)


def binary(names: tuple[str, ...]) -> str | None:
    """The first of ``names`` on PATH."""
    return next((found for found in map(shutil.which, names) if found), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """A running service: its base URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.url + path, params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _start(args: list[str], url: str, log: Path) -> Service:
    out = open(log, "wb")
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    service = Service(url, process, log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            return httpx.get(url + "/-/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, 30, 0.1, message=f"{args[0]} to be ready")
    except BaseException:
        service.stop()
        raise
    return service


def start_alertmanager(exe: str, folder: Path, webhook_url: str, resolve_timeout_s: float) -> Service:
    """Alertmanager routing everything to ``webhook_url`` (resolves too), clustering off."""
    config = {"global": {"resolve_timeout": f"{resolve_timeout_s:g}s"},
              "route": {"receiver": "hook", "group_by": ["alertname", "project"], "group_wait": "0s",
                        "group_interval": "1s", "repeat_interval": "1h"},
              "receivers": [{"name": "hook", "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}]}
    (folder / "alertmanager.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    args = [exe, f"--config.file={folder / 'alertmanager.yml'}", f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"]
    return _start(args, f"http://127.0.0.1:{port}", folder / "alertmanager.log")


def start_prometheus(exe: str, folder: Path, targets: list[str], scrape_interval_s: float = 1.0) -> Service:
    """Prometheus scraping ``targets`` (host:port, path /metrics) every ``scrape_interval_s``."""
    config = {"global": {"scrape_interval": f"{scrape_interval_s:g}s", "evaluation_interval": "1s"},
              "scrape_configs": [{"job_name": "spyglass", "static_configs": [{"targets": targets}]}]}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    args = [exe, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    return _start(args, f"http://127.0.0.1:{port}", folder / "prometheus.log")


def query(prometheus: Service, promql: str) -> dict[str, float]:
    """An instant query: ``{label set as text: value}`` for each series."""
    data = prometheus.get("/api/v1/query", query=promql, time=time.time())["data"]["result"]
    return {",".join(f"{k}={v}" for k, v in sorted(r["metric"].items()) if k not in ("__name__", "instance", "job")):
            float(r["value"][1]) for r in data}
