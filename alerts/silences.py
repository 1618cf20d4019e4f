"""Silences: label matchers with a start and an expiry; a silenced alert is tracked but not paged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from spyglass.core.errors import InvalidInput

OPERATORS = ("=", "!=", "=~", "!~")


class SilenceError(InvalidInput):
    """A silence that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Matcher:
    """``name op value``; ``=~``/``!~`` are regular expressions matched against the whole value."""

    name: str
    value: str
    op: str = "="

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found


@dataclass(frozen=True)
class Silence:
    """Active from ``starts_at`` until ``ends_at`` (epoch seconds) for alerts matching every matcher."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str = ""
    comment: str = ""

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at

    def silences(self, labels: Mapping[str, str], now: float) -> bool:
        """True when active at ``now`` and every matcher matches ``labels``."""
        return self.active(now) and all(m.matches(labels) for m in self.matchers)


def is_silenced(labels: Mapping[str, str], silences: Sequence[Silence], now: float) -> bool:
    """Whether any silence covers an alert with these labels at ``now``."""
    return any(s.silences(labels, now) for s in silences)


def parse_matchers(raw: Any) -> tuple[Matcher, ...]:
    """``{"project": "p1"}`` or ``[{"name": "project", "value": "p1", "op": "="}, ...]`` -> matchers.

    Raises ``SilenceError`` for an empty list, an unknown operator or a bad regular expression.
    """
    items = [{"name": k, "value": v} for k, v in raw.items()] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise SilenceError("matchers: required, a mapping of label to value or a list of "
                           "{name, value, op} (a silence without matchers would silence everything)")
    matchers = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise SilenceError(f"matchers[{i}]: expected {{name, value, op}} with a non-empty name")
        op = item.get("op", "=")
        if op not in OPERATORS:
            raise SilenceError(f"matchers[{i}].op: {op!r} is not one of {' '.join(OPERATORS)}")
        value = item.get("value")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise SilenceError(f"matchers[{i}].value: expected a string, got {value!r}")
        if op in ("=~", "!~"):
            try:
                re.compile(str(value))
            except re.error as exc:
                raise SilenceError(f"matchers[{i}].value: bad regular expression {value!r}: {exc}") from None
        matchers.append(Matcher(item["name"], str(value), op))
    return tuple(matchers)
