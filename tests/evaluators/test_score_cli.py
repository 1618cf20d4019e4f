"""`spyglass score` end to end: wire-format lines in, one JSON line per valid span out, bad lines on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _span(span_id: str, prompt: str, completion: str) -> dict:
    return {"trace_id": "trace-1", "span_id": span_id, "project": "demo", "name": "chat", "kind": "llm",
            "start_time": "2026-01-01T00:00:00Z", "model": "gpt-test", "prompt": prompt, "completion": completion}


@pytest.mark.slow
def test_score_reads_stdin_and_writes_one_line_per_span():
    lines = [
        json.dumps(_span("toxic", "Say something", "You are a stupid worthless idiot, shut up.")),
        "this is not json",
        json.dumps({"span_id": "no-trace"}),
        json.dumps(_span("leak", "Who is the contact?", "Write to bob.smith@example.org or call 212-555-0143.")),
        json.dumps(_span("clean", "Capital of Italy?", "The capital of Italy is Rome.")),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "spyglass.cli.main", "score", "--evaluator", "toxicity", "--evaluator", "pii",
         "--device", "cpu"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["span_id"] for o in out] == ["toxic", "leak", "clean"]
    assert "line 2" in proc.stderr and "line 3" in proc.stderr and "trace_id" in proc.stderr
    by_id = {o["span_id"]: o["scores"] for o in out}
    for scores in by_id.values():
        assert set(scores) == {"toxicity", "pii"}
        for score in scores.values():
            assert set(score) == {"score", "label", "flagged", "details"}
            assert 0.0 <= score["score"] <= 1.0
    assert by_id["toxic"]["toxicity"]["flagged"] and not by_id["clean"]["toxicity"]["flagged"]
    assert by_id["leak"]["pii"]["flagged"] and by_id["leak"]["pii"]["label"] == "leak"
    assert not by_id["clean"]["pii"]["flagged"]
    assert "bob.smith@example.org" not in proc.stdout
    assert "<EMAIL_ADDRESS>" in by_id["leak"]["pii"]["details"]["redacted_preview"]


def test_unknown_evaluator_is_a_clear_error():
    proc = subprocess.run([sys.executable, "-m", "spyglass.cli.main", "score", "--evaluator", "nope"],
                          input="", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "unknown evaluator" in proc.stderr and "nope" in proc.stderr
