"""Cost from the price table: one test per rule, through ingest's decoder (the real path)."""

from __future__ import annotations

import pytest

from spyglass.ingest.decode import Source, decode_values
from spyglass.ingest.prices import PRICE_VERSION_KEY, PriceError, load_prices, normalize_model, packaged_prices
from spyglass.sdk.wire import encode_record

LLM = {"trace_id": "t", "span_id": "s", "project": "p", "name": "chat", "kind": "llm", "start_time": 1.0,
       "model": "gpt-4o", "prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}
GPT_4O = packaged_prices().find("gpt-4o")


def decoded(span, prices=None):
    out = decode_values([(encode_record([span]), Source("spans", 0, 0))], prices)
    assert not out.dead
    return out.rows[0]


def test_exact_model_priced_at_input_and_output_rates_and_version_recorded():
    row = decoded(LLM)
    assert row["cost"] == pytest.approx(GPT_4O.input + GPT_4O.output)
    assert row["metadata"][PRICE_VERSION_KEY] == GPT_4O.version == "2026-11"


@pytest.mark.parametrize("name", ["openai/gpt-4o-2024-08-06", "GPT-4o-2024-11-20", "azure/gpt-4o@2024-05-13"])
def test_prefixed_and_dated_model_names(name):
    assert normalize_model(name) == "gpt-4o"
    assert decoded({**LLM, "model": name})["cost"] == pytest.approx(GPT_4O.input + GPT_4O.output)


def test_bedrock_and_vertex_model_ids():
    assert normalize_model("us.anthropic.claude-3-5-haiku-20241022-v1:0") == "claude-3-5-haiku"
    assert normalize_model("claude-3-5-sonnet-v2@20241022") == "claude-3-5-sonnet"
    assert normalize_model("gpt-3.5-turbo-0125") == "gpt-3.5-turbo"


def test_cached_and_cache_write_tokens_at_their_own_rates():
    claude = packaged_prices().find("claude-sonnet-4-5")
    row = decoded({**LLM, "model": "anthropic/claude-sonnet-4-5-20250929", "prompt_tokens": 1_000_000,
                   "cache_read_tokens": 600_000, "cache_write_tokens": 300_000, "completion_tokens": 0})
    expected = 0.1 * claude.input + 0.6 * claude.cached_input + 0.3 * claude.cache_write
    assert row["cost"] == pytest.approx(expected)
    assert row["cost"] < claude.input, "caching made the prompt cheaper than at the full input rate"


def test_reasoning_tokens_are_part_of_completion_tokens_at_the_output_rate():
    with_reasoning = decoded({**LLM, "prompt_tokens": 0, "completion_tokens": 1_000_000, "reasoning_tokens": 800_000})
    assert with_reasoning["cost"] == pytest.approx(GPT_4O.output)
    assert with_reasoning["reasoning_tokens"] == 800_000


def test_unknown_model_no_tokens_or_unpriced_kind_gets_no_cost():
    for span in ({**LLM, "model": "my-finetune-7b"}, {**LLM, "prompt_tokens": 0, "completion_tokens": 0},
                 {**LLM, "kind": "agent"}):  # an agent repeats its children's usage: pricing it would double count
        row = decoded(span)
        assert row["cost"] == 0.0 and PRICE_VERSION_KEY not in row["metadata"]


def test_a_span_with_its_own_cost_keeps_it_even_zero():
    assert decoded({**LLM, "cost": 0.42})["cost"] == 0.42
    row = decoded({**LLM, "cost": 0})
    assert row["cost"] == 0.0 and PRICE_VERSION_KEY not in row["metadata"]


def test_user_override_file_wins_and_adds_models(tmp_path):
    path = tmp_path / "our-prices.yaml"
    path.write_text("version: acme-2026-12\nmodels:\n  gpt-4o: {input: 1.0, output: 2.0}\n"
                    "  my-finetune-7b: {input: 0.5, cached_input: 0.1, output: 0.5}\n")
    prices = load_prices(str(path))
    row = decoded(LLM, prices)
    assert row["cost"] == pytest.approx(3.0) and row["metadata"][PRICE_VERSION_KEY] == "acme-2026-12"
    assert decoded({**LLM, "model": "my-finetune-7b"}, prices)["cost"] == pytest.approx(1.0)
    claude = decoded({**LLM, "model": "claude-3-haiku"}, prices)
    assert claude["metadata"][PRICE_VERSION_KEY] == "2026-11", "models the file does not name keep the packaged price"


def test_bad_price_file_names_file_and_entry(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("models:\n  m: {input: 1.0, outptu: 2.0}\n")
    with pytest.raises(PriceError, match=r"bad.yaml: model 'm': unknown keys \['outptu'\]"):
        load_prices(str(path))
    with pytest.raises(PriceError, match="cannot read price file"):
        load_prices(str(tmp_path / "missing.yaml"))


def test_cache_counts_larger_than_the_prompt_are_clamped_never_negative():
    claude = packaged_prices().find("claude-3-haiku")
    row = decoded({**LLM, "model": "claude-3-haiku", "prompt_tokens": 100, "cache_read_tokens": 80,
                   "cache_write_tokens": 50, "completion_tokens": 0})
    assert row["cost"] == pytest.approx((80 * claude.cached_input + 20 * claude.cache_write) / 1e6)
