"""Settings: argument, then SPYGLASS_* environment variable, then an optional TOML file, then default.

Built once at the edge (the CLI) and passed down; no other module reads the environment.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from spyglass.sdk.wire import SPANS_TOPIC
from spyglass.storage.errors import ConfigError


class Settings(BaseSettings):
    """Every setting, with its environment variable SPYGLASS_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_", extra="forbid", validate_default=True)

    # storage
    clickhouse_dsn: str = "chdb://./spyglass-data/clickhouse"
    clickhouse_database: str = "spyglass"
    retention_days: int = Field(0, ge=0, description="TTL on spans and rollups; 0 keeps forever")
    clickhouse_cluster: str = Field("", description="a server cluster name: `spyglass migrate` creates Replicated "
                                    "local tables and Distributed tables ON CLUSTER (docs/operations.md)")

    # broker
    kafka_bootstrap: str | None = Field(None, description="unset: start the embedded Tansu broker")
    spans_topic: str = SPANS_TOPIC
    dlq_topic: str = f"{SPANS_TOPIC}.dlq"
    partitions: int = Field(4, ge=1, le=1024)

    # ingest
    ingest_group: str = "ingest"
    ingest_batch_spans: int = Field(20_000, ge=1)
    ingest_batch_ms: int = Field(250, ge=1)
    ingest_decode_processes: int = Field(2, ge=0, le=64, description="worker processes that parse and validate spans; 0: on the consumer thread")
    # Tansu completes a group join only after max_poll_interval_ms: keep it small where restarts matter
    ingest_max_poll_interval_ms: int = Field(30_000, ge=1_000)
    ingest_session_timeout_ms: int = Field(10_000, ge=2_000)
    prices_file: str | None = Field(None, description="YAML price file whose models override or add to the "
                                    "packaged price table (ingest/prices/); see README 'Cost'")

    # api
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    public_url: str | None = Field(None, description="base URL used in links (alerts); default http://host:port")
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    auth: bool = Field(True, description="require API keys on /v1 endpoints")
    local_key_path: str = Field("./spyglass-data/local-key", description="where `spyglass up` keeps its operator key")

    # evaluators
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # auto: fp16 on CUDA; on CPU, bf16 linear layers where the CPU has native bf16, else fp32
    encoder_precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    evaluator_group: str = "evaluators"
    evaluators: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["toxicity", "pii", "hallucination"])
    eval_batch_spans: int = Field(256, ge=1)
    eval_batch_ms: int = Field(500, ge=1)
    eval_token_budget: int = Field(16_384, ge=64)
    detoxify_checkpoint: str | None = None
    detoxify_model: Literal["original", "unbiased", "multilingual"] = "original"
    toxicity_backend: Literal["auto", "detoxify", "embedding-head"] = "auto"

    # drift
    drift_interval_s: float = Field(900.0, ge=1.0, description="seconds between drift passes in spyglass up")
    drift_current_minutes: float = Field(60.0, gt=0, description="length of the current window")
    drift_reference_minutes: float = Field(1440.0, gt=0, description="trailing reference window before it")
    drift_min_samples: int = Field(100, ge=10, description="spans needed in each window to test a feature")
    drift_embed_sample: int = Field(1000, ge=0, description="texts embedded per window and field; 0: no embeddings")
    drift_max_rows: int = Field(200_000, ge=1_000, description="values sampled per numeric feature and window")
    drift_alpha: float = Field(0.01, gt=0, lt=1, description="false-alarm rate per group and run (Bonferroni)")

    # alerts
    alert_interval_s: float = Field(2.0, gt=0, description="seconds between rule evaluations")
    alert_rules: str | None = Field(None, description="comma-separated YAML rule files; unset: the packaged defaults")
    alert_renotify_s: float = Field(3600.0, ge=0, description="re-page an unacknowledged firing alert; 0 = never")
    alert_log_path: str | None = Field("./spyglass-data/alerts.jsonl", description="log channel file; unset: logger")
    alertmanager_repost_s: float = Field(30.0, gt=0, le=60, description="post firing alerts to Alertmanager "
                                         "channels again this often (endsAt is 4 intervals ahead)")

    # Prometheus metrics (GET /metrics): the API serves them itself; other roles on a port each (unset: off)
    metrics_host: str = Field("127.0.0.1", description="address the per-role metrics ports listen on")
    metrics_port_ingest: int | None = Field(None, ge=0, le=65535, description="`spyglass ingest`; 0: any free port")
    metrics_port_evaluate: int | None = Field(None, ge=0, le=65535, description="`spyglass evaluate`")
    metrics_port_alerts: int | None = Field(None, ge=0, le=65535, description="`spyglass alerts`")
    metrics_port_drift: int | None = Field(None, ge=0, le=65535, description="`spyglass drift` (while it runs)")
    metrics_port_up: int | None = Field(None, ge=0, le=65535, description="`spyglass up` (also on the API's /metrics)")

    @field_validator("evaluators", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("prices_file")
    @classmethod
    def _readable_prices(cls, value: str | None) -> str | None:
        from spyglass.ingest.prices import PriceError, load_prices

        try:
            load_prices(value)  # a bad file is a settings error at startup, not a failure in ingest
        except PriceError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def api_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings; a bad value raises ``ConfigError`` naming the variable and what is wanted.

    ``config_file`` (or SPYGLASS_CONFIG) is a TOML file of the same names in lower case; the
    environment overrides it, explicit ``overrides`` override both.
    """
    path = config_file or os.environ.get("SPYGLASS_CONFIG")
    from_file: dict[str, Any] = {}
    if path:
        try:
            from_file = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
    env_names = {name for name in Settings.model_fields if f"SPYGLASS_{name.upper()}" in os.environ}
    values = {k: v for k, v in from_file.items() if k not in env_names}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except SettingsError as exc:
        raise ConfigError(f"invalid settings: {exc}") from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            problems.append(f"SPYGLASS_{name.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems)) from None
