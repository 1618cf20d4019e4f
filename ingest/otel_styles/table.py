"""What a style table is made of: per span field, the attributes that carry it, in order.

A plain string names an attribute read as the field's type (text, count, number). The readers
below say more: parse chat messages, gather indexed attributes, reach into a JSON attribute, or
read an attribute only when another one says what the span is. Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from spyglass.ingest.otel_styles.messages import completion_text, parse_json, to_messages


class Attributes:
    """A span's attributes plus values derived from its events; remembers what it consumed."""

    def __init__(self, attrs: dict[str, Any], derived: dict[str, Any] | None = None) -> None:
        self.attrs = attrs
        self.derived = derived or {}  # e.g. "event:gen_ai.choice": never repeated in metadata
        self.used: set[str] = set()

    def get(self, key: str) -> Any:
        """The value of ``key`` (attribute first, then derived), or None when absent or empty."""
        value = self.attrs.get(key)
        if value is None or value == "":
            value = self.derived.get(key)
        return None if value is None or value == "" else value

    def take(self, key: str) -> Any:
        """Like ``get``, and marks the attribute consumed (it will not be repeated in metadata)."""
        value = self.get(key)
        if value is not None:
            self.used.add(key)
        return value


@dataclass(frozen=True)
class Messages:
    """A chat-message attribute (JSON text or a list); ``system`` names a leading system instruction."""

    key: str
    system: str | None = None

    def prompt(self, a: Attributes) -> Any:
        messages = to_messages(a.get(self.key))
        if not messages:
            return None
        a.take(self.key)
        instructions = a.take(self.system) if self.system else None
        if instructions is not None:
            messages.insert(0, {"role": "system", "content": completion_text(instructions) or ""})
        return messages

    def completion(self, a: Attributes) -> Any:
        text = completion_text(a.get(self.key))
        if text is not None:
            a.take(self.key)
        return text


@dataclass(frozen=True)
class Indexed:
    """Flattened messages: ``prefix.0.role``, ``prefix.0.content``, ``prefix.1.role``... (OpenLLMetry, OpenInference)."""

    prefix: str
    role: str = "role"
    content: str = "content"

    def items(self, a: Attributes) -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        head = self.prefix + "."
        for key, value in a.attrs.items():
            if key.startswith(head):
                index, _, rest = key[len(head):].partition(".")
                if index.isdigit() and rest:
                    found.setdefault(int(index), {})[rest] = value
                    a.used.add(key)
        return [found[i] for i in sorted(found)]

    def prompt(self, a: Attributes) -> Any:
        items = self.items(a)
        return [{"role": str(m.get(self.role, "")), "content": _indexed_content(m, self.content)} for m in items] or None

    def completion(self, a: Attributes) -> Any:
        items = self.items(a)
        return "\n".join(_indexed_content(m, self.content) for m in items) if items else None


def _indexed_content(item: dict[str, Any], content: str) -> str:
    if item.get(content) is not None:
        return completion_text(item[content]) or ""
    # OpenInference multi-part: message.contents.0.message_content.text
    parts = sorted((k, v) for k, v in item.items() if k.endswith(".text") and ".contents." in f".{k}")
    return "".join(str(v) for _, v in parts)


@dataclass(frozen=True)
class JsonPath:
    """A value inside a JSON attribute (``genkit:output`` -> usage -> inputTokens). The attribute
    itself is not consumed: the rest of it stays in metadata."""

    key: str
    path: tuple[str | int, ...]  # keys, or indexes into lists

    def read(self, a: Attributes) -> Any:
        value = parse_json(a.get(self.key))
        for step in self.path:
            if isinstance(step, int) and isinstance(value, list):
                value = value[step] if len(value) > step else None
            elif isinstance(step, str) and isinstance(value, dict):
                value = value.get(step)
            else:
                return None
        return value


@dataclass(frozen=True)
class When:
    """``key``, read only when attribute ``if_key`` has one of ``values`` (Genkit's name is the
    model only on model actions)."""

    key: str
    if_key: str
    values: tuple[str, ...]

    def read(self, a: Attributes) -> Any:
        if str(a.get(self.if_key) or "") in self.values:
            return a.take(self.key)
        return None


Reader = Union[str, Messages, Indexed, JsonPath, When]


@dataclass(frozen=True)
class KindRule:
    """``key``'s value -> span kind (``values``), or any value at all -> ``kind`` (``values`` empty).

    Values match exactly, upper-cased, or by their first word (Vercel's ``operation.name`` is
    ``ai.embed.doEmbed <functionId>``); ``endings`` match the end of a class name
    (Haystack's ``haystack.components.generators.chat.openai.OpenAIChatGenerator``).
    """

    key: str
    values: dict[str, str] = field(default_factory=dict)
    kind: str = ""
    endings: dict[str, str] = field(default_factory=dict)

    def match(self, a: Attributes) -> str | None:
        value = a.get(self.key)
        if value is None:
            return None
        text = str(parse_json(value)).strip()  # MLflow JSON-encodes its values: '"LLM"'
        for ending, kind in self.endings.items():
            if text.endswith(ending):
                return kind
        if not self.values:
            return None if self.endings else self.kind
        for candidate in (text, text.upper(), text.split(" ")[0]):
            if candidate in self.values:
                a.used.add(self.key)
                return self.values[candidate]
        return None


@dataclass(frozen=True)
class Style:
    """One instrumentation style: its libraries, field table, kind rules and derived values."""

    name: str
    libraries: tuple[str, ...]
    fields: dict[str, tuple[Reader, ...]]
    kinds: tuple[KindRule, ...] = ()  # explicit: a value that names what the span is
    kind_hints: tuple[KindRule, ...] = ()  # weaker: an attribute that only one kind carries
    # values derived from events or from a JSON attribute of events: (attrs, events) -> (derived, consumed keys)
    derive: Callable[[dict[str, Any], list[tuple[str, dict[str, Any]]]], tuple[dict[str, Any], set[str]]] | None = None


def dumps(value: Any) -> str:
    """Text for a non-string attribute value."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
