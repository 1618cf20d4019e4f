"""One example per instrumentation style (attribute names from each library's docs and source),
mapped and validated as ingest would."""

from __future__ import annotations

import json

from spyglass.ingest.otlp_decode import OtelSpan
from spyglass.ingest.otlp_map import to_wire
from spyglass.sdk.wire import validate_span


def mapped(attributes, events=()):
    span = to_wire(OtelSpan("ab" * 16, "cd" * 8, "", "op", 1_700_000_000_000_000_000, 1_700_000_001_000_000_000,
                            0, "", attributes, {}, "scope", list(events)))
    return span, validate_span(span)


def test_genkit_model_action_flow_and_tool():
    span, row = mapped({
        "genkit:type": "action", "genkit:metadata:subtype": "model", "genkit:name": "googleai/gemini-2.5-flash",
        "genkit:input": json.dumps({"messages": [{"role": "user", "content": [{"text": "Tell me a joke"}]}],
                                    "config": {"temperature": 1}}),
        "genkit:output": json.dumps({"message": {"role": "model", "content": [{"text": "Why did the..."}]},
                                     "usage": {"inputTokens": 5, "outputTokens": 7, "totalTokens": 12,
                                               "thoughtsTokens": 3, "cachedContentTokens": 2}}),
        "genkit:sessionId": "s-1", "genkit:path": "/{jokeFlow,t:flow}/{googleai/gemini-2.5-flash,t:action,s:model}"})
    assert (row["kind"], row["model"], row["conversation_id"]) == ("llm", "googleai/gemini-2.5-flash", "s-1")
    assert row["prompt"] == "user: Tell me a joke" and row["completion"] == "Why did the..."
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (5, 7, 12)
    assert (row["cache_read_tokens"], row["reasoning_tokens"]) == (2, 3)
    assert "genkit:path" in row["metadata"]
    _, flow = mapped({"genkit:type": "action", "genkit:metadata:subtype": "flow", "genkit:name": "jokeFlow",
                      "genkit:input": '"bananas"', "genkit:output": '{"joke": "..."}'})
    assert (flow["kind"], flow["model"], flow["prompt"], flow["completion"]) == ("chain", "", "bananas",
                                                                                 '{"joke": "..."}')
    assert mapped({"genkit:type": "action", "genkit:metadata:subtype": "tool.v2", "genkit:name": "t"})[1]["kind"] == "tool"


def test_google_adk_llm_and_tool_payloads():
    request = {"model": "gemini-2.0-flash", "config": {"system_instruction": "You are a weather agent."},
               "contents": [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}]}
    response = {"content": {"role": "model", "parts": [{"text": "Sunny."}]},
                "usage_metadata": {"prompt_token_count": 20, "candidates_token_count": 2, "total_token_count": 22}}
    span, row = mapped({"gen_ai.system": "gcp.vertex.agent", "gen_ai.operation.name": "generate_content",
                        "gcp.vertex.agent.llm_request": json.dumps(request),
                        "gcp.vertex.agent.llm_response": json.dumps(response),
                        "gcp.vertex.agent.session_id": "adk-s"})
    assert (row["kind"], row["model"], row["conversation_id"]) == ("llm", "gemini-2.0-flash", "adk-s")
    assert span["prompt"][0] == {"role": "system", "content": "You are a weather agent."}
    assert row["completion"] == "Sunny." and (row["prompt_tokens"], row["completion_tokens"]) == (20, 2)
    _, tool = mapped({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                      "gcp.vertex.agent.tool_call_args": '{"city": "Paris"}',
                      "gcp.vertex.agent.tool_response": '{"sky": "sunny"}'})
    assert (tool["kind"], tool["prompt"], tool["completion"]) == ("tool", '{"city": "Paris"}', '{"sky": "sunny"}')


def test_mlflow_json_encoded_values():
    _, row = mapped({"mlflow.spanType": '"CHAT_MODEL"', "mlflow.llm.model": '"gpt-4o-mini"',
                     "mlflow.spanInputs": json.dumps({"messages": [{"role": "user", "content": "hi"}]}),
                     "mlflow.spanOutputs": json.dumps({"choices": [{"message": {"role": "assistant",
                                                                                "content": "hello!"}}]}),
                     "mlflow.chat.tokenUsage": json.dumps({"input_tokens": 8, "output_tokens": 2, "total_tokens": 10})})
    assert (row["kind"], row["model"], row["prompt"], row["completion"]) == ("llm", "gpt-4o-mini", "user: hi", "hello!")
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (8, 2, 10)
    _, retriever = mapped({"mlflow.spanType": '"RETRIEVER"', "mlflow.spanInputs": '"refund policy"'})
    assert (retriever["kind"], retriever["prompt"]) == ("retrieval", "refund policy")


def test_vercel_ai_sdk_operations():
    _, outer = mapped({"operation.name": "ai.generateText support-bot", "ai.model.id": "gpt-4o",
                       "ai.prompt": json.dumps({"system": "Be brief.", "prompt": "Hello"}),
                       "ai.response.text": "Hi!", "ai.usage.promptTokens": 9, "ai.usage.completionTokens": 2,
                       "ai.telemetry.metadata.userId": "u-1", "ai.telemetry.metadata.sessionId": "c-1"})
    assert outer["kind"] == "chain", "the outer call wraps the provider call: not an LLM call of its own"
    assert outer["prompt"] == "system: Be brief.\nuser: Hello" and outer["completion"] == "Hi!"
    assert (outer["user_id"], outer["conversation_id"], outer["prompt_tokens"]) == ("u-1", "c-1", 9)
    _, inner = mapped({"ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "gpt-4o",
                       "ai.usage.inputTokens": 100, "ai.usage.cachedInputTokens": 60,
                       "ai.usage.outputTokens": 20, "ai.usage.reasoningTokens": 5})
    assert (inner["kind"], inner["cache_read_tokens"], inner["reasoning_tokens"]) == ("llm", 60, 5)
    _, tool = mapped({"operation.name": "ai.toolCall", "ai.toolCall.name": "weather",
                      "ai.toolCall.args": '{"city":"Rome"}', "ai.toolCall.result": '{"t":20}'})
    assert (tool["kind"], tool["prompt"], tool["completion"]) == ("tool", '{"city":"Rome"}', '{"t":20}')
    _, embed = mapped({"operation.name": "ai.embedMany", "ai.model.id": "text-embedding-3-small",
                       "ai.values": ["a", "b"], "ai.usage.tokens": 4})
    assert (embed["kind"], embed["prompt_tokens"]) == ("embedding", 4)


def test_langfuse_attributes():
    _, row = mapped({"langfuse.observation.type": "generation", "langfuse.observation.model.name": "claude-3-haiku",
                     "langfuse.observation.input": json.dumps([{"role": "user", "content": "ping"}]),
                     "langfuse.observation.output": json.dumps({"role": "assistant", "content": "pong"}),
                     "langfuse.observation.usage_details": json.dumps({"input": 3, "output": 1, "total": 4}),
                     "langfuse.session.id": "lf-s", "langfuse.user.id": "lf-u"})
    assert (row["kind"], row["model"], row["prompt"], row["completion"]) == ("llm", "claude-3-haiku", "user: ping",
                                                                            "pong")
    assert (row["prompt_tokens"], row["conversation_id"], row["user_id"]) == (3, "lf-s", "lf-u")


def test_pydantic_ai_events_attribute_and_agent_run():
    events = [{"event.name": "gen_ai.system.message", "content": "Be kind.", "role": "system"},
              {"event.name": "gen_ai.user.message", "content": "Hi", "role": "user"},
              {"event.name": "gen_ai.choice", "index": 0, "message": {"role": "assistant", "content": "Hello"}}]
    _, row = mapped({"gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", "events": json.dumps(events)})
    assert (row["kind"], row["prompt"], row["completion"]) == ("llm", "system: Be kind.\nuser: Hi", "Hello")
    assert "events" not in row["metadata"]
    _, run = mapped({"model_name": "gpt-4o", "agent_name": "a", "final_result": "done",
                     "gen_ai.usage.input_tokens": 10})
    assert (run["kind"], run["model"], run["metadata"]["model_name"]) == ("other", "", "gpt-4o")


def test_session_id_wins_over_conversation_id_which_stays_in_metadata():
    _, row = mapped({"session.id": "app-session", "gen_ai.conversation.id": "framework-thread"})
    assert row["conversation_id"] == "app-session"
    assert row["metadata"]["gen_ai.conversation.id"] == "framework-thread"
    assert mapped({"gen_ai.conversation.id": "thread"})[1]["conversation_id"] == "thread"


def test_genai_cache_reasoning_counts_and_openinference_details():
    _, row = mapped({"gen_ai.request.model": "o3", "gen_ai.usage.input_tokens": 100,
                     "gen_ai.usage.cache_read.input_tokens": 20, "gen_ai.usage.cache_creation.input_tokens": 10,
                     "gen_ai.usage.output_tokens": 50, "gen_ai.usage.reasoning.output_tokens": 30})
    assert (row["cache_read_tokens"], row["cache_write_tokens"], row["reasoning_tokens"]) == (20, 10, 30)
    assert not any(k.startswith("gen_ai.usage") for k in row["metadata"]), "mapped counts are not repeated"
    _, oi = mapped({"openinference.span.kind": "LLM", "llm.token_count.prompt": 50,
                    "llm.token_count.prompt_details.cache_read": 40, "llm.token_count.prompt_details.cache_write": 5,
                    "llm.token_count.completion_details.reasoning": 7})
    assert (oi["cache_read_tokens"], oi["cache_write_tokens"], oi["reasoning_tokens"]) == (40, 5, 7)


def test_traceloop_entity_and_association_properties():
    _, row = mapped({"traceloop.span.kind": "workflow", "traceloop.entity.input": '{"inputs": {"q": "why"}}',
                     "traceloop.entity.output": '{"outputs": "because"}',
                     "traceloop.association.properties.session_id": "tl-s",
                     "traceloop.association.properties.user_id": "tl-u"})
    assert (row["kind"], row["conversation_id"], row["user_id"]) == ("chain", "tl-s", "tl-u")
    assert "why" in row["prompt"] and "because" in row["completion"]


def test_published_style_tables_are_current():
    from pathlib import Path

    from spyglass.ingest.otel_styles.doc import styles_markdown

    published = (Path(__file__).parents[2] / "docs" / "otel.md").read_text()
    assert published == styles_markdown(), "regenerate with: python -m spyglass.ingest.otel_styles.doc > docs/otel.md"


def test_haystack_generator_component():
    output = {"replies": ["Berlin."], "meta": [{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 12,
                                                                                  "completion_tokens": 2}}]}
    _, row = mapped({"haystack.component.type": "haystack.components.generators.openai.OpenAIGenerator",
                     "haystack.component.input": json.dumps({"prompt": "Capital of Germany?"}),
                     "haystack.component.output": json.dumps(output)})
    assert (row["kind"], row["model"], row["prompt"], row["completion"]) == ("llm", "gpt-4o-mini",
                                                                            "user: Capital of Germany?", "Berlin.")
    assert (row["prompt_tokens"], row["completion_tokens"]) == (12, 2)
    _, retriever = mapped({"haystack.component.type": "InMemoryBM25Retriever"})
    assert retriever["kind"] == "retrieval"


def test_openinference_request_and_response_json_in_input_and_output_value():
    request = {"model": "gpt-4o", "messages": [{"role": "system", "content": "Terse."},
                                               {"role": "user", "content": "2+2?"}]}
    response = {"choices": [{"message": {"role": "assistant", "content": "4"}}]}
    _, row = mapped({"openinference.span.kind": "LLM", "input.value": json.dumps(request),
                     "input.mime_type": "application/json", "output.value": json.dumps(response)})
    assert (row["prompt"], row["completion"]) == ("system: Terse.\nuser: 2+2?", "4")
    _, chain = mapped({"openinference.span.kind": "CHAIN", "input.value": '{"question": "why?"}'})
    assert chain["prompt"] == '{"question": "why?"}', "not a chat request: kept as sent"
