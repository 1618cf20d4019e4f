"""The README's SDK example, run as printed: over HTTP with an ingest-scoped key, and over Kafka.

Only what a reader must change is substituted: the addresses, the key, and the project name
(unique per run); ``search`` and ``llm`` are the reader's own functions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

import spyglass.sdk as spyglass
from spyglass.broker import ensure_topics
from spyglass.sdk.wire import decode_record
from support import unique_name, wait_for

pytestmark = pytest.mark.integration
README = (Path(__file__).parents[2] / "README.md").read_text()
SECTION = README[README.index("## Instrumenting an app (SDK)"):README.index("## Demo traffic")]
SNIPPET = re.findall(r"```python\n(.*?)```", SECTION, re.S)[0]
HTTP_LINE = re.search(r'^# (spyglass\.init\(project="support-bot", api_url=.*)$', SNIPPET, re.M)


def run_snippet(code: str) -> None:
    def search(question: str) -> list[str]:
        return ["Refunds take 5 days."]

    def llm(question: str, docs: list[str]) -> str:
        return "Your refund arrives within 5 days."

    scope = {"search": search, "llm": llm}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    assert scope["answer"]("When is my refund?") == "Your refund arrives within 5 days."
    assert spyglass.flush(30)
    spyglass.shutdown()


def test_the_http_variant_reaches_the_store(stack, api):
    assert HTTP_LINE, "the README shows an HTTP init line with an api_key"
    project = unique_name("readme")
    key = api.post("/v1/keys", json={"project": project, "scopes": ["ingest"]}).json()["key"]
    lines = SNIPPET.replace(HTTP_LINE.group(0), HTTP_LINE.group(1)).splitlines()
    code = "\n".join(line for line in lines if "kafka_bootstrap=" not in line)  # the HTTP variant only
    code = code.replace("http://spyglass:8000", stack.api_url).replace("sg_...", key)
    run_snippet(code.replace("support-bot", project))
    traces = wait_for(lambda: api.get("/v1/traces", params={"project": project}).json()["traces"], 60,
                      message="the README example's trace")
    url = f"/v1/traces/{traces[0]['trace_id']}"
    wait_for(lambda: api.get(url).json()["span_count"] == 3, 60, message="the trace's three spans")
    (root,) = api.get(url).json()["spans"]  # a tree: the agent span with its children
    spans = [root, *root["children"]]
    assert sorted(s["kind"] for s in spans) == ["agent", "llm", "retrieval"]
    llm_span = next(s for s in spans if s["kind"] == "llm")
    assert llm_span["model"] == "gpt-4o-mini" and llm_span["context"] == ["Refunds take 5 days."]


def test_the_kafka_variant_sends_to_the_span_topic(broker):
    project = unique_name("readme")
    ensure_topics(broker.bootstrap, {"spyglass.spans": 4})  # the SDK's default topic
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=1000)
    partitions = [TopicPartition("spyglass.spans", p) for p in consumer.partitions_for_topic("spyglass.spans")]
    consumer.assign(partitions)  # no group: read every partition from where it ends now
    consumer.seek_to_end(*partitions)
    for partition in partitions:
        consumer.position(partition)
    run_snippet(SNIPPET.replace("kafka:9092", broker.bootstrap).replace("support-bot", project))

    def spans_of_project() -> list[dict]:
        found = []
        for record in consumer:  # the client undoes the producer's lz4 compression
            found += [s for s in decode_record(record.value) if s.get("project") == project]
        return found

    spans: list[dict] = []
    wait_for(lambda: spans.extend(spans_of_project()) or len(spans) >= 3, 60, message="3 spans on the topic")
    consumer.close()
    assert sorted(s["kind"] for s in spans) == ["agent", "llm", "retrieval"]
