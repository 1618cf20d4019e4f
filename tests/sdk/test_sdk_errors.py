"""User exceptions are recorded and re-raised unchanged; no SDK problem ever reaches the app."""

from __future__ import annotations

import asyncio
import time

import pytest

import spyglass.sdk as spyglass
from spyglass.broker.embedded import free_port

from sdk_helpers import collected


class QuotaError(Exception):
    pass


def test_exception_is_recorded_and_reraised_unchanged(sink):
    original = QuotaError("over quota")

    @spyglass.observe(name="call")
    def call():
        raise original

    with pytest.raises(QuotaError) as caught:
        call()
    assert caught.value is original
    assert caught.traceback[-1].name == "call"  # the user's frame is still where it was raised
    span = collected(sink)["call"]
    assert span["status"] == "error" and span["error"] == "QuotaError: over quota"


def test_exceptions_in_blocks_coroutines_and_generators(sink):
    @spyglass.observe(name="coro")
    async def coro():
        raise KeyError("k")

    @spyglass.observe(name="gen")
    def gen():
        yield 1
        raise ValueError("bad item")

    with pytest.raises(RuntimeError, match="boom"):
        with spyglass.span("block"):
            raise RuntimeError("boom")
    with pytest.raises(KeyError):
        asyncio.run(coro())
    with pytest.raises(ValueError, match="bad item"):
        list(gen())
    spans = collected(sink)
    assert spans["block"]["error"] == "RuntimeError: boom"
    assert spans["coro"]["error"] == "KeyError: 'k'"
    assert spans["gen"]["error"] == "ValueError: bad item"


def test_exception_with_broken_str_is_still_reraised(sink):
    class Broken(Exception):
        def __str__(self):
            raise TypeError("no str for you")

    with pytest.raises(Broken):
        with spyglass.span("broken"):
            raise Broken()
    assert collected(sink)["broken"]["error"] == "Broken: <unprintable message>"


def test_bad_arguments_are_logged_not_raised(sink, sdk_warnings):
    @spyglass.observe(kind="not-a-kind", trace_id="forced")
    def f():
        return 1

    assert f() == 1
    with spyglass.span(None, kind=["unhashable"], span_id="x", metadata="not a dict") as s:  # type: ignore[arg-type]
        s.set(project="other", start_time="never")
    with spyglass.context(user_id=123, tags="not-a-list"):  # type: ignore[arg-type]
        spyglass.record_llm(model="m", prompt_tokens="many", name=None)  # type: ignore[arg-type]
    assert spyglass.observe(42) == 42  # type: ignore[arg-type]
    assert spyglass.flush(5)
    names = {span["name"]: span for span in sink.spans}
    assert names["test_bad_arguments_are_logged_not_raised.<locals>.f"]["kind"] == "other"
    assert "trace_id" != "forced" and all(span["trace_id"] != "forced" for span in sink.spans)
    assert names["None"]["project"] == "sdk-tests"
    text = sdk_warnings.text
    assert "not-a-kind" in text and "'project' is set by the SDK" in text and "context(user_id" in text


def test_unserialisable_metadata_is_sent_as_text(sink):
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with spyglass.span("objects", metadata={"when": object(), (1, 2): "tuple key", "n": 1.5}):
        pass
    with spyglass.span("cycle", metadata=cyclic):
        pass
    with spyglass.span("after"):
        pass
    spans = collected(sink)
    assert spans["objects"]["metadata"]["when"].startswith("<object object")
    assert spans["objects"]["metadata"]["n"] == 1.5
    assert "cycle" not in spans and "after" in spans  # only the unencodable span is lost
    assert spyglass.stats()["dropped"] == 1


def test_redaction_hook_changes_or_drops_spans_and_its_errors_drop_the_span(sdk_warnings):
    memory = spyglass.InMemorySink()

    def redact(span):
        if span["name"] == "secret":
            return None
        if span["name"] == "crash":
            raise RuntimeError("redactor bug")
        if "completion" in span:
            span["completion"] = span["completion"].replace("555-0100", "[PHONE]")
        return span

    spyglass.init(project="p", exporter=memory, redact=redact, flush_interval_s=0.02)
    spyglass.record_llm(model="m", completion="call 555-0100")
    for name in ("secret", "crash"):
        with spyglass.span(name):
            pass
    spans = collected(memory)
    assert list(spans) == ["llm"] and spans["llm"]["completion"] == "call [PHONE]"
    assert spyglass.stats()["dropped"] == 2
    assert "redaction hook raised" in sdk_warnings.text


def test_exporter_bug_is_counted_not_raised(sdk_warnings):
    class Broken:
        def export(self, record):
            raise ZeroDivisionError("exporter bug")

        def close(self):
            raise OSError("close bug")

    spyglass.init(project="p", exporter=Broken(), flush_interval_s=0.02)
    with spyglass.span("lost"):
        pass
    assert spyglass.flush(5)
    spyglass.shutdown(timeout_s=2)
    assert spyglass.stats()["failed"] == 1
    assert "exporter bug" in sdk_warnings.text


@pytest.mark.parametrize("destination", ["kafka_bootstrap", "api_url"])
def test_unreachable_destination_never_blocks_or_raises(destination, sdk_warnings):
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    spyglass.init(project="p", flush_interval_s=0.02, max_queue_size=100,
                  **{destination: address if destination == "kafka_bootstrap" else f"http://{address}"})
    started = time.monotonic()
    for i in range(1_000):
        with spyglass.span(f"s{i}"):
            pass
    assert time.monotonic() - started < 2  # the caller never waits for the network
    assert spyglass.flush(0.2) is False  # not delivered, and flush says so within its timeout
    spyglass.shutdown(timeout_s=0.5)
    assert time.monotonic() - started < 5
    counts = spyglass.stats()
    assert counts["sent"] == 0 and counts["dropped"] >= 900  # bounded queue of 100
    assert counts["queued"] + counts["dropped"] == 1_000
    assert "span queue full" in sdk_warnings.text


def test_spans_before_init_and_after_shutdown_cost_nothing_and_vanish(sink):
    spyglass.shutdown()
    spyglass.shutdown()  # idempotent
    with spyglass.span("after-shutdown"):
        pass
    assert spyglass.flush(1) is True
    assert sink.spans == []
