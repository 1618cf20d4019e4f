"""End to end through the embedded stack: toxic spans posted to the API page a webhook once."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from spyglass.alerts.channels import Channel
from spyglass.alerts.engine import AlertEngine
from spyglass.alerts.rules import parse_rule
from spyglass.core.settings import load_settings
from spyglass.cli.stack import Stack
from spyglass.storage import Store
from support import unique_name, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOXIC = "You are a worthless idiot and everyone hates you, shut up you stupid moron."
CLEAN = "Refunds are accepted within 30 days of delivery with the original receipt."


def test_toxic_spans_through_the_stack_page_the_webhook_once(broker, chdb_path, receiver, tmp_path):
    settings = load_settings(
        clickhouse_dsn=f"chdb://{chdb_path}", clickhouse_database=unique_name("alerts"),
        kafka_bootstrap=broker.bootstrap, spans_topic=unique_name("spans"), dlq_topic=unique_name("dlq"),
        api_port=0, ingest_batch_ms=50, eval_batch_ms=50, ingest_group=unique_name("ingest"),
        evaluator_group=unique_name("evaluators"), evaluators=["toxicity"], local_key_path=str(tmp_path / "key"))
    project = unique_name("e2e")
    rule = parse_rule({"name": "Toxic responses", "metric": "flag_rate:toxicity", "threshold": 0.5,
                       "min_samples": 4, "filters": {"project": project}, "channels": ["oncall"]})
    with Stack(settings, alerts=False) as stack:  # this test runs its own engine
        engine = AlertEngine(Store(settings.storage.dsn, settings.storage.database),
                             [Channel("oncall", "webhook", url=receiver.url, secret="k")], [rule],
                             interval_s=0.25, public_url=stack.api_url)
        thread = threading.Thread(target=engine.run, daemon=True)
        thread.start()
        try:
            now = time.time()
            spans = [{"trace_id": f"{project}-{i}", "span_id": f"{project}-{i}-llm", "project": project,
                      "name": "chat", "kind": "llm", "start_time": now, "end_time": now + 0.5, "model": "gpt-4o-mini",
                      "prompt": "How do refunds work?", "completion": TOXIC if i < 5 else CLEAN} for i in range(6)]
            with httpx.Client(base_url=stack.api_url, timeout=30, headers=stack.auth_headers) as api:
                assert api.post("/v1/spans", json=spans).status_code == 202
                body = wait_for(receiver.bodies, 120, message="the webhook page")[0]
                ticks = engine.ticks
                wait_for(lambda: engine.ticks >= ticks + 8, 20, message="more engine ticks")
                assert len(receiver.bodies()) == 1, "a burst pages once, not once per span"
                assert body["status"] == "firing" and body["labels"]["project"] == project
                assert body["value"] == pytest.approx(5 / 6) and body["samples"] == 6
                trace_link = next(link["href"] for link in body["links"] if "/traces/" in link["href"])
                assert trace_link.startswith(f"{stack.api_url}/traces/")  # console pages: the same query in /v1
                # ingest and the evaluators read the topic in separate groups, so on a busy machine the
                # page can come before ingest has stored the spans it links to: wait for them, not for luck
                trace_url = "/v1" + trace_link.removeprefix(stack.api_url)
                wait_for(lambda: api.get(trace_url).status_code == 200, 60, message="the linked trace stored")
                list_url = "/v1" + body["links"][0]["href"].removeprefix(stack.api_url)
                wait_for(lambda: len(api.get(list_url).json()["traces"]) == 5, 30, message="the 5 flagged traces listed")
                alerts = api.get("/v1/alerts", params={"project": project}).json()["alerts"]
                assert [a["alert_id"] for a in alerts] == [body["alert_id"]]
                assert TOXIC not in str(receiver.bodies())
        finally:
            engine.stop()
            thread.join(30)
