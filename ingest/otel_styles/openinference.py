"""OpenInference (Arize): ``openinference.span.kind``, ``llm.*``, ``input.value`` / ``output.value``.

The instrumentations for LangChain / LangGraph, LlamaIndex, CrewAI, Haystack, DSPy, the OpenAI
Agents SDK, Agno, Google ADK, LiteLLM, OpenAI, Anthropic, Bedrock and others all write this style.
Retrieved documents (``retrieval.documents.N.*``) are read in ``otlp_map``.
"""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import Indexed, KindRule, Messages, Style

OPENINFERENCE = Style(
    name="OpenInference",
    libraries=("openinference-instrumentation-langchain (LangChain, LangGraph)", "-llama-index", "-crewai",
               "-haystack", "-openai-agents (OpenAI Agents SDK)", "-google-adk", "-litellm", "-agno", "-dspy",
               "-openai", "-anthropic", "-bedrock (semantic conventions 0.1.x)"),
    fields={
        "model": ("llm.model_name",),
        "provider": ("llm.provider", "llm.system"),
        # input.value / output.value: a request or response as JSON on LLM spans, any text elsewhere
        "prompt": (Indexed("llm.input_messages", "message.role", "message.content"), Messages("input.value"),
                   "input.value"),
        "completion": (Indexed("llm.output_messages", "message.role", "message.content"), Messages("output.value"),
                       "output.value"),
        "prompt_tokens": ("llm.token_count.prompt",),
        "completion_tokens": ("llm.token_count.completion",),
        "total_tokens": ("llm.token_count.total",),
        "cache_read_tokens": ("llm.token_count.prompt_details.cache_read",),
        "cache_write_tokens": ("llm.token_count.prompt_details.cache_write",),
        "reasoning_tokens": ("llm.token_count.completion_details.reasoning",),
        "cost": ("llm.cost.total",),
        "conversation_id": ("session.id",),
        "user_id": ("user.id",),
        "prompt_name": ("llm.prompt_template.name",),
        "prompt_version": ("llm.prompt_template.version",),
    },
    kinds=(KindRule("openinference.span.kind", {
        "LLM": "llm", "CHAIN": "chain", "RETRIEVER": "retrieval", "RERANKER": "retrieval", "TOOL": "tool",
        "AGENT": "agent", "EMBEDDING": "embedding", "GUARDRAIL": "other", "EVALUATOR": "other"}),),
)
