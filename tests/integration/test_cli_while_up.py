"""`spyglass query|keys|sql|drift` while `spyglass up` holds the embedded data directory: through its
API with the local key, or a clear message where a command needs ClickHouse itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from api_process import free_port, wait_until_serving

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def up(tmp_path_factory):
    """A real `spyglass up` (no evaluators, alerts or demo) in a fresh directory; yields (cwd, env, url)."""
    cwd = tmp_path_factory.mktemp("up")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}
    env["SPYGLASS_API_PORT"] = str(port)
    process = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "up", "--no-evaluators", "--no-alerts",
                                "--no-demo"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, f"{url}/readyz", 120)
        yield cwd, env, url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def spyglass(up, *args: str) -> subprocess.CompletedProcess:
    cwd, env, _ = up
    return subprocess.run([sys.executable, "-m", "spyglass.cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_query_and_keys_go_through_the_running_stacks_api(up):
    url = up[2]
    query = spyglass(up, "query", "SELECT count() AS n FROM spans", "--project", "demo", "--format", "json")
    assert query.returncode == 0, query.stderr
    assert query.stdout.strip() == '{"n": 0}' and "through its API" in query.stderr
    over_api = spyglass(up, "query", "SELECT 1 AS one", "--project", "demo", "--format", "json", "--api", url)
    assert over_api.returncode == 0 and over_api.stdout.strip() == '{"one": 1}', over_api.stderr

    created = spyglass(up, "keys", "create", "--project", "cli", "--scope", "read", "--name", "from the cli")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    assert httpx.get(f"{url}/v1/traces", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listed = spyglass(up, "keys", "list", "--project", "cli")
    assert key_id in listed.stdout and "active" in listed.stdout, listed.stderr
    assert spyglass(up, "keys", "revoke", key_id).returncode == 0
    assert httpx.get(f"{url}/v1/traces", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    refused = spyglass(up, "query", "SELECT 1", "--project", "demo", "--api", url, "--api-key", key)
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr


def test_commands_that_need_clickhouse_itself_say_so(up):
    for args, hint in ((("sql", "SELECT 1"), "spyglass query"), (("drift", "--no-embeddings"), "GET /v1/drift")):
        result = spyglass(up, *args)
        assert result.returncode == 2, result.stderr
        assert "in use by a running `spyglass up`" in result.stderr and hint in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "Cannot lock file" not in result.stderr
