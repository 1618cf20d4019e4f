"""The console over HTTP (no browser): login, deep links, CSRF, scopes and projects, escaping, /docs."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import httpx
import pytest

from console_seed import EMAIL, XSS_COMPLETION

pytestmark = pytest.mark.integration


@contextmanager
def session(world, key: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in to the console with ``key``."""
    with httpx.Client(base_url=world.url, timeout=30) as client:
        form = client.get("/login")
        done = client.post("/login", data={"key": key, "csrf": csrf_of(form.text), "next": "/"})
        assert done.status_code == 303, done.text
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_logged_out_pages_go_to_login_and_back(world):
    with httpx.Client(base_url=world.url, timeout=30) as client:
        deep = f"/traces/{world.incident}?span=x"
        answer = client.get(deep)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
        login = client.get(answer.headers["location"])
        assert "Log in" in login.text and 'value="/traces/' in login.text
        cookie = login.cookies.get("spyglass_login_csrf")
        done = client.post("/login", data={"key": world.keys["read"], "csrf": csrf_of(login.text), "next": deep})
        assert done.status_code == 303 and done.headers["location"] == deep
        set_cookie = done.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie and world.keys["read"] not in set_cookie
        assert client.get(deep).status_code == 200
        assert cookie
        # an open redirect is not a deep link
        assert client.post("/login", data={"key": world.keys["read"], "csrf": csrf_of(client.get("/login").text),
                                           "next": "//evil.example/"}).headers["location"] == "/"


def test_bad_keys_and_forged_cookies_are_refused(world):
    with httpx.Client(base_url=world.url, timeout=30) as client:
        csrf = csrf_of(client.get("/login").text)
        refused = client.post("/login", data={"key": "sg_000000000000_" + "x" * 43, "csrf": csrf})
        assert refused.status_code == 401 and "Unknown" in refused.text
        ingest_only = client.post("/login", data={"key": world.keys["ingest"], "csrf": csrf})
        assert ingest_only.status_code == 401 and "read" in ingest_only.text
        client.cookies.set("spyglass_session", "eyJrIjoiYWJjIn0.forged")
        assert client.get("/").status_code == 303


def test_every_page_carries_a_strict_csp_and_escapes(world):
    with session(world, world.keys["operator"]) as client:
        for path in ("/", "/traces", f"/traces/{world.xss}", "/alerts", f"/alerts/{world.alert_id}", "/drift",
                     "/keys", f"/conversations/conv-{world.incident}", "/login", "/docs"):
            response = client.get(path, params={"project": world.project} if "/traces/" not in path else None)
            assert response.status_code == 200, (path, response.text[:300])
            policy = response.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
            assert "<script>" not in response.text.replace('<script src=', '')
        xss = client.get(f"/traces/{world.xss}?span={world.xss}-gen").text
        assert XSS_COMPLETION not in xss and "&lt;img src=x onerror=alert(1)&gt;" in xss


def test_pii_is_shown_as_types_never_values(world):
    with session(world, world.keys["read"]) as client:
        page = client.get(f"/traces/{world.incident}").text
        assert EMAIL not in page and "&lt;EMAIL_ADDRESS&gt;" in page


def test_project_and_scope_are_enforced_as_on_v1(world):
    with session(world, world.keys["read"]) as viewer:
        assert viewer.get(f"/traces/{world.other_trace}").status_code == 404
        assert viewer.get("/traces", params={"project": world.other_project}).status_code == 403
        assert viewer.get("/keys").status_code == 403, "keys need the admin scope"
        alert = viewer.get(f"/alerts/{world.alert_id}")
        assert alert.status_code == 200 and 'id="ack"' not in alert.text
        refused = viewer.post(f"/alerts/{world.alert_id}/ack", data={"csrf": csrf_of(alert.text)})
        assert refused.status_code == 403
        assert viewer.get("/v1/traces").status_code == 401, "a console cookie is no API credential"
    with session(world, world.keys["admin"]) as admin:
        keys = admin.get("/keys")
        assert keys.status_code == 200 and world.project in keys.text
        made = admin.post("/keys", data={"csrf": csrf_of(keys.text), "project": world.other_project,
                                         "scope_read": "1"})
        assert made.status_code == 403, "a project key cannot make keys for another project"
        ack = admin.post(f"/alerts/{world.alert_id}/ack", data={"csrf": csrf_of(keys.text)})
        assert ack.status_code == 403 and "operator key" in ack.text, "acks need an operator key, as on /v1"


def test_state_changes_need_the_csrf_token(world):
    with session(world, world.keys["operator"]) as client:
        assert client.post(f"/alerts/{world.alert_id}/silence", data={"duration": "1h"}).status_code == 403
        keys = client.get("/keys")
        made = client.post("/keys", data={"csrf": csrf_of(keys.text), "project": world.project, "name": "ci",
                                          "scope_read": "1"})
        assert made.status_code == 200 and "shown only once" in made.text
        new_key = re.search(r'id="new-key">([^<]+)<', made.text).group(1)
        key_id = new_key.split("_")[1]
        assert client.post(f"/keys/{key_id}/revoke", data={}).status_code == 403
        assert client.post(f"/keys/{key_id}/revoke", data={"csrf": csrf_of(keys.text)}).status_code == 303
        with httpx.Client(base_url=world.url) as api:
            assert api.get("/v1/traces", headers={"Authorization": f"Bearer {new_key}"}).status_code == 401


def test_docs_serve_swagger_from_the_package_with_bearer_auth(world):
    with httpx.Client(base_url=world.url, timeout=30) as client:
        docs = client.get("/docs").text
        assert "cdn" not in docs.lower() and "/static/swagger/swagger-ui-bundle.js" in docs
        assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
        schema = client.get("/openapi.json").json()
        assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
        assert schema["paths"]["/v1/traces"]["get"]["security"] == [{"apiKey": []}]
        assert not any(path == "/" or path.startswith(("/traces", "/alerts", "/login")) for path in schema["paths"])


def test_trace_list_filters_and_cursor_pages(world):
    with session(world, world.keys["read"]) as client:
        seen, path = [], f"/traces?project={world.project}&limit=10"
        while path:
            html = client.get(path.replace("&amp;", "&")).text
            seen += re.findall(r'<a href="/traces/([^"?]+)">', html)
            found = re.search(r'<a rel="next" href="([^"]+)"', html)
            path = found.group(1) if found else None
        assert len(seen) == len(set(seen)) == 32, "30 quiet traces, the incident and the XSS trace, each once"
        flagged = client.get("/traces", params={"flagged": "hallucination", "range": "1h"}).text
        assert re.findall(r'<a href="/traces/([^"?]+)">', flagged) == [world.incident]
        for params in ({"q": "IDIOT"}, {"status": "error"}, {"prompt_name": "support", "prompt_version": "3",
                                                             "user_id": "user-7", "q": "idiot"}):
            listed = re.findall(r'<a href="/traces/([^"?]+)">', client.get("/traces", params=params).text)
            assert listed == [world.incident], params
        assert client.get("/traces", params={"cursor": "nonsense"}).status_code == 400


def test_located_trace_read_matches_the_api_query(world):
    from spyglass.storage.console import trace_scores_located, trace_spans_located
    from spyglass.storage.evaluations import scores_by_span
    from spyglass.storage.traces import trace_spans

    for trace_id in (world.incident, world.xss, world.other_trace):
        spans = trace_spans_located(world.store, trace_id)
        assert spans == trace_spans(world.store, trace_id)
        assert trace_scores_located(world.store, trace_id, spans) == scores_by_span(world.store, trace_id)
    assert len(scores_by_span(world.store, world.incident)[f"{world.incident}-gen"]) == 3
    assert trace_spans_located(world.store, world.other_trace, world.project) == []
    assert trace_spans_located(world.store, "no-such-trace") == []


def test_with_auth_off_the_console_needs_no_login(world):
    from fastapi.testclient import TestClient

    from console_helpers import NoPublisher
    from spyglass.api.app import create_app
    from spyglass.api.deps import ApiDeps

    with TestClient(create_app(ApiDeps(store=world.store, publisher=NoPublisher()))) as client:
        overview = client.get("/", params={"project": world.project}, follow_redirects=False)
        assert overview.status_code == 200 and "Requests" in overview.text and "Log out" not in overview.text
        assert client.get(f"/traces/{world.incident}").status_code == 200
