"""Rule files: YAML with ``channels:`` and ``rules:`` lists; the packaged defaults ship in ``rules/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml

from spyglass.alerts.channels import Channel, ChannelError, parse_channel
from spyglass.alerts.rules import AlertRule, RuleError, parse_rule


@dataclass
class RuleSet:
    """Rules and channels read from one or more files."""

    rules: list[AlertRule] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)


def default_rule_files() -> list[Path]:
    """The rule files shipped with Spyglass (``alerts/rules/*.yaml``)."""
    folder = resources.files("spyglass.alerts").joinpath("rules")
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith((".yaml", ".yml")))


def parse_rule_text(text: str, where: str) -> RuleSet:
    """Parse one file's YAML text; errors name the file and the rule or channel."""
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RuleError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or set(doc) - {"rules", "channels"}:
        raise RuleError(f"{where}: expected a mapping with 'rules' and/or 'channels' lists")
    found = RuleSet()
    for i, raw in enumerate(doc.get("channels") or []):
        try:
            found.channels.append(parse_channel(raw, f"channels[{i}]"))
        except ChannelError as exc:
            raise RuleError(f"{where}: {exc}") from None
    for i, raw in enumerate(doc.get("rules") or []):
        try:
            found.rules.append(parse_rule(raw, f"rules[{i}]"))
        except RuleError as exc:
            raise RuleError(f"{where}: {exc}") from None
    return found


def load_rule_files(paths: Iterable[str | Path]) -> RuleSet:
    """Read rule files in order; a later rule or channel with the same id/name replaces an earlier one."""
    rules: dict[str, AlertRule] = {}
    channels: dict[str, Channel] = {}
    for path in paths:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise RuleError(f"cannot read alert rule file {path}: {exc}") from None
        found = parse_rule_text(text, str(path))
        rules.update((r.id, r) for r in found.rules)
        channels.update((c.name, c) for c in found.channels)
    return RuleSet(list(rules.values()), list(channels.values()))
