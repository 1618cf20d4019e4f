"""Chat messages in the shapes instrumentation libraries write them, to ``{"role", "content"}``.

Shapes read: OpenAI (``content`` text or parts with ``text``), the GenAI conventions (``parts``
with ``type: text`` and ``content``), Gemini / Google ADK (``contents`` of ``parts`` with
``text``), Genkit (``content`` of ``{"text"}``), Vercel AI SDK (``ai.prompt``: ``system`` plus
``prompt`` or ``messages``), and response objects (``choices``, ``candidates``, ``message``,
Haystack's ``replies``).
Pure.
"""

from __future__ import annotations

import json
from typing import Any


def parse_json(value: Any) -> Any:
    """JSON text -> its value; anything else (or text that is not JSON) unchanged."""
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def content_text(content: Any) -> str:
    """The text of a message's content: a string, a list of parts, or a part."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [_part_text(p) for p in content]
        if any(t is not None for t in texts):
            return "".join(t for t in texts if t is not None)
        return json.dumps(content, ensure_ascii=False)  # only tool calls or media: keep them readable
    if isinstance(content, dict):
        for key in ("text", "content", "parts"):
            if key in content:
                return content_text(content[key])
    return json.dumps(content, ensure_ascii=False)


def _part_text(part: Any) -> str | None:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict) or part.get("type") not in (None, "text", "input_text", "output_text"):
        return None
    for key in ("text", "content"):
        if isinstance(part.get(key), str):
            return part[key]
    return None


def _message(item: Any) -> dict[str, str] | None:
    if isinstance(item, str):
        return {"role": "user", "content": item}
    if not isinstance(item, dict):
        return None
    role = item.get("role") or item.get("type") or ""
    body = item["content"] if "content" in item else item.get("parts", item.get("text"))
    return {"role": str(role), "content": content_text(body)}


def to_messages(value: Any) -> list[dict[str, str]] | None:
    """Chat messages from a message list or a request object; None when it holds none."""
    value = parse_json(value)
    system: Any = None
    if isinstance(value, dict):
        system = value.get("system") or (value.get("config") or {}).get("system_instruction")
        if "messages" in value:
            value = parse_json(value["messages"])
        elif "contents" in value:
            value = value["contents"]
        elif isinstance(value.get("prompt"), str):
            value = [{"role": "user", "content": value["prompt"]}]
        elif "role" in value:
            value = [value]
        else:
            return None
    if not isinstance(value, list) or not value:
        return None
    messages = [m for m in (_message(item) for item in value) if m is not None]
    if system is not None:
        messages.insert(0, {"role": "system", "content": content_text(system)})
    return messages or None


def completion_text(value: Any) -> str | None:
    """The text a model answered: a string, messages, or a response object; None when absent
    or not one of those shapes."""
    value = parse_json(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if all(isinstance(m, dict) and ("content" in m or "parts" in m) for m in value):
            return "\n".join(_message(m)["content"] for m in value)  # type: ignore[index]
        return None
    if isinstance(value, dict):
        if isinstance(value.get("choices"), list) and value["choices"]:  # OpenAI response
            choice = value["choices"][0]
            return content_text(choice.get("message", choice.get("text")) if isinstance(choice, dict) else choice)
        if isinstance(value.get("candidates"), list) and value["candidates"]:  # Gemini response
            return content_text(value["candidates"][0].get("content"))
        if isinstance(value.get("replies"), list) and value["replies"]:  # Haystack generator output
            return "\n".join(content_text(r) for r in value["replies"])
        for key in ("message", "content", "text"):  # Genkit, ADK, a single message
            if key in value and value[key] is not None:
                return content_text(value[key])
    return None  # not a response shape: the caller keeps the raw text
