"""The style tables as Markdown (``docs/otel.md``): ``python -m spyglass.ingest.otel_styles.doc``."""

from __future__ import annotations

from spyglass.ingest.otel_styles import STYLES
from spyglass.ingest.otel_styles.table import Indexed, JsonPath, KindRule, Messages, Reader, When


_DERIVED = {"event:messages": "events `gen_ai.{system,user,assistant,tool}.message` (attribute `content`)",
            "event:choice": "events `gen_ai.choice` (attribute `message`)",
            "event:gen_ai.prompt": "event `gen_ai.content.prompt`", "event:gen_ai.completion": "event `gen_ai.content.completion`"}


def _reader(reader: Reader) -> str:
    if isinstance(reader, str):
        return _DERIVED.get(reader, f"`{reader}`")
    if isinstance(reader, Messages):
        system = f" + `{reader.system}` as a leading system message" if reader.system else ""
        return f"`{reader.key}` (messages){system}"
    if isinstance(reader, Indexed):
        return f"`{reader.prefix}.N.{reader.role}` / `.{reader.content}`"
    if isinstance(reader, JsonPath):
        return f"`{reader.key}` → {'.'.join(str(step) for step in reader.path)}"
    if isinstance(reader, When):
        return f"`{reader.key}` when `{reader.if_key}` is {', '.join(reader.values)}"
    raise TypeError(reader)


def _rule(rule: KindRule) -> str:
    if rule.endings:
        return f"`{rule.key}` ending in " + ", ".join(f"{end} → {kind}" for end, kind in rule.endings.items())
    if not rule.values:
        return f"`{rule.key}` present → {rule.kind}"
    return f"`{rule.key}`: " + ", ".join(f"{value} → {kind}" for value, kind in rule.values.items())


def styles_markdown() -> str:
    """Every style: libraries, then attribute → span field in reading order, then kind rules."""
    lines = ["# OpenTelemetry instrumentation styles", "",
             "Generated from `ingest/otel_styles/` by `python -m spyglass.ingest.otel_styles.doc`; a test",
             "checks it is current. Styles are read in this order: for each span field, the first style",
             "and attribute that the span carries wins. Kind: an attribute naming it, then an attribute",
             "only one kind carries, then `llm` when the span has a model, else `other`. The event",
             "`gen_ai.client.inference.operation.details` lends its `gen_ai.input.messages`,",
             "`gen_ai.output.messages` and `gen_ai.system_instructions` to a span without them; Pydantic AI's",
             "`events` attribute (JSON) is read as span events. Besides the tables: `retrieval.documents.N.*`",
             "(context), `tag.tags` / `spyglass.tags`, `spyglass.project`, and the resource's `service.name`,",
             "`service.version`, `deployment.environment(.name)`. Attributes not consumed land in metadata.", ""]
    for style in STYLES:
        lines += [f"## {style.name}", "", "Libraries: " + "; ".join(style.libraries) + ".", "",
                  "| span field | attributes, first found wins |", "|---|---|"]
        lines += [f"| {field} | {', '.join(_reader(r) for r in readers)} |" for field, readers in style.fields.items()]
        rules = [*style.kinds, *style.kind_hints]
        if rules:
            lines += ["", "Kind: " + "; ".join(_rule(rule) for rule in rules) + "."]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(styles_markdown(), end="")
