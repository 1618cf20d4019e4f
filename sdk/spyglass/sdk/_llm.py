"""``record_llm``: record one finished LLM call as a span under the current span."""

from __future__ import annotations

from time import time as _now
from typing import Any, Optional, Sequence, Union

from spyglass.sdk import _client
from spyglass.sdk._ids import new_span_id, new_trace_id
from spyglass.sdk._log import warn_once
from spyglass.sdk._scope import current_scope, merge_scope
from spyglass.sdk._span import check_fields, current_span_var, describe_error

Prompt = Union[str, Sequence[Any]]


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
    Extra ``fields`` (tags, metadata, conversation_id, cache_read_tokens, cache_write_tokens,
    reasoning_tokens, ...) go on the span as well; without ``cost``, ingest prices known models. To time a
    call as it runs, use ``with span(name, kind="llm") as s: ...; s.set(model=...)`` instead.
    Never raises; no I/O; does nothing before ``init``.
    """
    client = _client.active
    if client is None:
        return
    try:
        # Built straight into the span dict, without a Span object: this is the hot path of
        # LLM-heavy code. None values are dropped on the worker thread, not here.
        parent = current_span_var.get()
        if parent is None:
            trace_id = new_trace_id()
            parent_id = None
            sampled = client.sample(trace_id)
        else:
            trace_id, parent_id, sampled = parent.trace_id, parent.span_id, parent.sampled
        if not sampled:
            client.sampled_out.add()
            return
        end = _now() if end_time is None else end_time
        chosen = messages if prompt is None else prompt
        record = {"trace_id": trace_id, "span_id": new_span_id(), "parent_span_id": parent_id,
                  "name": name if type(name) is str and name else "llm", "kind": "llm",
                  "start_time": end if start_time is None else start_time, "end_time": end,
                  "model": model, "provider": provider,
                  # A copy: chat apps often append to the same list for the next turn.
                  "prompt": list(chosen) if type(chosen) is list else chosen,
                  "completion": completion, "prompt_tokens": prompt_tokens,
                  "completion_tokens": completion_tokens, "total_tokens": total_tokens, "cost": cost,
                  "context": context, "prompt_name": prompt_name, "prompt_version": prompt_version}
        if fields:
            record.update(check_fields(fields))
        if error is not None:
            record["status"] = "error"
            record["error"] = error if isinstance(error, str) else describe_error(error)
        scope = current_scope.get()
        if scope is not None:
            merge_scope(record, scope)
        client.submit(record)
    except Exception:
        client.errors.add()
        warn_once("record-llm", "spyglass: record_llm failed", exc_info=True)
