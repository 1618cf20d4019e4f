"""Settings: argument over environment over file over default; bad values name the variable."""

from __future__ import annotations

import pytest

from spyglass.cli.settings import load_settings
from spyglass.storage.errors import ConfigError


def test_precedence(tmp_path, monkeypatch):
    config = tmp_path / "spyglass.toml"
    config.write_text('partitions = 8\napi_port = 9000\nclickhouse_database = "fromfile"\n')
    monkeypatch.setenv("SPYGLASS_API_PORT", "9100")
    monkeypatch.setenv("SPYGLASS_EVALUATORS", "toxicity, pii ,hallucination")
    settings = load_settings(config, clickhouse_database="fromarg")
    assert (settings.partitions, settings.api_port, settings.clickhouse_database) == (8, 9100, "fromarg")
    assert settings.evaluators == ["toxicity", "pii", "hallucination"]


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("SPYGLASS_PARTITIONS", "zero")
    with pytest.raises(ConfigError, match="SPYGLASS_PARTITIONS"):
        load_settings()


def test_unknown_file_key_is_refused(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("partitons = 3\n")
    with pytest.raises(ConfigError, match="SPYGLASS_PARTITONS"):
        load_settings(config)


def test_bad_dsn_is_explained():
    from spyglass.storage import Store

    with pytest.raises(ConfigError, match="SPYGLASS_CLICKHOUSE_DSN"):
        Store("mysql://nope")
