"""A reviewer labels an evaluator's verdict from the trace page; a read-only key cannot."""

from __future__ import annotations

import pytest

from spyglass.storage.reviews import confusion_counts
from test_console_pages import csrf_of, session

pytestmark = pytest.mark.integration


def test_label_a_verdict_from_the_trace_page(world):
    span = f"{world.incident}-gen"
    with session(world, world.keys["read"]) as viewer:
        page = viewer.get(f"/traces/{world.incident}", params={"span": span})
        assert page.status_code == 200 and 'class="inline review"' not in page.text, "no form without admin"
        refused = viewer.post(f"/traces/{world.incident}/review", data={
            "csrf": csrf_of(page.text), "span_id": span, "evaluator": "toxicity", "correct": "false"})
        assert refused.status_code == 403
    with session(world, world.keys["admin"]) as reviewer:
        page = reviewer.get(f"/traces/{world.incident}", params={"span": span})
        assert 'data-review-evaluator="toxicity"' in page.text and "toxicity is wrong" in page.text
        done = reviewer.post(f"/traces/{world.incident}/review", data={
            "csrf": csrf_of(page.text), "span_id": span, "evaluator": "toxicity", "correct": "true"})
        assert done.status_code == 303 and "reviewed=toxicity" in done.headers["location"]
        assert "label saved" in reviewer.get(done.headers["location"]).text
        forged = reviewer.post(f"/traces/{world.incident}/review", data={
            "csrf": "nope", "span_id": span, "evaluator": "toxicity", "correct": "false"})
        assert forged.status_code in (400, 403)
    counts = confusion_counts(world.store, world.project, 0, 4e9, "toxicity")
    assert [(c["tp"], c["fp"], c["fn"], c["tn"]) for c in counts] == [(1, 0, 0, 0)], "flagged and right: a TP"
