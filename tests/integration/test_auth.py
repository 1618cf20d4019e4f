"""Every /v1 endpoint refuses a missing key, a key without the scope, and another project's key."""

from __future__ import annotations

import time

import httpx
import pytest

from spyglass.api.auth import OPERATOR_PATHS, PROJECT_QUERY_PATHS, required_scope
from support import unique_name, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def keys(api):
    """Keys of one project with each single scope, plus an admin key of another project."""
    project = unique_name("auth")
    made = {}
    for scope in ("ingest", "read", "admin"):
        response = api.post("/v1/keys", json={"project": project, "scopes": [scope], "name": f"{scope} key"})
        assert response.status_code == 201, response.text
        made[scope] = response.json()["key"]
    made["other"] = api.post("/v1/keys", json={"project": unique_name("other"), "scopes": ["ingest", "read", "admin"]}
                             ).json()["key"]
    made["project"] = project
    return made


def operations(api) -> list[tuple[str, str]]:
    paths = api.get("/openapi.json").json()["paths"]
    ops = [(method.upper(), path.replace("{", "").replace("}", "")) for path, methods in paths.items()
           for method in methods if path.startswith("/v1/")]
    assert len(ops) >= 20
    return ops


def call(stack, method: str, path: str, key: str | None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=stack.api_url, timeout=30, headers=headers) as client:
        return client.request(method, path, params=params or None, json={} if method in ("POST", "PUT") else None)


def test_missing_or_bad_key_is_401_everywhere(stack, api):
    for method, path in operations(api):
        assert call(stack, method, path, None).status_code == 401, (method, path)
        assert call(stack, method, path, "sg_000000000000_" + "x" * 43).status_code == 401, (method, path)
    assert call(stack, "GET", "/healthz", None).status_code == 200, "health stays public"


def test_wrong_scope_is_403_everywhere(stack, api, keys):
    for method, path in operations(api):
        needed = required_scope(method, path)
        for scope in ("ingest", "read", "admin"):
            if scope == needed:
                continue
            response = call(stack, method, path, keys[scope])
            assert response.status_code == 403, (method, path, scope, response.text)
            assert "scope" in response.json()["detail"] or "operator key" in response.json()["detail"]


def test_another_projects_key_is_refused_everywhere(stack, api, keys):
    for method, path in operations(api):
        needed = required_scope(method, path)
        if path.startswith(OPERATOR_PATHS) or path in ("/v1/alert-rules", "/v1/silences"):
            response = call(stack, method, path, keys[needed])
            assert response.status_code == 403 and "operator key" in response.text, (method, path)
        elif path.startswith(PROJECT_QUERY_PATHS) and not (method == "POST" and path == "/v1/traces"):
            response = call(stack, method, path, keys["other"], project=keys["project"])
            assert response.status_code == 403 and "this API key is for project" in response.text, (method, path)


def test_body_projects_are_checked_or_forced(stack, api, keys):
    project = keys["project"]
    span = {"trace_id": unique_name("t"), "span_id": "s1", "project": project, "name": "chat",
            "start_time": time.time() - 5}
    assert call(stack, "POST", "/v1/spans", keys["ingest"]).status_code == 422, "the key passes, the body is checked"
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {keys['other']}"}) as other:
        refused = other.post("/v1/spans", json=[span])
        assert refused.status_code == 403 and refused.json()["detail"]["accepted"] == 0
        assert other.put("/v1/drift/baseline", json={"project": project, "service": "s", "reference_start": 0,
                                                      "reference_end": 1}).status_code == 403
        # OTLP from another project's key lands in that key's project, never in ours
        trace_id = "ab" * 16
        otlp = {"resourceSpans": [{"resource": {"attributes": [
            {"key": "spyglass.project", "value": {"stringValue": project}}]}, "scopeSpans": [{"spans": [
                {"traceId": trace_id, "spanId": "cd" * 8, "name": "otel", "startTimeUnixNano": str(time.time_ns())}]}]}]}
        assert other.post("/v1/traces", json=otlp).status_code == 200
        landed = wait_for(lambda: api.get(f"/v1/traces/{trace_id}").status_code == 200
                          and api.get(f"/v1/traces/{trace_id}").json(), 60, message="OTLP span")
        assert landed["spans"][0]["project"] != project
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {keys['read']}"}) as reader:
        pinned = reader.get("/v1/traces")  # no ?project=: pinned to the key's own project
        assert pinned.status_code == 200 and all(t["project"] == project for t in pinned.json()["traces"])
        assert reader.get(f"/v1/traces/{trace_id}").status_code == 404, "another project's trace is invisible"


def test_keys_are_stored_hashed_and_can_be_revoked(stack, api, keys):
    listed = api.get("/v1/keys", params={"project": keys["project"]}).json()["keys"]
    assert {k["name"] for k in listed} == {"ingest key", "read key", "admin key"}
    assert not any(keys["read"].split("_")[2] in str(row) for row in stack.store.rows("SELECT * FROM api_keys"))
    key_id = keys["read"].split("_")[1]
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {keys['admin']}"}) as admin:
        assert admin.delete(f"/v1/keys/{key_id}").json() == {"key_id": key_id, "revoked": True}
    from spyglass.storage.keys import verify_key

    assert verify_key(stack.store, keys["read"]) is None


def test_sdk_over_http_authenticates_with_an_ingest_key(stack, api, keys):
    import spyglass.sdk as spyglass

    spyglass.init(project=keys["project"], api_url=stack.api_url, api_key=keys["ingest"], flush_interval_s=0.05)
    try:
        with spyglass.span("sdk-over-http", kind="chain") as root:
            trace_id = root.trace_id
        assert spyglass.flush(10)
        assert spyglass.stats()["sent"] >= 1 and spyglass.stats()["failed"] == 0
    finally:
        spyglass.shutdown()
    wait_for(lambda: api.get(f"/v1/traces/{trace_id}").status_code == 200, 60, message="SDK span via HTTP")


def test_a_project_header_that_disagrees_with_the_key_is_403(stack, api, keys):
    project, trace_id = keys["project"], "ef" * 16
    otlp = {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": trace_id, "spanId": "5a" * 8, "name": "otel", "startTimeUnixNano": str(time.time_ns())}]}]}]}
    span = {"trace_id": unique_name("t"), "span_id": "s1", "project": project, "name": "chat",
            "start_time": time.time() - 5}
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {keys['ingest']}"}) as ingest:
        for path, body in (("/v1/traces", otlp), ("/v1/spans", [span])):
            refused = ingest.post(path, json=body, headers={"x-spyglass-project": unique_name("projB")})
            assert refused.status_code == 403 and "x-spyglass-project" in refused.text, (path, refused.text)
            agreed = ingest.post(path, json=body, headers={"x-spyglass-project": project})
            assert agreed.status_code in (200, 202), (path, agreed.text)
    landed = wait_for(lambda: api.get(f"/v1/traces/{trace_id}").status_code == 200
                      and api.get(f"/v1/traces/{trace_id}").json(), 60, message="OTLP span")
    assert [s["project"] for s in landed["spans"]] == [project], "the refused export stored nothing"


def test_revocation_takes_effect_at_once_on_the_revoking_process(stack, api, keys):
    made = api.post("/v1/keys", json={"project": keys["project"], "scopes": ["read"]}).json()
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {made['key']}"}) as reader:
        assert reader.get("/v1/traces").status_code == 200  # now cached as valid
        assert api.delete(f"/v1/keys/{made['key_id']}").status_code == 200
        assert reader.get("/v1/traces").status_code == 401


def test_a_read_key_cannot_read_api_keys_through_sql(stack, api, keys):
    made = api.post("/v1/keys", json={"project": keys["project"], "scopes": ["read"]}).json()
    hashes = [row["secret_hash"] for row in stack.store.rows("SELECT secret_hash FROM api_keys")]
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {made['key']}"}) as reader:
        for query in ("SELECT * FROM api_keys", "SELECT count() FROM spans WHERE span_id IN (SELECT secret_hash "
                      "FROM api_keys)", "WITH k AS (SELECT * FROM api_keys) SELECT * FROM k"):
            refused = reader.post("/v1/sql", json={"query": query})
            assert refused.status_code == 403 and "not an analyst table" in refused.text, refused.text
            assert not any(h in refused.text for h in hashes)
        assert reader.post("/v1/sql", json={"query": "SELECT count() AS n FROM spans"}).status_code == 200
