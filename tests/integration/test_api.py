"""The embedded stack over real HTTP: POST /v1/spans -> Kafka -> ingest -> chDB -> GET /v1/traces."""

from __future__ import annotations

import time

import pytest

from support import unique_name, wait_for

pytestmark = pytest.mark.integration


def trace(project: str, trace_id: str, t0: float, conversation: str, model: str, error: bool = False) -> list[dict]:
    root = {"trace_id": trace_id, "span_id": f"{trace_id}-root", "project": project, "service": "bot",
            "name": "answer", "kind": "chain", "start_time": t0, "end_time": t0 + 2, "conversation_id": conversation,
            "user_id": "u1", "tags": ["rag", "beta"] if error else ["rag"]}
    llm = {"trace_id": trace_id, "span_id": f"{trace_id}-llm", "parent_span_id": root["span_id"],
           "project": project, "service": "bot", "name": "chat", "kind": "llm", "start_time": t0 + 0.5,
           "end_time": t0 + 1.5, "model": model, "prompt": [{"role": "user", "content": "hi"}],
           "completion": "hello", "prompt_tokens": 7, "completion_tokens": 3, "cost": 0.01,
           "status": "error" if error else "ok", "error": "TimeoutError: upstream" if error else None}
    retrieve = {"trace_id": trace_id, "span_id": f"{trace_id}-ret", "parent_span_id": root["span_id"],
                "project": project, "name": "retrieve", "kind": "retrieval", "start_time": t0 + 0.1,
                "end_time": t0 + 0.4, "context": ["doc one", {"content": "doc two", "source": "kb://2"}]}
    return [llm, root, retrieve]


def test_ready(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"clickhouse": True, "broker": True}


def test_posted_spans_are_listed_and_filtered(api):
    project = unique_name("p")
    t0 = time.time() - 600
    spans = []
    for i in range(12):
        spans += trace(project, f"{project}-t{i:02d}", t0 + i, f"conv-{i % 3}", "gpt" if i % 2 else "claude",
                       error=(i == 5))
    response = api.post("/v1/spans", json={"schema_version": 1, "spans": spans})
    assert response.status_code == 202 and response.json() == {"accepted": 36}
    listed = wait_for(lambda: len(api.get("/v1/traces", params={"project": project}).json()["traces"]) == 12 and
                      api.get("/v1/traces", params={"project": project}).json(), 60, message="12 traces")
    first = listed["traces"][0]
    assert first["trace_id"] == f"{project}-t11", "newest first"
    assert first["span_count"] == 3 and first["root_name"] == "answer" and first["total_tokens"] == 10
    assert first["duration_ms"] == pytest.approx(2000, abs=1)

    def ids(**params):
        return [t["trace_id"] for t in api.get("/v1/traces", params={"project": project, **params}).json()["traces"]]

    assert ids(status="error") == [f"{project}-t05"]
    assert ids(tag="beta") == [f"{project}-t05"]
    assert len(ids(conversation_id="conv-1")) == 4
    assert len(ids(model="gpt")) == 6
    assert ids(start=t0 + 9.6) == [f"{project}-t11", f"{project}-t10"]

    pages, cursor = [], None
    while True:
        page = api.get("/v1/traces", params={"project": project, "limit": 5, **({"cursor": cursor} if cursor else {})})
        pages.append([t["trace_id"] for t in page.json()["traces"]])
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [5, 5, 2]
    assert sum(pages, []) == [f"{project}-t{i:02d}" for i in range(11, -1, -1)]


def test_trace_tree(api):
    project = unique_name("p")
    assert api.post("/v1/spans", json=trace(project, f"{project}-tree", time.time() - 60, "c", "gpt")).status_code == 202
    tree = wait_for(lambda: api.get(f"/v1/traces/{project}-tree").status_code == 200
                    and api.get(f"/v1/traces/{project}-tree").json(), 60, message="trace")
    assert tree["span_count"] == 3 and tree["cost"] == pytest.approx(0.01)
    (root,) = tree["spans"]
    assert root["name"] == "answer"
    assert [c["name"] for c in root["children"]] == ["retrieve", "chat"], "children sorted by start"
    chat = root["children"][1]
    assert chat["prompt"] == "user: hi" and chat["completion"] == "hello" and chat["model"] == "gpt"
    assert root["children"][0]["context"] == ["doc one", "doc two"]
    assert api.get("/v1/traces/no-such-trace").status_code == 404


def test_bad_input_gets_4xx_with_reasons(api):
    bad = [{"trace_id": "t", "span_id": "a", "project": "p", "name": "n", "start_time": "yesterday"},
           {"trace_id": "t", "span_id": "b", "project": "p", "name": "n", "start_time": 1.0, "cost": -1}]
    response = api.post("/v1/spans", json={"schema_version": 1, "spans": bad})
    assert response.status_code == 422
    errors = response.json()["detail"]["errors"]
    assert [(e["index"], e["field"], e["span_id"]) for e in errors] == [(0, "start_time", "a"), (1, "cost", "b")]
    assert api.post("/v1/spans", content=b"{nope", headers={"content-type": "application/json"}).status_code == 400
    assert api.post("/v1/spans", json={"schema_version": 2, "spans": []}).status_code == 422
    assert api.post("/v1/spans", content=b"[" + b" " * (17 * 1024 * 1024) + b"]").status_code == 413
    assert api.get("/v1/traces", params={"start": "not a time"}).status_code == 400
    assert api.get("/v1/traces", params={"cursor": "garbage"}).status_code == 400
    assert api.get("/v1/traces", params={"limit": 0}).status_code == 422


def test_openapi_documents_the_wire_format(api):
    schema = api.get("/openapi.json").json()
    assert "/v1/spans" in schema["paths"] and "/v1/traces/{trace_id}" in schema["paths"]
    assert "trace_id" in schema["components"]["schemas"]["Span"]["properties"]
    assert api.get("/docs").status_code == 200


def test_sdk_over_http_drops_only_the_span_the_api_refuses(stack, api, monkeypatch):
    import spyglass.sdk as spyglass
    from spyglass.sdk.wire import MAX_TEXT_CHARS

    monkeypatch.delenv("SPYGLASS_KAFKA_BOOTSTRAP", raising=False)
    project = unique_name("p")
    spyglass.init(project=project, api_url=stack.api_url, api_key=stack.local_key, flush_interval_s=5)
    try:
        with spyglass.span("batch", kind="chain") as root:
            for i in range(11):
                spyglass.record_llm(model="m", prompt=f"q{i}", completion="fine")
            spyglass.record_llm(model="m", prompt="huge", completion="x" * (MAX_TEXT_CHARS + 1))
        assert spyglass.flush(30)
        counts = spyglass.stats()
    finally:
        spyglass.shutdown()
    assert counts["failed"] == 1 and counts["sent"] == 12, counts
    stored = wait_for(lambda: (r := api.get(f"/v1/traces/{root.trace_id}", params={"project": project})).status_code
                      == 200 and r.json()["span_count"] == 12 and r.json(), 60, message="the 12 good spans")
    assert stored["span_count"] == 12
