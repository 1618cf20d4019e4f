"""Record OpenAI ``chat.completions.create`` calls (sync or async, streaming or not)."""

from __future__ import annotations

from typing import Any, TypeVar

from spyglass.sdk._instrument import instrument, read
from spyglass.sdk._messages import normalize_messages
from spyglass.sdk._log import warn_once

C = TypeVar("C")

_PARAMETERS = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "seed")


def _usage(usage: Any) -> dict[str, Any]:
    return {"prompt_tokens": read(usage, "prompt_tokens"),
            "completion_tokens": read(usage, "completion_tokens"),
            "total_tokens": read(usage, "total_tokens"),
            # parts of the two counts above
            "cache_read_tokens": read(usage, "prompt_tokens_details", "cached_tokens"),
            "reasoning_tokens": read(usage, "completion_tokens_details", "reasoning_tokens")}


class _Stream:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.model: Any = None
        self.usage: Any = None

    def add(self, chunk: Any) -> None:
        self.model = read(chunk, "model") or self.model
        text = read(chunk, "choices", 0, "delta", "content")
        if isinstance(text, str):
            self.parts.append(text)
        # Present on the last chunk when stream_options={"include_usage": True}.
        self.usage = read(chunk, "usage") or self.usage

    def fields(self) -> dict[str, Any]:
        return {"completion": "".join(self.parts), "model": self.model, **_usage(self.usage)}


class _OpenAIAdapter:
    provider = "openai"
    span_name = "openai.chat.completions"

    def request_fields(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        parameters = {name: kwargs[name] for name in _PARAMETERS if isinstance(kwargs.get(name), (int, float))}
        return {"model": kwargs.get("model"), "prompt": normalize_messages(kwargs.get("messages")),
                "metadata": parameters or None}

    def response_fields(self, result: Any) -> dict[str, Any]:
        return {"completion": read(result, "choices", 0, "message", "content"),
                "model": read(result, "model"), **_usage(read(result, "usage"))}

    def stream_state(self) -> _Stream:
        return _Stream()


def wrap_openai(client: C) -> C:
    """Record every ``client.chat.completions.create`` call as an LLM span; returns ``client``.

    Works on ``OpenAI`` and ``AsyncOpenAI`` clients, in place. Results are returned unchanged,
    except that a stream (``stream=True``) comes back inside a proxy that yields the same
    chunks and is recorded when consumed or closed. Never raises: a client without that method
    is left as it is, with a warning.
    """
    try:
        instrument(client.chat.completions, "create", _OpenAIAdapter())  # type: ignore[attr-defined]
    except Exception:
        warn_once("wrap-openai", "spyglass: wrap_openai could not find client.chat.completions.create; "
                  "calls will not be recorded", exc_info=True)
    return client
