"""Vercel AI SDK (``ai.*``): ``ai.model.id``, ``ai.prompt`` / ``ai.prompt.messages``,
``ai.response.*``, ``ai.usage.*``, ``ai.toolCall.*``, ``ai.embed*``; the kind comes from the
operation id (``ai.operationId`` or the first word of ``operation.name``)."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, KindRule, Messages, Style

_OPERATIONS = {
    # the outer call wraps one or more provider calls (doGenerate / doStream): a chain, so that
    # only the provider calls count as LLM calls and are priced
    "ai.generateText": "chain", "ai.streamText": "chain", "ai.generateObject": "chain", "ai.streamObject": "chain",
    "ai.generateText.doGenerate": "llm", "ai.streamText.doStream": "llm", "ai.generateObject.doGenerate": "llm",
    "ai.streamObject.doStream": "llm", "ai.embed": "embedding", "ai.embedMany": "embedding",
    "ai.embed.doEmbed": "embedding", "ai.embedMany.doEmbed": "embedding", "ai.toolCall": "tool",
}

VERCEL = Style(
    name="Vercel AI SDK",
    libraries=("ai (Vercel AI SDK) 3.x-6.x with experimental_telemetry", "@vercel/otel"),
    fields={
        "model": ("ai.response.model", "ai.model.id"),
        "provider": ("ai.model.provider",),
        "prompt": (Messages("ai.prompt.messages"), Messages("ai.prompt"), "ai.prompt", "ai.toolCall.args",
                   "ai.toolCall.input", "ai.value", "ai.values"),
        "completion": ("ai.response.text", "ai.response.object", "ai.toolCall.result", "ai.toolCall.output",
                       "ai.response.toolCalls"),
        "prompt_tokens": ("ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens"),
        "completion_tokens": ("ai.usage.outputTokens", "ai.usage.completionTokens"),
        "total_tokens": ("ai.usage.totalTokens",),
        "cache_read_tokens": ("ai.usage.cachedInputTokens", "ai.usage.inputTokenDetails.cacheReadTokens",
                              JsonPath("ai.response.providerMetadata", ("anthropic", "cacheReadInputTokens"))),
        "cache_write_tokens": ("ai.usage.inputTokenDetails.cacheWriteTokens",
                               JsonPath("ai.response.providerMetadata", ("anthropic", "cacheCreationInputTokens"))),
        "reasoning_tokens": ("ai.usage.reasoningTokens", "ai.usage.outputTokenDetails.reasoningTokens"),
        "conversation_id": ("ai.telemetry.metadata.sessionId",),
        "user_id": ("ai.telemetry.metadata.userId",),
    },
    kinds=(KindRule("ai.operationId", _OPERATIONS), KindRule("operation.name", _OPERATIONS)),
    kind_hints=(KindRule("ai.toolCall.name", kind="tool"),),
)
