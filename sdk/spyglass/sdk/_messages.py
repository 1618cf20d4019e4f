"""Chat messages in the wire format's shape, whatever object a provider SDK used."""

from __future__ import annotations

from typing import Any


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
