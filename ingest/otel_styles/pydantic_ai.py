"""Pydantic AI / Logfire: tool spans (``tool_arguments`` / ``tool_response``), agent runs
(``pydantic_ai.all_messages``, ``final_result``) and the older event mode where the GenAI
events travel as one JSON attribute, ``events``.

``model_name`` on an agent run names the agent's configured model, not a call: it stays in
metadata, so an agent run is not taken for an LLM call (its model requests are child spans).
"""

from __future__ import annotations

from typing import Any

from spyglass.ingest.otel_styles.genai import read_events
from spyglass.ingest.otel_styles.messages import parse_json
from spyglass.ingest.otel_styles.table import KindRule, Messages, Style


def _derive(attrs: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], set[str]]:
    items = parse_json(attrs.get("events"))
    if not isinstance(items, list) or not all(isinstance(e, dict) and "event.name" in e for e in items):
        return {}, set()
    return read_events([(str(e["event.name"]), e) for e in items]), {"events"}


PYDANTIC_AI = Style(
    name="Pydantic AI / Logfire",
    libraries=("pydantic-ai 0.x-1.x (instrumentation versions 1-3)", "logfire 3.x-4.x"),
    fields={
        "prompt": ("tool_arguments", Messages("pydantic_ai.all_messages")),
        "completion": ("tool_response", "final_result"),
    },
    kind_hints=(KindRule("tool_arguments", kind="tool"),),
    derive=_derive,
)
