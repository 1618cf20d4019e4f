"""Errors through the real API: a caller's mistake is a 4xx naming it, a bug is a 500 (never a 4xx)."""

from __future__ import annotations

from fastapi.testclient import TestClient

import spyglass.storage.traces


def test_a_bad_cursor_is_400_and_a_missing_trace_404(client, seeded):
    project = seeded[1].project
    for cursor in ("garbage", "bm90LWEtY3Vyc29y", "%%%"):
        reply = client.get("/v1/traces", params={"project": project, "cursor": cursor})
        assert reply.status_code == 400 and "cursor" in reply.json()["detail"]
    assert client.get("/v1/traces/no-such-trace", params={"project": project}).status_code == 404


def test_a_bug_inside_the_database_call_is_500_not_a_bad_cursor(client, seeded, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug, not the caller's fault")

    first = client.get("/v1/traces", params={"project": seeded[1].project, "limit": 1}).json()
    assert first["next_cursor"], "the seeded project has more than one trace"
    # the store's read fails the way a bug would: a ValueError with nothing to do with the cursor
    monkeypatch.setattr(spyglass.storage.traces.Store, "rows", broken)
    plain = TestClient(client.app, raise_server_exceptions=False)  # no lifespan: the shared app stays open
    reply = plain.get("/v1/traces", params={"project": seeded[1].project, "cursor": first["next_cursor"]})
    assert reply.status_code == 500
