"""Parent/child nesting and inherited attributes across calls, threads, tasks and generators."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import spyglass.sdk as spyglass
from spyglass.sdk.wire import validate_span

from sdk_helpers import collected


def test_decorated_calls_and_blocks_nest_into_one_trace(sink):
    @spyglass.observe(kind="agent")
    def answer(question):
        with spyglass.span("retrieve", kind="retrieval") as step:
            step.set(context=["doc one", {"content": "doc two", "source": "kb/2"}])
        spyglass.record_llm(model="gpt-x", provider="openai", prompt=[{"role": "user", "content": question}],
                            completion="42", prompt_tokens=5, completion_tokens=1, cost=0.0001,
                            prompt_name="qa", prompt_version=3)
        return "42"

    assert answer("meaning?") == "42"
    spans = collected(sink)
    root, retrieve, llm = spans["test_decorated_calls_and_blocks_nest_into_one_trace.<locals>.answer"], \
        spans["retrieve"], spans["llm"]
    assert "parent_span_id" not in root and root["kind"] == "agent"
    assert retrieve["parent_span_id"] == llm["parent_span_id"] == root["span_id"]
    assert {s["trace_id"] for s in spans.values()} == {root["trace_id"]}
    assert llm["model"] == "gpt-x" and llm["prompt_version"] == 3 and llm["kind"] == "llm"
    for span in spans.values():  # what the SDK sends passes the backend's validation
        row = validate_span(span)
        assert row["project"] == "sdk-tests" and row["service"] == "tests"
    assert validate_span(llm)["total_tokens"] == 6


def test_context_attributes_are_inherited_and_merged(sink):
    with spyglass.context(conversation_id="conv-1", user_id="user-1", tags=["beta"], metadata={"tier": "pro"}):
        with spyglass.span("outer"):
            with spyglass.context(tags=["inner"], metadata={"tier": "free", "region": "eu"}):
                with spyglass.span("child", tags=["own"], metadata={"step": 2}):
                    pass
    with spyglass.span("outside"):
        pass
    spans = collected(sink)
    assert spans["outer"]["conversation_id"] == "conv-1" and spans["outer"]["tags"] == ["beta"]
    child = spans["child"]
    assert child["user_id"] == "user-1"
    assert child["tags"] == ["beta", "inner", "own"]
    assert child["metadata"] == {"tier": "free", "region": "eu", "step": 2}
    assert "user_id" not in spans["outside"] and "tags" not in spans["outside"]


def test_threads_nest_when_given_the_context_and_stay_apart_otherwise(sink):
    def work(name):
        with spyglass.span(name):
            pass

    with spyglass.span("request") as request:
        copied = threading.Thread(target=contextvars.copy_context().run, args=(work, "copied"))
        explicit = threading.Thread(target=lambda: spyglass.span("explicit", parent=request).__enter__().end())
        bare = threading.Thread(target=work, args=("bare",))
        for thread in (copied, explicit, bare):
            thread.start()
            thread.join()
    spans = collected(sink)
    assert spans["copied"]["parent_span_id"] == spans["request"]["span_id"]
    assert spans["explicit"]["parent_span_id"] == spans["request"]["span_id"]
    assert "parent_span_id" not in spans["bare"]  # a plain thread starts its own trace
    assert spans["bare"]["trace_id"] != spans["request"]["trace_id"]


def test_concurrent_threads_do_not_mix_their_spans(sink):
    def request(i):
        with spyglass.span(f"request-{i}"):
            for j in range(20):
                with spyglass.span(f"step-{i}-{j}"):
                    pass

    threads = [threading.Thread(target=request, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans = collected(sink)
    for i in range(8):
        for j in range(20):
            assert spans[f"step-{i}-{j}"]["parent_span_id"] == spans[f"request-{i}"]["span_id"]


def test_asyncio_tasks_nest_under_the_span_that_created_them(sink):
    @spyglass.observe(name="fetch", kind="tool")
    async def fetch(i):
        await asyncio.sleep(0)
        with spyglass.span(f"parse-{i}"):
            await asyncio.sleep(0)
        return i

    def blocking():
        with spyglass.span("in-thread"):
            pass

    @spyglass.observe(name="handler")
    async def handler():
        results = await asyncio.gather(*(fetch(i) for i in range(5)))
        await asyncio.to_thread(blocking)  # copies the context into the thread
        return results

    assert asyncio.run(handler()) == [0, 1, 2, 3, 4]
    assert spyglass.flush(5)
    spans = sink.spans
    handler_span = next(s for s in spans if s["name"] == "handler")
    fetches = {s["span_id"]: s for s in spans if s["name"] == "fetch"}
    assert len(fetches) == 5
    assert all(s["parent_span_id"] == handler_span["span_id"] for s in fetches.values())
    parses = [s for s in spans if s["name"].startswith("parse-")]
    assert {s["parent_span_id"] for s in parses} == set(fetches)
    assert next(s for s in spans if s["name"] == "in-thread")["parent_span_id"] == handler_span["span_id"]


def test_generator_span_lasts_for_the_iteration_and_does_not_leak(sink):
    @spyglass.observe(name="stream")
    def stream(n):
        for i in range(n):
            with spyglass.span(f"item-{i}"):
                pass
            yield i
        return "done"

    with spyglass.span("consumer"):
        items = []
        for item in stream(3):
            items.append(item)
            assert spyglass.current_span().name == "consumer"  # not the generator's span
    assert items == [0, 1, 2]
    spans = collected(sink)
    assert spans["stream"]["parent_span_id"] == spans["consumer"]["span_id"]
    assert all(spans[f"item-{i}"]["parent_span_id"] == spans["stream"]["span_id"] for i in range(3))
    assert spans["stream"]["end_time"] >= spans["item-2"]["end_time"]


def test_generator_send_and_early_close(sink):
    @spyglass.observe(name="echo")
    def echo():
        received = None
        while True:
            received = yield received

    gen = echo()
    next(gen)
    assert gen.send("a") == "a"
    gen.close()
    spans = collected(sink)
    assert "error" not in spans["echo"]  # closing early is not an error


def test_async_generator_span(sink):
    @spyglass.observe(name="tokens")
    async def tokens():
        for word in ("a", "b"):
            with spyglass.span(f"token-{word}"):
                await asyncio.sleep(0)
            yield word

    async def main():
        with spyglass.span("main"):
            return [word async for word in tokens()]

    assert asyncio.run(main()) == ["a", "b"]
    spans = collected(sink)
    assert spans["tokens"]["parent_span_id"] == spans["main"]["span_id"]
    assert spans["token-b"]["parent_span_id"] == spans["tokens"]["span_id"]


def test_current_span_set_adds_fields_and_is_harmless_outside_spans(sink):
    @spyglass.observe(name="step")
    def step():
        spyglass.current_span().set(model="m-1", metadata={"k": "v"})

    step()
    spyglass.current_span().set(model="ignored")  # no span: nothing happens, nothing raises
    spans = collected(sink)
    assert spans["step"]["model"] == "m-1" and spans["step"]["metadata"] == {"k": "v"}
    assert list(spans) == ["step"]
