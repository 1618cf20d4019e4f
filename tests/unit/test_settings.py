"""Settings: argument over environment over file over default; typed sections; bad or unknown names refused."""

from __future__ import annotations

import pytest

from spyglass.core.errors import ConfigError
from spyglass.core.settings import (SPANS_TOPIC, DriftSettings, EvaluatorSettings, IngestSettings, Settings,
                                    load_settings, setting_names)

# every variable operators set today (README, docs/operations.md): none may change its name
PUBLISHED = """clickhouse_dsn clickhouse_database retention_days kafka_bootstrap spans_topic dlq_topic partitions
ingest_group ingest_batch_spans ingest_batch_ms ingest_decode_processes ingest_max_poll_interval_ms
ingest_session_timeout_ms prices_file api_host api_port public_url max_request_bytes auth local_key_path device
encoder_precision evaluator_group evaluators eval_batch_spans eval_batch_ms eval_token_budget detoxify_checkpoint
detoxify_model toxicity_backend drift_interval_s drift_current_minutes drift_reference_minutes drift_min_samples
drift_embed_sample drift_max_rows drift_alpha alert_interval_s alert_rules alert_renotify_s alert_log_path
alertmanager_repost_s metrics_host metrics_port_ingest metrics_port_evaluate metrics_port_alerts metrics_port_drift
metrics_port_up""".split()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in setting_names():
        monkeypatch.delenv(f"SPYGLASS_{name.upper()}", raising=False)
    monkeypatch.delenv("SPYGLASS_CONFIG", raising=False)


def test_precedence(tmp_path, monkeypatch):
    config = tmp_path / "spyglass.toml"
    config.write_text('partitions = 8\napi_port = 9000\nclickhouse_database = "fromfile"\ndrift_alpha = 0.05\n'
                      'prices_file = "file.yaml"\n')
    monkeypatch.setenv("SPYGLASS_API_PORT", "9100")
    monkeypatch.setenv("SPYGLASS_EVALUATORS", "toxicity, pii ,hallucination")
    monkeypatch.setenv("SPYGLASS_DRIFT_ALPHA", "0.02")
    monkeypatch.setenv("SPYGLASS_PRICES_FILE", str(tmp_path / "env.yaml"))
    settings = load_settings(config, clickhouse_database="fromarg", prices_file=None)
    assert (settings.broker.partitions, settings.api.port, settings.storage.database) == (8, 9100, "fromarg")
    assert settings.evaluators.names == ["toxicity", "pii", "hallucination"]
    assert settings.drift.alpha == 0.02  # environment over file, by the section's prefix
    assert settings.ingest.prices_file == str(tmp_path / "env.yaml")  # environment over file, by alias
    assert load_settings(config, prices_file="arg.yaml").ingest.prices_file == "arg.yaml"  # argument over both
    assert settings.ingest.batch_ms == IngestSettings.model_fields["batch_ms"].default


def test_file_from_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "spyglass.toml"
    config.write_text('eval_batch_ms = 40\nalert_log_path = "x.jsonl"\n')
    monkeypatch.setenv("SPYGLASS_CONFIG", str(config))
    settings = load_settings()
    assert (settings.evaluators.batch_ms, settings.alerts.log_path) == (40, "x.jsonl")


def test_sections_are_typed_and_frozen():
    settings = load_settings(api_host="0.0.0.0", api_port=9999, metrics_port_drift=9400)
    assert isinstance(settings, Settings) and isinstance(settings.evaluators, EvaluatorSettings)
    assert isinstance(settings.drift, DriftSettings) and isinstance(settings.drift.current_minutes, float)
    assert settings.api.url == "http://0.0.0.0:9999"
    assert load_settings(public_url="https://spyglass.example").api.url == "https://spyglass.example"
    assert (settings.metrics.port_for("drift"), settings.metrics.port_for("ingest")) == (9400, None)
    with pytest.raises(ValueError):
        settings.api.port = 1  # type: ignore[misc]


def test_every_published_name_is_kept_and_the_topic_matches_the_wire():
    from spyglass.sdk.wire import SPANS_TOPIC as WIRE_TOPIC

    assert set(PUBLISHED) <= set(setting_names())
    assert SPANS_TOPIC == WIRE_TOPIC


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("SPYGLASS_PARTITIONS", "zero")
    monkeypatch.setenv("SPYGLASS_EVAL_BATCH_MS", "0")
    with pytest.raises(ConfigError, match="SPYGLASS_PARTITIONS") as caught:
        load_settings()
    assert "SPYGLASS_EVAL_BATCH_MS" in str(caught.value)  # every bad value at once, by its variable


def test_unknown_file_key_is_refused(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("partitons = 3\n")
    with pytest.raises(ConfigError, match=r"SPYGLASS_PARTITONS \(did you mean SPYGLASS_PARTITIONS\?\)"):
        load_settings(config)


def test_misspelt_argument_is_refused():
    with pytest.raises(ConfigError, match="SPYGLASS_INGEST_BATCH_SPAN "):
        load_settings(ingest_batch_span=10)
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(batch_ms=10)  # a field name is not a setting name: sections keep their prefix


def test_bad_dsn_is_explained():
    from spyglass.storage import Store

    with pytest.raises(ConfigError, match="SPYGLASS_CLICKHOUSE_DSN"):
        Store("mysql://nope")
