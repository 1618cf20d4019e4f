"""A real `spyglass api` process (uvicorn) on its own chDB directory, for tests that measure it from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx

from support import unique_name, wait_for


@dataclass
class ApiProcess:
    url: str
    host: str
    port: int
    key: str
    pid: int


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(process: subprocess.Popen, url: str, timeout_s: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail with the process's stderr if it exits first."""
    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[3]} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, timeout_s, 0.2, message=url)


def _spyglass(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spyglass.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=True)


def run_api_process(bootstrap: str, data_dir: Path, project: str) -> Iterator[ApiProcess]:
    """Start `spyglass api` with a fresh database and a key for ``project`` (ingest, read, admin); stop it after."""
    port = free_port()
    env = {**os.environ, "SPYGLASS_CLICKHOUSE_DSN": f"chdb://{data_dir}", "SPYGLASS_KAFKA_BOOTSTRAP": bootstrap,
           "SPYGLASS_SPANS_TOPIC": unique_name("spans"), "SPYGLASS_API_HOST": "127.0.0.1"}
    created = _spyglass("keys", "create", "--project", project, "--scope", "ingest", "--scope", "read", "--scope", "admin", env=env)
    key = created.stdout.strip().splitlines()[-1]
    process = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "api", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, f"{url}/healthz")
        yield ApiProcess(url, "127.0.0.1", port, key, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
