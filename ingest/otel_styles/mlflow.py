"""MLflow Tracing: ``mlflow.spanType``, ``mlflow.spanInputs`` / ``mlflow.spanOutputs``,
``mlflow.chat.tokenUsage``, ``mlflow.llm.model``; MLflow writes each value JSON-encoded."""

from __future__ import annotations

from spyglass.ingest.otel_styles.table import JsonPath, KindRule, Messages, Style

_USAGE = "mlflow.chat.tokenUsage"

MLFLOW = Style(
    name="MLflow Tracing",
    libraries=("mlflow / mlflow-tracing 2.14-3.x (autolog for OpenAI, LangChain, LlamaIndex, DSPy, ...)",),
    fields={
        "model": ("mlflow.llm.model",),
        "provider": ("mlflow.llm.provider",),
        "prompt": (Messages("mlflow.spanInputs"), "mlflow.spanInputs"),
        "completion": (Messages("mlflow.spanOutputs"), "mlflow.spanOutputs"),
        "prompt_tokens": (JsonPath(_USAGE, ("input_tokens",)),),
        "completion_tokens": (JsonPath(_USAGE, ("output_tokens",)),),
        "total_tokens": (JsonPath(_USAGE, ("total_tokens",)),),
        "cost": (JsonPath("mlflow.llm.cost", ("total_cost",)),),
        "user_id": ("mlflow.trace.user",),
        "conversation_id": ("mlflow.trace.session",),
    },
    kinds=(KindRule("mlflow.spanType", {
        "LLM": "llm", "CHAT_MODEL": "llm", "EMBEDDING": "embedding", "RETRIEVER": "retrieval",
        "RERANKER": "retrieval", "TOOL": "tool", "AGENT": "agent", "CHAIN": "chain", "PARSER": "chain",
        "MEMORY": "other", "UNKNOWN": "other"}),),
)
