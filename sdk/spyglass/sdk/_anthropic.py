"""Record Anthropic ``messages.create`` calls (sync or async, streaming or not)."""

from __future__ import annotations

from typing import Any, TypeVar

from spyglass.sdk._instrument import instrument, read
from spyglass.sdk._messages import normalize_messages
from spyglass.sdk._log import warn_once

C = TypeVar("C")

_PARAMETERS = ("temperature", "top_p", "top_k", "max_tokens")


def _text(content: Any) -> Any:
    if not isinstance(content, (list, tuple)):
        return content
    return "".join(read(block, "text") or "" for block in content if read(block, "type") == "text")


def _tokens(usage: Any, output_tokens: Any) -> dict[str, Any]:
    # Anthropic's input_tokens leaves out the prompt-cache reads and writes; prompt_tokens includes them
    input_tokens = read(usage, "input_tokens")
    cache_read = read(usage, "cache_read_input_tokens")
    cache_write = read(usage, "cache_creation_input_tokens")
    if isinstance(input_tokens, int):
        input_tokens += sum(n for n in (cache_read, cache_write) if isinstance(n, int))
    total = input_tokens + output_tokens if isinstance(input_tokens, int) and isinstance(output_tokens, int) else None
    return {"prompt_tokens": input_tokens, "completion_tokens": output_tokens, "total_tokens": total,
            "cache_read_tokens": cache_read, "cache_write_tokens": cache_write}


class _Stream:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.model: Any = None
        self.usage: Any = None
        self.output_tokens: Any = None

    def add(self, event: Any) -> None:
        kind = read(event, "type")
        if kind == "message_start":
            self.model = read(event, "message", "model")
            self.usage = read(event, "message", "usage")
            self.output_tokens = read(event, "message", "usage", "output_tokens")
        elif kind == "content_block_delta" and read(event, "delta", "type") == "text_delta":
            self.parts.append(read(event, "delta", "text") or "")
        elif kind == "message_delta":
            # Cumulative output tokens for the whole message.
            self.output_tokens = read(event, "usage", "output_tokens") or self.output_tokens

    def fields(self) -> dict[str, Any]:
        return {"completion": "".join(self.parts), "model": self.model,
                **_tokens(self.usage, self.output_tokens)}


class _AnthropicAdapter:
    provider = "anthropic"
    span_name = "anthropic.messages"

    def request_fields(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        messages = normalize_messages(kwargs.get("messages"))
        system = kwargs.get("system")
        if system is not None and isinstance(messages, list):
            messages = [{"role": "system", "content": system if isinstance(system, str) else _text(system)},
                        *messages]
        parameters = {name: kwargs[name] for name in _PARAMETERS if isinstance(kwargs.get(name), (int, float))}
        return {"model": kwargs.get("model"), "prompt": messages, "metadata": parameters or None}

    def response_fields(self, result: Any) -> dict[str, Any]:
        return {"completion": _text(read(result, "content")), "model": read(result, "model"),
                **_tokens(read(result, "usage"), read(result, "usage", "output_tokens"))}

    def stream_state(self) -> _Stream:
        return _Stream()


def wrap_anthropic(client: C) -> C:
    """Record every ``client.messages.create`` call as an LLM span; returns ``client``.

    Works on ``Anthropic`` and ``AsyncAnthropic`` clients, in place. Results are returned
    unchanged, except that a stream (``stream=True``) comes back inside a proxy that yields the
    same events and is recorded when consumed or closed. Never raises.
    """
    try:
        instrument(client.messages, "create", _AnthropicAdapter())  # type: ignore[attr-defined]
    except Exception:
        warn_once("wrap-anthropic", "spyglass: wrap_anthropic could not find client.messages.create; "
                  "calls will not be recorded", exc_info=True)
    return client
