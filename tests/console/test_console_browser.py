"""The console in a real headless Chromium: log in, charts, alert -> trace, evidence, ack, XSS, 404."""

from __future__ import annotations

import httpx
import pytest

from console_helpers import log_in, shot
from console_seed import EMAIL, UNSUPPORTED, XSS_COMPLETION
from support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_log_in_and_overview_charts_are_drawn(page, world):
    log_in(page, world, world.keys["operator"], f"/?project={world.project}")
    assert page.url.endswith(f"/?project={world.project}"), "the deep link survives the login"
    charts = page.locator("figure.chart")
    assert charts.count() >= 7, "six span metrics and the evaluators' flag rates"
    requests = page.locator("figure.chart", has_text="Requests")
    assert int(requests.get_attribute("data-points")) > 0
    assert requests.locator("polyline.series").count() >= 1
    box = requests.locator("svg").bounding_box()
    assert box["width"] > 200 and box["height"] > 50, "the chart is laid out, not collapsed"
    assert page.locator("figure.chart", has_text="toxicity flag rate").locator("polyline, circle").count() >= 1
    assert page.locator("text=Unsupported answers").count() >= 1, "the firing alert is listed"
    shot(page, "overview.png")


def test_follow_the_alert_link_to_the_trace_and_its_evidence(page, world):
    firing = world.notices[0]
    assert firing["status"] == "firing"
    trace_link = next(link["href"] for link in firing["links"] if "/traces/" in link["href"])
    assert trace_link == f"{world.url}/traces/{world.incident}"
    log_in(page, world, world.keys["operator"], trace_link.removeprefix(world.url))
    assert page.url == trace_link
    rows = page.locator(".waterfall .span")
    names = [rows.nth(i).locator(".name a").inner_text() for i in range(rows.count())]
    depths = [int(rows.nth(i).get_attribute("data-depth")) for i in range(rows.count())]
    assert names == ["POST /chat", "retrieve policy", "generate answer", "lookup order"]
    assert depths == [0, 1, 1, 2], "nested spans in start order, children under their parents"
    bars = [rows.nth(i).locator("i.bar").bounding_box() for i in range(rows.count())]
    assert bars[0]["x"] < bars[1]["x"] < bars[2]["x"] < bars[3]["x"], "offsets to scale"
    assert bars[0]["width"] > bars[2]["width"] > bars[1]["width"] > bars[3]["width"], "durations to scale"
    assert "error" in rows.nth(3).get_attribute("class")
    detail = page.locator("#detail")
    assert detail.get_attribute("data-span-id") == f"{world.incident}-gen", "the flagged span opens first"
    claims = detail.locator("[data-evaluator=hallucination] table.claims")
    assert UNSUPPORTED in claims.locator("td.claim").inner_text()
    assert "within 30 days" in claims.locator("td.best").inner_text()
    assert detail.locator("pre.completion mark.toxic").inner_text() == "You are an idiot"
    assert "insult" in detail.locator("[data-evaluator=toxicity]").inner_text()
    assert "<EMAIL_ADDRESS>" in detail.locator("pre.completion").inner_text()
    assert EMAIL not in page.content()
    shot(page, "trace.png")


def test_acknowledge_the_alert_on_its_page(page, world):
    log_in(page, world, world.keys["operator"], f"/alerts/{world.alert_id}")
    assert page.locator("a.example-trace").count() >= 1
    assert page.locator("a.example-trace").first.get_attribute("href").startswith("/traces/")
    page.fill("form[action$='/ack'] input[name=comment]", "looking into it")
    page.click("#ack")
    page.wait_for_load_state()
    assert page.locator("#acknowledged").is_visible()
    shot(page, "alert.png")
    headers = {"Authorization": f"Bearer {world.keys['operator']}"}
    with httpx.Client(base_url=world.url, headers=headers, timeout=30) as api:
        alerts = wait_for(lambda: api.get("/v1/alerts", params={"project": world.project}).json()["alerts"],
                          message="the alert in /v1/alerts")
        assert [(a["alert_id"], a["acknowledged"]) for a in alerts] == [(world.alert_id, True)]


def test_html_in_spans_is_text_and_runs_nothing(page, world):
    log_in(page, world, world.keys["read"], f"/traces/{world.xss}?span={world.xss}-gen")
    assert page.locator("pre.completion").inner_text() == XSS_COMPLETION
    assert "<script>alert('prompt')</script>" in page.locator("ol.messages").inner_text()
    assert page.locator(".waterfall .name a").first.inner_text() == "<b onmouseover=alert(3)>bold</b>"
    page.locator(".waterfall .name a").first.hover()
    assert page.locator("#detail img, #detail script, td.name b").count() == 0
    page.goto(f"{world.url}/traces?project={world.project}&q=onerror")
    assert page.locator("table.traces tr", has_text="bold").count() == 1
    assert page.dialogs == [], "no script ran"


def test_another_projects_trace_is_404_and_scope_is_enforced(page, world):
    log_in(page, world, world.keys["read"], "/")
    response = page.goto(f"{world.url}/traces/{world.other_trace}")
    assert response.status == 404 and "not found" in page.inner_text("main")
    assert page.goto(f"{world.url}/keys").status == 403
    assert page.locator("header nav a", has_text="Keys").count() == 0
    alert = page.goto(f"{world.url}/alerts/{world.alert_id}")
    assert alert.status == 200 and page.locator("#ack").count() == 0, "read scope: no acknowledge button"


def test_drift_page_plots_reference_against_current(page, world):
    log_in(page, world, world.keys["read"], f"/drift?project={world.project}")
    latency = page.locator("figure.feature", has_text="latency_ms")
    assert "drifted" in latency.get_attribute("class") and "p 1e-12" in latency.inner_text()
    assert latency.locator("rect.ref").count() == 10 and latency.locator("rect.cur").count() == 10
    assert "stable" in page.locator("figure.feature", has_text="model").inner_text()
    shot(page, "drift.png")


def test_docs_render_offline_with_the_bearer_scheme(page, world):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{world.url}/docs")
    page.wait_for_selector(".swagger-ui .information-container .title", timeout=30_000)
    assert "Spyglass" in page.inner_text(".swagger-ui .information-container .title")
    page.click(".scheme-container button.authorize")
    assert page.locator(".auth-container", has_text="apiKey").count() >= 1
    page.fill(".auth-container input", world.keys["read"])
    page.click(".auth-btn-wrapper button.authorize")
    page.click("button.close-modal")
    operation = page.locator("#operations-traces-get_traces_v1_traces_get")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip() == "200", "Try it out sends the key"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_bias_page_lists_segments_with_their_disparity(page, world):
    import random

    from console_seed import llm, now
    from spyglass.bias.monitor import run_bias
    from spyglass.storage.spans import insert_spans
    from support import unique_name

    project, rng, t = unique_name("bias"), random.Random(5), now() - 600
    phrases = {"older people": "my elderly neighbour", "women": "my wife", "muslims": "a Muslim family"}
    spans = []
    for group, phrase in phrases.items():
        for i in range(60):
            refused = rng.random() < (0.6 if group == "older people" else 0.03)
            trace = f"{project}-{group[:3]}-{i}"
            spans.append(llm(project, trace, trace, "", t + i, 800 + rng.random() * 100,
                             "I'm sorry, but I can't help with that request." if refused
                             else "Open the Billing page and choose Refund; it takes five days.",
                             question=f"Can {phrase} get a refund?"))
    insert_spans(world.store, spans)
    _, found = run_bias(world.store, project, t - 60, now())
    assert [(c.segment, c.outcome) for c in found if c.disparate] == [("older people", "refusal")]

    log_in(page, world, world.keys["operator"], f"/bias?project={project}")
    assert page.locator("header nav a.on", has_text="Bias").count() == 1
    rows = page.locator("table.bias tr[data-segment]")
    assert rows.count() == len(found) and rows.count() >= 6, "every segment against the rest, per outcome"
    first = rows.first
    assert first.get_attribute("data-segment") == "older people" and first.get_attribute("data-outcome") == "refusal"
    assert "disparate" in first.get_attribute("class") and "disparate" in first.inner_text()
    assert page.locator("table.bias tr.disparate").count() == 1
    outcomes = {rows.nth(i).get_attribute("data-outcome") for i in range(rows.count())}
    assert {"refusal", "completion_length", "latency_ms"} <= outcomes, "measures beside the rates"
    bars = first.locator("svg.disparity rect")
    seg_w, rest_w = (float(bars.nth(i).get_attribute("width")) for i in (0, 1))
    assert seg_w > 5 * rest_w, "the segment's refusal rate drawn against the rest's"
    assert "1 disparate" in page.inner_text("main")
    shot(page, "bias.png")
    assert page.goto(f"{world.url}/bias?project={world.other_project}").status == 200
    viewer = page.context.browser.new_context().new_page()  # logged in with a key of world.project
    log_in(viewer, world, world.keys["read"], f"/bias?project={world.project}")
    assert viewer.locator("header nav a.on", has_text="Bias").count() == 1
    assert viewer.goto(f"{world.url}/bias?project={project}").status == 403, "a key of another project"
    viewer.context.close()
