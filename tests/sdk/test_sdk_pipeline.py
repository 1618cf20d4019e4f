"""Queue bounds, flush/shutdown, sampling and configuration, with in-process exporters."""

from __future__ import annotations

import logging
import threading

import pytest

import spyglass.sdk as spyglass
from spyglass.sdk._config import resolve_settings
from spyglass.sdk._encode import encode_records
from spyglass.sdk._sampling import trace_sampled
from spyglass.sdk.wire import decode_record

from support import wait_for


class GatedSink(spyglass.InMemorySink):
    """An exporter that blocks until the test opens the gate, like a stalled broker."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.records = 0

    def export(self, record: bytes) -> None:
        self.gate.wait(10)
        self.records += 1
        super().export(record)


def test_full_queue_drops_and_counts_without_blocking_then_recovers():
    sink = GatedSink()
    spyglass.init(project="p", exporter=sink, max_queue_size=500, max_batch_size=100, flush_interval_s=0.01)
    for i in range(5_000):
        with spyglass.span("load", metadata={"i": i}):
            pass
    counts = spyglass.stats()
    assert counts["pending"] <= 500  # memory stays bounded while the exporter is stuck
    assert counts["dropped"] >= 5_000 - 500 - 100
    sink.gate.set()
    assert spyglass.flush(10)
    counts = spyglass.stats()
    assert counts["sent"] == len(sink.spans) == counts["queued"]
    assert counts["sent"] + counts["dropped"] == 5_000
    for i in range(300):  # after recovery nothing more is lost
        with spyglass.span("after"):
            pass
    assert spyglass.flush(10)
    assert sum(1 for span in sink.spans if span["name"] == "after") == 300


def test_batches_hold_many_spans_per_record():
    sink = GatedSink()
    sink.gate.set()
    spyglass.init(project="p", exporter=sink, max_batch_size=250, flush_interval_s=5)
    for _ in range(1_000):
        spyglass.record_llm(model="m", completion="ok")
    assert spyglass.flush(10)  # flush does not wait for the 5 s timer
    assert len(sink.spans) == 1_000 and sink.records <= 8


def test_shutdown_delivers_everything_and_is_idempotent():
    sink = spyglass.InMemorySink()
    spyglass.init(project="p", exporter=sink, flush_interval_s=60)
    for _ in range(2_000):
        with spyglass.span("work"):
            pass
    spyglass.shutdown()
    spyglass.shutdown()
    assert len(sink.spans) == 2_000
    assert spyglass.stats()["sent"] == 2_000


def test_sampling_keeps_or_drops_whole_traces():
    sink = spyglass.InMemorySink()
    spyglass.init(project="p", exporter=sink, sample_rate=0.3, flush_interval_s=0.02)
    for _ in range(1_000):
        with spyglass.span("root"):
            with spyglass.span("child"):
                spyglass.record_llm(model="m")
    assert spyglass.flush(5)
    by_trace: dict[str, list[str]] = {}
    for span in sink.spans:
        by_trace.setdefault(span["trace_id"], []).append(span["name"])
    assert all(sorted(names) == ["child", "llm", "root"] for names in by_trace.values())
    assert 200 < len(by_trace) < 400
    assert spyglass.stats()["sampled_out"] == 3 * (1_000 - len(by_trace))


def test_sampling_decision_is_a_stable_function_of_the_trace_id():
    ids = [f"{i:032x}" for i in range(10_000)]
    kept = [trace_id for trace_id in ids if trace_sampled(trace_id, 0.25)]
    assert 2_200 < len(kept) < 2_800
    assert kept == [trace_id for trace_id in ids if trace_sampled(trace_id, 0.25)]
    assert set(kept) <= {trace_id for trace_id in ids if trace_sampled(trace_id, 0.5)}
    assert all(trace_sampled(t, 1.0) for t in ids[:10]) and not any(trace_sampled(t, 0.0) for t in ids[:10])


def test_settings_argument_beats_environment_beats_default(caplog):
    caplog.set_level(logging.WARNING, logger="spyglass.sdk")
    env = {"SPYGLASS_PROJECT": "from-env", "SPYGLASS_SERVICE": "svc-env", "SPYGLASS_SAMPLE_RATE": "0.5",
           "SPYGLASS_KAFKA_BOOTSTRAP": "kafka:9092", "SPYGLASS_MAX_QUEUE_SIZE": "lots",
           "SPYGLASS_ENVIRONMENT": "staging", "SPYGLASS_RELEASE": "1.2.3"}
    settings = resolve_settings({"project": "from-arg", "sample_rate": 7, "flush_interval_s": None}, env)
    assert settings.project == "from-arg"
    assert settings.service == "svc-env" and settings.kafka_bootstrap == "kafka:9092"
    assert settings.sample_rate == 0.5  # the bad argument fell back to the environment
    assert settings.max_queue_size == 20_000  # the bad variable fell back to the default
    assert (settings.environment, settings.release) == ("staging", "1.2.3")
    assert "init(sample_rate=...)=7" in caplog.text and "SPYGLASS_MAX_QUEUE_SIZE='lots'" in caplog.text


def test_init_reads_environment_and_stamps_static_fields(monkeypatch):
    monkeypatch.setenv("SPYGLASS_PROJECT", "env-project")
    monkeypatch.setenv("SPYGLASS_ENVIRONMENT", "prod")
    monkeypatch.setenv("SPYGLASS_RELEASE", "v9")
    sink = spyglass.InMemorySink()
    spyglass.init(exporter=sink, service="api")
    with spyglass.span("one"):
        pass
    assert spyglass.flush(5)
    span = sink.spans[0]
    assert (span["project"], span["service"], span["environment"], span["release"]) == \
        ("env-project", "api", "prod", "v9")


def test_the_worker_drops_none_values_and_reads_provider_message_objects():
    class Message:  # a provider SDK's message object, read by attribute
        role, content = "user", "hi"

    sink = spyglass.InMemorySink()
    spyglass.init(exporter=sink, project="p", service="api")
    spyglass.record_llm(model="m", prompt=[{"role": "system", "content": "be brief"}, "plain"], name="dicts")
    spyglass.record_llm(model="m", prompt=[Message()], provider=None, name="objects", service="worker")
    assert spyglass.flush(5)
    spans = {span["name"]: span for span in sink.spans}
    assert spans["dicts"]["prompt"] == [{"role": "system", "content": "be brief"}, "plain"]
    assert spans["objects"]["prompt"] == [{"role": "user", "content": "hi"}]
    assert "provider" not in spans["objects"] and "cost" not in spans["dicts"]  # None values are not sent
    assert (spans["dicts"]["service"], spans["objects"]["service"]) == ("api", "worker")  # the span's own wins
    assert spans["objects"]["project"] == "p"


def test_init_without_destination_warns_and_records_nothing(monkeypatch, caplog):
    for name in ("SPYGLASS_KAFKA_BOOTSTRAP", "SPYGLASS_API_URL"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.WARNING, logger="spyglass.sdk")
    spyglass.init(project="p", exporter="not an exporter")  # type: ignore[arg-type]
    with spyglass.span("nowhere"):
        pass
    assert spyglass.flush(1) and spyglass.stats() == {}
    assert "no destination configured" in caplog.text and "has no export()" in caplog.text


def test_encode_records_splits_oversized_batches_and_drops_oversized_spans():
    spans = [{"span_id": str(i), "completion": "x" * 400} for i in range(10)]
    records, dropped = encode_records(spans + [{"span_id": "huge", "completion": "y" * 5_000}], max_bytes=2_000)
    assert dropped == 1
    assert all(len(record) <= 2_000 for record, _ in records)
    decoded = [span["span_id"] for record, _ in records for span in decode_record(record)]
    assert decoded == [str(i) for i in range(10)]
    assert sum(count for _, count in records) == 10


def test_spans_from_many_threads_all_arrive():
    sink = spyglass.InMemorySink()
    spyglass.init(project="p", exporter=sink, flush_interval_s=0.01, max_batch_size=64)

    def produce():
        for _ in range(2_000):
            with spyglass.span("t"):
                pass

    threads = [threading.Thread(target=produce) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: len(sink.spans) == 8_000, 10, message="8000 spans exported")
    assert spyglass.stats()["queued"] == 8_000


@pytest.mark.parametrize("rate", ["0.0", "1"])
def test_sample_rate_extremes_from_environment(monkeypatch, rate):
    monkeypatch.setenv("SPYGLASS_SAMPLE_RATE", rate)
    sink = spyglass.InMemorySink()
    spyglass.init(project="p", exporter=sink)
    with spyglass.span("x"):
        pass
    assert spyglass.flush(5)
    assert len(sink.spans) == (0 if rate == "0.0" else 1)
