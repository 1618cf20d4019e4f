"""spyglass.score never raises into the app, whatever it is given and wherever the backend is."""

from __future__ import annotations

import spyglass.sdk as spyglass
from spyglass.sdk import _client


def test_score_never_raises_and_counts_what_it_drops():
    spyglass.shutdown()
    spyglass.score("thumbs_up", True, trace_id="t")  # before init: ignored
    spyglass.init(project="p", api_url="http://127.0.0.1:9", flush_interval_s=0.05)  # nothing listens there
    try:
        spyglass.score("thumbs_up", object(), trace_id="t")  # not a number, bool or category
        spyglass.score("", 1, trace_id="t")  # no name
        spyglass.score("thumbs_up", False)  # no trace and no current span
        with spyglass.span("work") as current:
            spyglass.score("thumbs_up", True)  # the current span's trace
        assert current.trace_id
        spyglass.flush(0.3)
        worker = _client.active.score_worker
    finally:
        spyglass.shutdown(0.2)
    assert worker.discarded == 3, "the three invalid scores are dropped and counted"
    assert worker.sent == 0 and worker.taken == 4, "the valid one was taken; nothing reached the dead address"
