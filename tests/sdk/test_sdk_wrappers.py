"""OpenAI and Anthropic wrappers, against fake clients with the providers' interfaces."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace as NS

import pytest

import spyglass.sdk as spyglass

from sdk_helpers import collected


class FakeCompletions:
    """``client.chat.completions`` of the OpenAI SDK: ``create`` returns a response or a stream."""

    def __init__(self, response=None, chunks=(), error=None):
        self.response, self.chunks, self.error = response, list(chunks), error

    def create(self, **kwargs):
        if self.error:
            raise self.error
        return FakeStream(self.chunks) if kwargs.get("stream") else self.response


class AsyncFakeCompletions(FakeCompletions):
    async def create(self, **kwargs):
        if kwargs.get("stream"):
            return AsyncFakeStream(self.chunks)
        return self.response


class FakeStream:
    def __init__(self, items):
        self._items, self.closed, self.response = iter(items), False, "http-response"

    def __iter__(self):
        return self._items

    def close(self):
        self.closed = True


class AsyncFakeStream:
    def __init__(self, items):
        self._items, self.closed = list(items), False

    def __aiter__(self):
        return self._gen()

    async def _gen(self):
        for item in self._items:
            yield item

    async def close(self):
        self.closed = True


def openai_client(completions):
    return NS(chat=NS(completions=completions))


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]
RESPONSE = NS(model="gpt-4o-2024", choices=[NS(message=NS(role="assistant", content="Paris."))],
              usage=NS(prompt_tokens=12, completion_tokens=2, total_tokens=14))


def chunk(text=None, usage=None):
    choices = [NS(delta=NS(content=text))] if text is not None else []
    return NS(model="gpt-4o-2024", choices=choices, usage=usage)


def test_openai_call_is_recorded_and_result_unchanged(sink):
    client = spyglass.wrap_openai(openai_client(FakeCompletions(RESPONSE)))
    spyglass.wrap_openai(client)  # wrapping twice records once
    with spyglass.span("ask"):
        result = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=0.2)
    assert result is RESPONSE
    spans = collected(sink)
    llm = spans["openai.chat.completions"]
    assert llm["parent_span_id"] == spans["ask"]["span_id"]
    assert (llm["kind"], llm["provider"], llm["model"]) == ("llm", "openai", "gpt-4o-2024")
    assert llm["prompt"] == MESSAGES and llm["completion"] == "Paris."
    assert (llm["prompt_tokens"], llm["completion_tokens"], llm["total_tokens"]) == (12, 2, 14)
    assert llm["metadata"] == {"temperature": 0.2}
    assert len(spans) == 2


def test_openai_stream_yields_same_chunks_and_records_the_text(sink):
    chunks = [chunk("Par"), chunk("is."), chunk(usage=NS(prompt_tokens=12, completion_tokens=2, total_tokens=14))]
    client = spyglass.wrap_openai(openai_client(FakeCompletions(chunks=chunks)))
    with client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True) as stream:
        assert stream.response == "http-response"  # other attributes are the real stream's
        received = list(stream)
    assert received == chunks
    llm = collected(sink)["openai.chat.completions"]
    assert llm["completion"] == "Paris." and llm["total_tokens"] == 14


def test_openai_async_call_and_stream(sink):
    chunks = [chunk("Hi"), chunk("!")]
    client = spyglass.wrap_openai(openai_client(AsyncFakeCompletions(RESPONSE, chunks)))

    async def main():
        result = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        return result, [item async for item in stream]

    result, received = asyncio.run(main())
    assert result is RESPONSE and received == chunks
    assert spyglass.flush(5)
    assert sorted(span["completion"] for span in sink.spans) == ["Hi!", "Paris."]


def test_openai_error_is_recorded_and_reraised(sink):
    error = TimeoutError("provider timed out")
    client = spyglass.wrap_openai(openai_client(FakeCompletions(error=error)))
    with pytest.raises(TimeoutError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value is error
    llm = collected(sink)["openai.chat.completions"]
    assert llm["status"] == "error" and llm["error"] == "TimeoutError: provider timed out"


def test_stream_closed_early_is_recorded_with_what_arrived(sink):
    stream_source = FakeCompletions(chunks=[chunk("a"), chunk("b"), chunk("c")])
    client = spyglass.wrap_openai(openai_client(stream_source))
    stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert next(stream).choices[0].delta.content == "a"
    stream.close()
    assert collected(sink)["openai.chat.completions"]["completion"] == "a"


class FakeMessages:
    """``client.messages`` of the Anthropic SDK."""

    def __init__(self, response=None, events=()):
        self.response, self.events = response, list(events)

    def create(self, **kwargs):
        return FakeStream(self.events) if kwargs.get("stream") else self.response


ANTHROPIC_RESPONSE = NS(model="claude-x", content=[NS(type="text", text="Paris"), NS(type="tool_use", id="t")],
                        usage=NS(input_tokens=20, output_tokens=3))


def test_anthropic_call_and_stream(sink):
    events = [NS(type="message_start", message=NS(model="claude-x", usage=NS(input_tokens=20, output_tokens=1))),
              NS(type="content_block_start", content_block=NS(type="text", text="")),
              NS(type="content_block_delta", delta=NS(type="text_delta", text="Par")),
              NS(type="content_block_delta", delta=NS(type="text_delta", text="is")),
              NS(type="message_delta", usage=NS(output_tokens=3)), NS(type="message_stop")]
    client = spyglass.wrap_anthropic(NS(messages=FakeMessages(ANTHROPIC_RESPONSE, events)))
    messages = [{"role": "user", "content": "Capital of France?"}]
    result = client.messages.create(model="claude", max_tokens=50, system="Be brief.", messages=messages)
    assert result is ANTHROPIC_RESPONSE
    assert list(client.messages.create(model="claude", max_tokens=50, messages=messages, stream=True)) == events
    assert spyglass.flush(5)
    plain, streamed = sink.spans
    assert plain["provider"] == "anthropic" and plain["completion"] == "Paris"
    assert plain["prompt"][0] == {"role": "system", "content": "Be brief."}
    assert (plain["prompt_tokens"], plain["completion_tokens"], plain["total_tokens"]) == (20, 3, 23)
    assert plain["metadata"] == {"max_tokens": 50}
    assert streamed["completion"] == "Paris" and streamed["total_tokens"] == 23


def test_wrapping_something_else_leaves_it_alone(sdk_warnings):
    thing = NS()
    assert spyglass.wrap_openai(thing) is thing and spyglass.wrap_anthropic(thing) is thing
    assert "wrap_openai could not find" in sdk_warnings.text


def test_prompt_cache_and_reasoning_counts(sink):
    cached = NS(model="claude-x", content=[NS(type="text", text="ok")],
                usage=NS(input_tokens=7, cache_read_input_tokens=16399, cache_creation_input_tokens=2089,
                         output_tokens=445))
    spyglass.wrap_anthropic(NS(messages=FakeMessages(cached, []))).messages.create(model="claude", max_tokens=9,
                                                                                     messages=[])
    usage = NS(prompt_tokens=100, completion_tokens=50, total_tokens=150,
               prompt_tokens_details=NS(cached_tokens=60), completion_tokens_details=NS(reasoning_tokens=30))
    openai_result = NS(model="o3", choices=[NS(message=NS(content="hi"))], usage=usage)
    spyglass.wrap_openai(NS(chat=NS(completions=FakeCompletions(openai_result, [])))).chat.completions.create(
        model="o3", messages=[])
    assert spyglass.flush(5)
    anthropic, openai = sink.spans
    assert (anthropic["prompt_tokens"], anthropic["cache_read_tokens"], anthropic["cache_write_tokens"]) == (
        18495, 16399, 2089), "Anthropic's input_tokens leaves the cache out; prompt_tokens counts it"
    assert (openai["prompt_tokens"], openai["cache_read_tokens"], openai["reasoning_tokens"]) == (100, 60, 30)
