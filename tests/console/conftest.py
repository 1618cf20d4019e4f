"""One console server over one seeded database, and one headless Chromium, for the whole session.

The browser is Debian's ``chromium`` driven by Playwright's Python package (``executable_path``;
``playwright install`` is never needed). ``.ci/run`` installs chromium where it is missing.
"""

from __future__ import annotations

import shutil
import threading

from dataclasses import dataclass, field

import orjson
import pytest

from console_helpers import NoPublisher
from console_seed import background, drift_rows, incident_trace, now, xss_trace
from support import unique_name, wait_for

@dataclass
class World:
    url: str
    project: str
    other_project: str
    incident: str
    xss: str
    other_trace: str
    keys: dict[str, str]
    alert_id: str
    notices: list[dict] = field(default_factory=list)
    store: object = None


def _serve(app) -> tuple[object, threading.Thread, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 20, 0.05, "the console server")
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def world(chdb_path, tmp_path_factory):
    """A project with an incident trace, quiet traffic, an XSS trace and a firing alert; another project."""
    from spyglass.alerts.channels import Channel
    from spyglass.alerts.engine import AlertEngine
    from spyglass.alerts.rules import parse_rule
    from spyglass.api.app import create_app
    from spyglass.api.auth import KeyVerifier
    from spyglass.api.deps import ApiDeps
    from spyglass.storage import Store, migrate
    from spyglass.storage import alerts as db
    from spyglass.storage.drift import insert_drift_reports
    from spyglass.storage.evaluations import insert_evaluations
    from spyglass.storage.keys import create_key
    from spyglass.storage.spans import insert_spans

    store = Store(f"chdb://{chdb_path}", unique_name("console"))
    migrate(store)
    project, other = unique_name("shop"), unique_name("rival")
    t = now()
    spans, scores = background(project, 30, t)
    incident = unique_name("incident")
    more, bad = incident_trace(project, incident, t - 120)
    xss = unique_name("xss")
    other_trace = unique_name("theirs")
    theirs, _ = incident_trace(other, other_trace, t - 60)
    insert_spans(store, spans + more + xss_trace(project, xss, t - 90) + theirs)
    insert_evaluations(store, scores + bad)
    insert_drift_reports(store, drift_rows(project, t))
    keys = {"operator": create_key(store, "*", ["ingest", "read", "admin"], "operator")[1],
            "read": create_key(store, project, ["read"], "viewer")[1],
            "admin": create_key(store, project, ["read", "admin"], "project admin")[1],
            "ingest": create_key(store, project, ["ingest"], "ingest only")[1]}
    app = create_app(ApiDeps(store=store, publisher=NoPublisher(), auth=KeyVerifier(store)))
    server, thread, url = _serve(app)
    log = tmp_path_factory.mktemp("alerts") / "alerts.jsonl"
    rule = parse_rule({"name": "Unsupported answers", "metric": "flag_rate:hallucination",
                       "threshold": 0.5, "window": "30m", "min_samples": 1, "severity": "critical",
                       "channels": ["log"], "filters": {"project": [project]}})
    db.save_rule(store, rule.id, rule.name, rule.to_dict(), "api")
    engine = AlertEngine(store, [Channel("log", "log", path=str(log))], interval_s=0.1, public_url=url)
    engine.start()
    engine.tick()
    engine.dispatcher.close(timeout_s=10)
    engine._record_deliveries()
    notices = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    alert_id = notices[0]["alert_id"]
    yield World(url, project, other, incident, xss, other_trace, keys, alert_id, notices, store)
    server.should_exit = True
    thread.join(10)
    store.command(f"DROP DATABASE IF EXISTS {store.database}")
    store.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (CI has two cores).

    Not per session: Playwright's sync API keeps an event loop running on the main thread while
    it is open, and later tests that call ``asyncio.run`` would fail.
    """
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture()
def page(browser):
    """A fresh context (no cookies) and page; any JavaScript dialog fails the test that opened it."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()
