"""OpenTelemetry span -> Spyglass span mapping for the conventions apps use in the wild."""

from __future__ import annotations

from spyglass.ingest.otlp_decode import OtelSpan
from spyglass.ingest.otlp_map import to_wire
from spyglass.sdk.wire import validate_span


def otel(attributes, events=(), resource=None, status=0):
    return OtelSpan("ab" * 16, "cd" * 8, "", "op", 1_700_000_000_000_000_000, 1_700_000_002_000_000_000, status,
                    "boom" if status == 2 else "", attributes, resource or {}, "scope", list(events))


def test_openllmetry_indexed_prompts():
    span = to_wire(otel({"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4",
                         "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "be nice",
                         "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "hi",
                         "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "hello",
                         "gen_ai.usage.prompt_tokens": 5, "gen_ai.usage.completion_tokens": 1}))
    assert span["kind"] == "llm" and span["provider"] == "openai" and span["model"] == "gpt-4"
    assert span["prompt"] == [{"role": "system", "content": "be nice"}, {"role": "user", "content": "hi"}]
    assert span["completion"] == "hello" and (span["prompt_tokens"], span["completion_tokens"]) == (5, 1)
    assert not any(k.startswith("gen_ai.") for k in span["metadata"]), "mapped attributes are not repeated"
    validate_span(span)


def test_span_events_and_openinference_messages():
    span = to_wire(otel({"openinference.span.kind": "LLM", "llm.model_name": "m",
                         "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "q",
                         "llm.output_messages.0.message.role": "assistant",
                         "llm.output_messages.0.message.content": "a",
                         "metadata": '{"tenant": "acme", "score": 3}', "tag.tags": ["x", "y"],
                         "llm.prompt_template.version": "7"}))
    assert span["prompt"] == [{"role": "user", "content": "q"}] and span["completion"] == "a"
    assert span["metadata"]["tenant"] == "acme" and span["tags"] == ["x", "y"] and span["prompt_version"] == "7"
    events = to_wire(otel({"gen_ai.operation.name": "text_completion"},
                          events=[("gen_ai.content.prompt", {"gen_ai.prompt": "p"}),
                                  ("gen_ai.content.completion", {"gen_ai.completion": "c"})]))
    assert (events["kind"], events["prompt"], events["completion"]) == ("llm", "p", "c")


def test_defaults_status_and_resource():
    span = to_wire(otel({"custom": {"nested": 1}}, status=2, resource={"service.name": "svc"}), "proj")
    assert span["project"] == "proj" and span["service"] == "svc" and span["kind"] == "other"
    assert span["status"] == "error" and span["error"] == "boom"
    assert validate_span(span)["duration_ms"] == 2000
    assert span["metadata"] == {"custom": '{"nested": 1}', "otel.scope": "scope"}
