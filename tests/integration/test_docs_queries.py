"""Every SQL example in docs/schema.md runs as written against seeded data and returns rows."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from spyglass.sdk.wire import validate_span
from spyglass.storage.evaluations import insert_evaluations
from spyglass.storage.spans import insert_spans

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from traffic import generate_spans  # noqa: E402

pytestmark = pytest.mark.integration
DOC = Path(__file__).parents[2] / "docs" / "schema.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)


def test_doc_has_ten_queries():
    assert len(QUERIES) >= 10


@pytest.fixture(scope="module")
def seeded(chdb_path):
    from spyglass.storage import Store, migrate

    store = Store(f"chdb://{chdb_path}", "docs_examples")
    migrate(store)
    spans = generate_spans(2000, start=time.time() - 1800)
    for i, span in enumerate(spans):
        if i % 50 == 0:
            span.update(status="error", error="TimeoutError: upstream timed out")
        if i % 7 == 0:
            span["conversation_id"] = "conv-1"
    insert_spans(store, [validate_span(s) for s in spans])
    insert_evaluations(store, [
        {"project": s["project"], "trace_id": s["trace_id"], "span_id": s["span_id"], "service": s["service"],
         "model": s["model"], "environment": s["environment"], "span_start": s["start_time"], "evaluator": evaluator,
         "version": "1", "score": (i % 10) / 10, "label": "flagged" if i % 10 >= 8 else "ok", "flagged": i % 10 >= 8,
         "details": {}}
        for i, s in enumerate(spans) if s["kind"] == "llm" for evaluator in ("toxicity", "pii", "hallucination")])
    yield store
    store.command("DROP DATABASE docs_examples")


@pytest.mark.parametrize("number", range(len(QUERIES)))
def test_example_query_returns_rows(seeded, number):
    rows = seeded.rows(QUERIES[number])
    assert rows, f"example {number + 1} returned nothing"
