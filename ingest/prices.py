"""Cost from tokens: a versioned price table (``ingest/prices/<version>.yaml``) plus an optional
user file that overrides or adds models (``SPYGLASS_PRICES_FILE``). Pure apart from reading them.

A span is priced at ingest when it is an LLM call or an embedding, carries tokens and a model
the table knows, and was sent without a cost (a cost sent with the span is kept, even 0). Prompt
tokens read from or written to the provider's cache are priced at their own rates; reasoning
tokens are part of the completion tokens and priced with them, at the output rate. The priced
span names the table it used in metadata, ``spyglass.price_version``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

PRICE_VERSION_KEY = "spyglass.price_version"
PRICED_KINDS = ("llm", "embedding")  # chains and agents often repeat their children's usage
_REGION = re.compile(r"^(us|eu|apac|global|jp|au)\.")
_VENDOR = re.compile(r"^(anthropic|amazon|meta|mistral|cohere|ai21|openai|google)\.")
_SUFFIXES = tuple(re.compile(p) for p in (r"-v\d+(:\d+)?$", r"-\d{4}-\d{2}-\d{2}$", r"-\d{8}$", r"-\d{4}$",
                                          r"-\d{3}$", r"-latest$"))


class PriceError(ValueError):
    """A price file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per 1M tokens, and the version of the table it came from."""

    input: float
    cached_input: float
    cache_write: float
    output: float
    version: str


@dataclass(frozen=True)
class PriceTable:
    """Prices by normalized model name."""

    models: dict[str, ModelPrice]
    # model name as sent -> its price or None: ingest looks up the same few names for every span
    _found: dict[str, ModelPrice | None] = field(default_factory=dict, compare=False, repr=False)

    def find(self, model: str) -> ModelPrice | None:
        """The price of ``model`` (any spelling ``normalize_model`` folds), or None."""
        try:
            return self._found[model]
        except KeyError:
            price = self.models.get(model) or self.models.get(normalize_model(model))
            if len(self._found) < 10_000:  # bounded: model names come from senders
                self._found[model] = price
            return price

    def merged(self, other: PriceTable) -> PriceTable:
        """This table with ``other``'s models added or replacing these."""
        return PriceTable({**self.models, **other.models})


@lru_cache(maxsize=4096)  # ingest calls it for every priced span; models are few
def normalize_model(name: str) -> str:
    """``openai/gpt-4o-2024-08-06`` -> ``gpt-4o``; ``us.anthropic.claude-3-5-haiku-20241022-v1:0`` ->
    ``claude-3-5-haiku``: lower case, no provider prefix, no date or version suffix."""
    name = name.strip().lower().rsplit("/", 1)[-1].split("@")[0]
    name = _VENDOR.sub("", _REGION.sub("", name))
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            shorter = suffix.sub("", name)
            if shorter != name and shorter:
                name, changed = shorter, True
    return name


def _rate(entry: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise PriceError(f"{where}: {key} must be a non-negative number of US dollars per 1M tokens, got {value!r}")
    return float(value)


def parse_prices(text: str, source: str) -> PriceTable:
    """A price file's YAML -> ``PriceTable``; ``PriceError`` names the file and the bad entry."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PriceError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise PriceError(f"{source}: expected a mapping with 'version' and 'models' (model -> input, output, ...)")
    version = str(doc.get("version") or Path(source).stem)
    models = {}
    for name, entry in doc["models"].items():
        where = f"{source}: model {name!r}"
        if not isinstance(entry, dict):
            raise PriceError(f"{where}: expected a mapping with input and output")
        unknown = set(entry) - {"input", "cached_input", "cache_write", "output"}
        if unknown:
            raise PriceError(f"{where}: unknown keys {sorted(unknown)}; use input, cached_input, cache_write, output")
        rate_in = _rate(entry, "input", where)
        models[normalize_model(str(name))] = ModelPrice(
            rate_in, _rate(entry, "cached_input", where, rate_in), _rate(entry, "cache_write", where, rate_in),
            _rate(entry, "output", where), version)
    return PriceTable(models)


@lru_cache(maxsize=1)
def packaged_prices() -> PriceTable:
    """The newest price table shipped with Spyglass (read once per process)."""
    folder = resources.files("spyglass.ingest").joinpath("prices")
    newest = max((entry for entry in folder.iterdir() if entry.name.endswith(".yaml")), key=lambda e: e.name)
    return parse_prices(newest.read_text(), newest.name)


def load_prices(user_file: str | None = None) -> PriceTable:
    """The packaged table, with the models of ``user_file`` (if given) added or replacing its own."""
    table = packaged_prices()
    if not user_file:
        return table
    try:
        text = Path(user_file).read_text()
    except OSError as exc:
        raise PriceError(f"cannot read price file {user_file} (SPYGLASS_PRICES_FILE): {exc}") from None
    return table.merged(parse_prices(text, user_file))


def span_cost(row: dict[str, Any], price: ModelPrice) -> float:
    """US dollars for a normalized span row's tokens at ``price``."""
    prompt = row["prompt_tokens"]
    cached = row["cache_read_tokens"]
    written = row["cache_write_tokens"]
    if cached + written > prompt:  # a sender that counts cache tokens apart: clamp, never price negative
        cached = min(cached, prompt)
        written = prompt - cached
    return ((prompt - cached - written) * price.input + cached * price.cached_input
            + written * price.cache_write + row["completion_tokens"] * price.output) / 1e6


def price_of(model: str | None, kind: str | None, tokens: dict[str, int], prices: PriceTable) -> ModelPrice | None:
    """The price of a span sent without a cost: a priced kind with tokens and a known model; else None."""
    if not model or kind not in PRICED_KINDS or not (tokens["prompt_tokens"] or tokens["completion_tokens"]):
        return None
    return prices.find(model)


def price_row(row: dict[str, Any], sent_cost: Any, prices: PriceTable) -> None:
    """Fill in a validated row's cost from ``prices`` when the span came without one (``sent_cost``
    None) and ``price_of`` finds one; record the table version."""
    price = None if sent_cost is not None else price_of(row["model"], row["kind"], row, prices)
    if price is None:
        return
    row["cost"] = span_cost(row, price)
    row["metadata"][PRICE_VERSION_KEY] = price.version
