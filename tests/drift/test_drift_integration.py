"""A drift pass against the real chDB engine: seeded spans and scores in, drift_reports and /v1/drift out."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from spyglass.api.app import create_app
from spyglass.api.deps import ApiDeps
from spyglass.core.settings import DriftSettings
from spyglass.drift.monitor import DriftMonitor
from spyglass.drift.report import render_html
from spyglass.drift.scenarios import generate_window, window_spans
from spyglass.drift.service import DriftService
from spyglass.sdk.wire import validate_span
from spyglass.storage.evaluations import insert_evaluations
from spyglass.storage.spans import insert_spans
from support import unique_name, wait_for

pytestmark = pytest.mark.integration  # the real chDB

HOUR = 3600.0


class _NoPublisher:
    def publish(self, spans: list) -> int:
        return 0

    def connected(self) -> bool:
        return True


def _seed(store, embedded_pool, project: str, now: float) -> None:
    """Reference hour: stationary. Current hour: slower calls, a new model, higher toxicity scores."""
    rng = np.random.default_rng(42)
    for start, shift, toxicity in ((now - 2 * HOUR, None, 0.1), (now - HOUR, "latency", 0.3)):
        window = generate_window(embedded_pool.pool, 400, rng, shift)
        rows = [validate_span(s) for s in window_spans(embedded_pool.pool, window, project, "support-bot",
                                                        start, HOUR - 1)]
        if shift:  # a new model version takes a quarter of the traffic
            for row in rows[::4]:
                row["model"] = "gpt-4o-mini-2025-06"
        insert_spans(store, rows)
        insert_evaluations(store, [{
            "project": project, "trace_id": r["trace_id"], "span_id": r["span_id"], "service": r["service"],
            "model": r["model"], "environment": "", "span_start": r["start_time"], "evaluator": "toxicity",
            "version": "1", "score": float(rng.beta(2, 2 / toxicity - 2)), "label": "ok", "flagged": False,
            "details": {}} for r in rows])


def test_drift_pass_writes_reports_served_by_the_api(store, embedded_pool, drift_encoder):
    project, now = unique_name("drift"), time.time()
    _seed(store, embedded_pool, project, now)
    options = DriftSettings(current_minutes=60, reference_minutes=60, min_samples=50)
    run_id, reports = DriftMonitor(store, options, drift_encoder, project).run_once(now=now)

    stored = store.rows("SELECT model, feature, drifted, reference_n, current_n FROM drift_reports "
                        "WHERE run_id = {run:String}", parameters={"run": run_id})
    drifted = {(r["model"], r["feature"]) for r in stored if r["drifted"]}
    print(f"\nintegration: {len(stored)} report rows; drifted {sorted(drifted)}")
    assert ("*", "model") in drifted
    assert ("gpt-4o-mini", "latency_ms") in drifted and ("gpt-4o-mini", "score:toxicity") in drifted
    assert ("gpt-4o-mini", "prompt_length") not in drifted
    assert ("gpt-4o-mini", "prompt_embedding") in {(r["model"], r["feature"]) for r in stored}
    assert "<svg" in render_html(run_id, reports) and "latency_ms" in render_html(run_id, reports)

    client = TestClient(create_app(ApiDeps(store=store, publisher=_NoPublisher())))
    body = client.get("/v1/drift", params={"project": project, "drifted": "true"}).json()
    assert {(r["model"], r["feature"]) for r in body["reports"]} == drifted
    assert all(r["run_id"] == run_id and r["details"]["alpha"] == 0.01 for r in body["reports"])
    one = client.get("/v1/drift", params={"project": project, "feature": "latency_ms", "limit": 1}).json()["reports"]
    assert len(one) == 1 and one[0]["current_end"].endswith("Z") and one[0]["effect_size"] > 0.1
    assert client.get("/v1/drift", params={"start": "2030-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}
                      ).status_code == 400


def test_pinned_baseline_through_the_api_is_used_and_unpinned(store, embedded_pool, drift_encoder):
    project, now = unique_name("drift"), time.time()
    _seed(store, embedded_pool, project, now)
    client = TestClient(create_app(ApiDeps(store=store, publisher=_NoPublisher())))
    pin = {"project": project, "service": "support-bot", "reference_start": now - 2 * HOUR,
           "reference_end": now - 1.5 * HOUR}
    assert client.put("/v1/drift/baseline", json=pin).status_code == 200
    assert len(client.get("/v1/drift/baseline", params={"project": project}).json()["baselines"]) == 1

    options = DriftSettings(current_minutes=60, reference_minutes=60, min_samples=50)
    _, reports = DriftMonitor(store, options, None, project).run_once(now=now)
    assert reports and all(abs(r.reference[1] - (now - 1.5 * HOUR)) < 1e-3 for r in reports)
    assert all(f.reference_n < 250 for r in reports for f in r.features)  # half an hour of the reference

    assert client.request("DELETE", "/v1/drift/baseline",
                          params={"project": project, "service": "support-bot"}).json() == {"deleted": True}
    assert client.get("/v1/drift/baseline", params={"project": project}).json()["baselines"] == []
    assert client.request("DELETE", "/v1/drift/baseline",
                          params={"project": project, "service": "support-bot"}).status_code == 404


def test_service_runs_passes_until_stopped(store, embedded_pool):
    project = unique_name("drift")
    _seed(store, embedded_pool, project, time.time())
    service = DriftService(store, DriftSettings(current_minutes=60, reference_minutes=60, interval_s=0.05,
                                                min_samples=50), None)
    thread = threading.Thread(target=service.run)
    thread.start()
    try:
        wait_for(lambda: service.passes >= 1, timeout_s=30, message="a drift pass")
    finally:
        service.stop()
        service.stop()
        thread.join(timeout=30)
    assert not thread.is_alive() and service.failures == 0
    assert store.rows("SELECT count() AS n FROM drift_reports WHERE run_id = {r:String}",
                      parameters={"r": service.last_run_id})[0]["n"] > 0
