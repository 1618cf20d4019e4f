"""``record_llm``: record one finished LLM call as a span under the current span."""

from __future__ import annotations

from time import time as _now
from typing import Any, Optional, Sequence, Union

from spyglass.sdk._log import warn_once
from spyglass.sdk._span import Span, check_fields

Prompt = Union[str, Sequence[Any]]


def normalize_messages(messages: Any) -> Any:
    """Chat messages as ``{"role", "content"}`` dicts; provider SDK objects are read by attribute.

    Anything else is returned as is (the exporter turns unknown objects into text).
    """
    if isinstance(messages, (str, dict)) or not isinstance(messages, (list, tuple)):
        return messages
    normalized = []
    for message in messages:
        if isinstance(message, dict) or isinstance(message, str):
            normalized.append(message)
        else:
            normalized.append({"role": getattr(message, "role", ""), "content": getattr(message, "content", "")})
    return normalized


def record_llm(*, model: str, prompt: Optional[Prompt] = None, messages: Optional[Sequence[Any]] = None,
               completion: Any = None, provider: Optional[str] = None,
               prompt_tokens: Optional[int] = None, completion_tokens: Optional[int] = None,
               total_tokens: Optional[int] = None, cost: Optional[float] = None,
               context: Optional[Sequence[Any]] = None, prompt_name: Optional[str] = None,
               prompt_version: Optional[Union[str, int]] = None, start_time: Optional[float] = None,
               end_time: Optional[float] = None, error: Union[BaseException, str, None] = None,
               name: str = "llm", **fields: Any) -> None:
    """Record an LLM call that already happened, as a child of the current span.

    ``prompt`` is text or chat messages (``messages`` is the same thing by another name);
    ``context`` the retrieved documents (text or ``{"content", "source"}``); ``cost`` in US
    dollars; times are epoch seconds (both default to now); ``error`` (an exception or a
    ``"Type: message"`` string) marks the call failed.
    Extra ``fields`` (tags, metadata, conversation_id, ...) go on the span as well. To time a
    call as it runs, use ``with span(name, kind="llm") as s: ...; s.set(model=...)`` instead.
    Never raises; no I/O.
    """
    try:
        end = _now() if end_time is None else end_time
        span = Span(name if isinstance(name, str) and name else "llm", "llm")
        span.start_time = end if start_time is None else start_time
        values: dict[str, Any] = {"model": model}
        chosen_prompt = messages if prompt is None else prompt
        for key, value in (("prompt", normalize_messages(chosen_prompt)), ("completion", completion),
                           ("provider", provider), ("prompt_tokens", prompt_tokens),
                           ("completion_tokens", completion_tokens), ("total_tokens", total_tokens),
                           ("cost", cost), ("context", context), ("prompt_name", prompt_name),
                           ("prompt_version", prompt_version)):
            if value is not None:
                values[key] = value
        if fields:
            values.update(check_fields(fields))
        if isinstance(error, str):
            values["status"], values["error"], error = "error", error, None
        span.fields = values
        span.end(error, end)
    except Exception:
        warn_once("record-llm", "spyglass: record_llm failed", exc_info=True)
