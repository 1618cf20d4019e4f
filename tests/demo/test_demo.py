"""The demo app: its schedule, and what each phase puts on the wire (captured in memory)."""

from __future__ import annotations

import pytest

import spyglass.sdk as spyglass
from spyglass.demo.incidents import INCIDENTS, PII_ANSWERS, TOXIC_ANSWERS, UNSUPPORTED_ANSWERS, Schedule
from spyglass.demo.knowledge import BY_SOURCE
from spyglass.demo.traffic import DemoTraffic
from spyglass.sdk.wire import validate_span


@pytest.fixture()
def sink():
    memory = spyglass.InMemorySink()
    spyglass.init(project="demo", service="support-bot", exporter=memory)
    yield memory
    spyglass.shutdown()


def run_phase(sink, phase: str, requests: int = 60) -> list[dict]:
    traffic = DemoTraffic(seed=3)
    for _ in range(requests):
        traffic.step(phase)
    assert spyglass.flush(10)
    return [validate_span(s) for s in sink.spans]


def llm_spans(spans):
    return [s for s in spans if s["kind"] == "llm" and s["name"] in ("chat", "summarize")]


def test_schedule_cycles_through_every_incident():
    schedule = Schedule(warmup_s=10, incident_s=5, gap_s=5)
    assert schedule.phase(0) == "normal" and schedule.phase(9.9) == "normal"
    seen = [schedule.phase(10 + i * 10 + 1) for i in range(len(INCIDENTS))]
    assert seen == list(INCIDENTS)
    assert schedule.phase(10 + 6) == "normal", "gaps between incidents are normal traffic"
    assert Schedule(incidents=()).phase(1e6) == "normal"


def test_normal_traffic_is_grounded_and_well_formed(sink):
    spans = run_phase(sink, "normal")
    assert {s["kind"] for s in spans} >= {"chain", "retrieval", "llm", "agent", "tool"}
    traces = {s["trace_id"] for s in spans}
    assert len(traces) == 60 and all(s["project"] == "demo" for s in spans)
    chats = [s for s in spans if s["name"] == "chat"]
    for chat in chats:
        assert chat["context"] and chat["completion"] and chat["status"] == "ok"
        assert all(sentence.strip() in " ".join(chat["context"]) for sentence in chat["completion"].split(". "))
    conversations = [s["conversation_id"] for s in chats]
    assert len(set(conversations)) < len(conversations), "conversations span several turns"
    assert len({s["model"] for s in llm_spans(spans)}) >= 3


def test_incident_phases_produce_their_failure(sink):
    toxic = llm_spans(run_phase(sink, "toxic"))
    assert all(s["completion"] in TOXIC_ANSWERS for s in toxic)
    sink.clear()
    assert all(s["completion"] in PII_ANSWERS for s in llm_spans(run_phase(sink, "pii")))
    sink.clear()
    unsupported = [s for s in llm_spans(run_phase(sink, "unsupported"))]
    assert unsupported and all(s["completion"] in UNSUPPORTED_ANSWERS.values() for s in unsupported)
    sink.clear()
    normal_ms = sorted(s["duration_ms"] for s in llm_spans(run_phase(sink, "normal")))
    sink.clear()
    slow_ms = sorted(s["duration_ms"] for s in llm_spans(run_phase(sink, "latency")))
    assert slow_ms[len(slow_ms) // 2] > 5 * normal_ms[len(normal_ms) // 2]
    sink.clear()
    errors = llm_spans(run_phase(sink, "errors"))
    assert 0.5 < sum(s["status"] == "error" for s in errors) / len(errors) < 0.9
    sink.clear()
    from spyglass.bias.lexicon import groups_in
    from spyglass.bias.refusal import is_refusal
    from spyglass.demo.incidents import BIAS_TARGET

    chats = [s for s in run_phase(sink, "bias", 300) if s["name"] == "chat"]
    target = [s for s in chats if ("age", BIAS_TARGET) in groups_in(s["prompt"])]
    others = [s for s in chats if s not in target]
    assert len(target) > 10 and sum(map(is_refusal, (s["completion"] for s in target))) > len(target) / 2
    assert not any(is_refusal(s["completion"]) for s in others)
    assert sum(bool(groups_in(s["prompt"])) for s in chats) > len(chats) / 4, "two in five questions name a group"
    sink.clear()
    drift = [s for s in run_phase(sink, "drift") if s["name"] == "chat"]
    assert {s["model"] for s in drift} == {"gpt-4o-mini-2026-11"} and {s["prompt_version"] for s in drift} == {"4"}
    assert min(len(s["prompt"]) for s in drift) > 150


def test_knowledge_answers_come_from_documents():
    for source, answer in UNSUPPORTED_ANSWERS.items():
        assert source in BY_SOURCE and answer not in BY_SOURCE[source].text


class StutteringClock:
    """A wall clock as a loaded machine sees it: each read far after the last, or stepped back (NTP)."""

    def __init__(self, steps: list[float]) -> None:
        import time

        self.now = time.time()
        self.steps = steps
        self.reads = 0

    def __call__(self) -> float:
        self.now += self.steps[self.reads % len(self.steps)]
        self.reads += 1
        return self.now


@pytest.mark.parametrize("steps", [[0.3], [0.2, -1.0, 0.05]], ids=["descheduled", "stepped-back"])
def test_spans_end_after_they_start_whatever_the_clock_does(sink, monkeypatch, steps):
    import time

    from spyglass.sdk import _llm, _span

    clock = StutteringClock(steps)
    for module in (_span, _llm):
        monkeypatch.setattr(module, "_now", clock)
    monkeypatch.setattr(time, "time", clock)
    traffic = DemoTraffic(seed=5)
    for phase in ("normal", "latency", "errors", "drift"):
        for _ in range(15):
            traffic.step(phase)
    monkeypatch.undo()
    assert spyglass.flush(10)
    spans = sink.spans
    assert len(spans) > 100 and clock.reads > 100
    bad = [(s["name"], s["start_time"], s["end_time"]) for s in spans if s["end_time"] < s["start_time"]]
    assert not bad
    for span in spans:
        validate_span(span)
