"""Settings: argument, then SPYGLASS_* environment variable, then an optional TOML file, then default.

Built once at the edge (the CLI) and passed down as typed sections (``settings.ingest``,
``settings.evaluators``, ...); this is the only backend module that reads the environment.
Each section's variables are its ``env_prefix`` plus the field name, or the field's alias.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from spyglass.core.errors import ConfigError

# the wire's topic (spyglass.sdk.wire.SPANS_TOPIC; core imports nothing of the project, a unit test
# checks they agree)
SPANS_TOPIC = "spyglass.spans"


class Section(BaseSettings):
    """Base of every section: SPYGLASS_* variables, unknown names refused, values frozen."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_", extra="forbid", validate_default=True,
                                      frozen=True, populate_by_name=True)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name -> its environment variable."""
        prefix = cls.model_config.get("env_prefix", "")
        return {name: (field.validation_alias if isinstance(field.validation_alias, str) else prefix + name).upper()
                for name, field in cls.model_fields.items()}


class StorageSettings(Section):
    """ClickHouse: where the data lives and for how long."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_CLICKHOUSE_")

    dsn: str = "chdb://./spyglass-data/clickhouse"
    database: str = "spyglass"
    cluster: str = Field("", description="a server cluster name: `spyglass migrate` creates Replicated local "
                         "tables and Distributed tables ON CLUSTER (docs/operations.md)")
    retention_days: int = Field(0, ge=0, validation_alias="SPYGLASS_RETENTION_DAYS",
                                description="TTL on spans and rollups; 0 keeps forever")
    retention_interval_s: float = Field(3600.0, ge=1.0, validation_alias="SPYGLASS_RETENTION_INTERVAL_S",
                                        description="seconds between per-project retention passes in spyglass up "
                                        "(PUT /v1/projects/{project}/retention)")


class BrokerSettings(Section):
    """Kafka: the cluster and the topics Spyglass creates there."""

    kafka_bootstrap: str | None = Field(None, description="unset: start the embedded Tansu broker")
    spans_topic: str = SPANS_TOPIC
    dlq_topic: str = f"{SPANS_TOPIC}.dlq"
    partitions: int = Field(4, ge=1, le=1024)
    # embedded broker only (Tansu keeps records in memory and cannot delete them; broker/rotation.py)
    broker_memory_soft_mb: int = Field(256, ge=16, description="embedded broker memory above which the spans "
                                       "topic is recreated without what every consumer group has read")
    broker_memory_max_mb: int = Field(1024, ge=32, description="embedded broker memory cap: there the oldest "
                                      "records the evaluators have not read are shed, counted and logged "
                                      "(never what ingest has not stored)")
    broker_retention_interval_s: float = Field(10.0, gt=0, description="how often the embedded broker's "
                                               "memory and the groups' offsets are checked")


class IngestSettings(Section):
    """The ingest consumer group (spans and outside scores into ClickHouse)."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_INGEST_")

    group: str = "ingest"
    batch_spans: int = Field(20_000, ge=1)
    batch_ms: int = Field(250, ge=1)
    decode_processes: int = Field(1, ge=0, le=64, description="worker processes that parse and validate "
                                                              "spans; 0: on the consumer thread")
    # Tansu (the embedded broker) completes a group join only after this long, so it stays small;
    # ingest polls every batch, far more often than this
    max_poll_interval_ms: int = Field(5_000, ge=1_000)
    session_timeout_ms: int = Field(10_000, ge=2_000)
    prices_file: str | None = Field(None, validation_alias="SPYGLASS_PRICES_FILE",
                                    description="YAML price file whose models override or add to the packaged "
                                                "price table (ingest/prices/); see README 'Cost'")


class EvaluatorSettings(Section):
    """The evaluator consumer group and its models."""

    device: Literal["auto", "cpu", "cuda"] = "auto"
    # auto: fp16 on CUDA; on CPU int8 (ONNX Runtime) where installed, else bf16 linear layers where faster, else fp32
    encoder_precision: Literal["auto", "fp32", "bf16", "fp16", "int8"] = "auto"
    model_cache: str | None = Field(None, validation_alias="SPYGLASS_MODEL_CACHE",
                                    description="folder for models built at first start (the int8 encoder); "
                                                "unset: ~/.cache/spyglass")
    names: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["toxicity", "pii", "hallucination"],
                                                  validation_alias="SPYGLASS_EVALUATORS")
    group: str = Field("evaluators", validation_alias="SPYGLASS_EVALUATOR_GROUP")
    batch_spans: int = Field(256, ge=1, validation_alias="SPYGLASS_EVAL_BATCH_SPANS")
    batch_ms: int = Field(500, ge=1, validation_alias="SPYGLASS_EVAL_BATCH_MS")
    token_budget: int = Field(16_384, ge=64, validation_alias="SPYGLASS_EVAL_TOKEN_BUDGET")
    pii_processes: int | None = Field(None, ge=0, le=64, validation_alias="SPYGLASS_PII_PROCESSES",
                                      description="worker processes for Presidio's pattern stage; 0: on the "
                                      "evaluator's thread; unset: 0 on CPU, all cores but two (at most 12) "
                                      "with a GPU, where that stage is the bottleneck")
    # a batch of models on CPU can take seconds between polls: more room than ingest
    max_poll_interval_ms: int = Field(30_000, ge=1_000, validation_alias="SPYGLASS_EVAL_MAX_POLL_INTERVAL_MS")
    target_lag_s: float = Field(30.0, ge=0, validation_alias="SPYGLASS_EVAL_TARGET_LAG_S",
                                description="beyond this lag the evaluators score a weighted sample (risky spans "
                                "first) and leave the rest to `spyglass backfill`; 0: score all")
    detoxify_checkpoint: str | None = None
    detoxify_model: Literal["original", "unbiased", "multilingual"] = "original"
    toxicity_backend: Literal["auto", "detoxify", "embedding-head"] = "auto"

    @field_validator("names", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class DriftSettings(Section):
    """The drift monitor's windows and statistical thresholds."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_DRIFT_")

    interval_s: float = Field(900.0, gt=0, description="seconds between drift passes in spyglass up")
    current_minutes: float = Field(60.0, gt=0, description="length of the current window")
    reference_minutes: float = Field(1440.0, gt=0, description="trailing reference window before it")
    min_samples: int = Field(100, ge=10, description="spans needed in each window to test a feature")
    embed_sample: int = Field(1000, ge=0, description="texts embedded per window and field; 0: no embeddings")
    max_rows: int = Field(200_000, ge=1_000, description="values sampled per numeric feature and window")
    alpha: float = Field(0.01, gt=0, lt=1, description="false-alarm rate per group and run (Bonferroni)")
    # `spyglass up` with demo traffic: its drift incident lasts 30 s and must page within minutes, so the
    # demo replaces the four above (real deployments keep the hour-long windows)
    demo_interval_s: float = Field(30.0, ge=1.0, validation_alias="SPYGLASS_DEMO_DRIFT_INTERVAL_S",
                                   description="seconds between drift passes in the demo")
    demo_current_minutes: float = Field(2.0, gt=0, validation_alias="SPYGLASS_DEMO_DRIFT_CURRENT_MINUTES",
                                        description="the demo's current drift window")
    demo_reference_minutes: float = Field(10.0, gt=0, validation_alias="SPYGLASS_DEMO_DRIFT_REFERENCE_MINUTES",
                                          description="the demo's reference drift window")
    # 30 passes for every one of the real schedule's: alpha 30x smaller keeps false alarms per hour where they were
    demo_alpha: float = Field(0.0003, gt=0, lt=1, validation_alias="SPYGLASS_DEMO_DRIFT_ALPHA",
                              description="the demo's drift false-alarm rate per run")


class BiasSettings(Section):
    """The bias monitor (spyglass.bias): a pass over every project's recent LLM calls in `spyglass up`."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_BIAS_")

    interval_s: float = Field(900.0, ge=1.0, description="seconds between bias passes in spyglass up")
    window_minutes: float = Field(60.0, gt=0, description="each pass compares segments over this window")
    metadata_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="comma-separated metadata keys whose values are segments too")
    alpha: float = Field(0.01, gt=0, lt=1, description="family-wise error rate per pass (Holm)")
    min_n: int = Field(30, ge=5, description="segments with fewer LLM calls are not tested")
    demo_interval_s: float = Field(30.0, ge=1.0, validation_alias="SPYGLASS_DEMO_BIAS_INTERVAL_S",
                                   description="seconds between bias passes in the demo")
    demo_window_minutes: float = Field(3.0, gt=0, validation_alias="SPYGLASS_DEMO_BIAS_WINDOW_MINUTES",
                                       description="the demo's bias window")
    demo_alpha: float = Field(0.0003, gt=0, lt=1, validation_alias="SPYGLASS_DEMO_BIAS_ALPHA",
                              description="the demo's family-wise error rate per pass")

    @field_validator("metadata_keys", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class AlertSettings(Section):
    """The alert engine."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_ALERT_")

    interval_s: float = Field(2.0, gt=0, description="seconds between rule evaluations")
    rules: str | None = Field(None, description="comma-separated YAML rule files; unset: the packaged defaults")
    renotify_s: float = Field(3600.0, ge=0, description="re-page an unacknowledged firing alert; 0 = never")
    log_path: str | None = Field("./spyglass-data/alerts.jsonl", description="log channel file; unset: logger")
    alertmanager_repost_s: float = Field(30.0, gt=0, le=60, validation_alias="SPYGLASS_ALERTMANAGER_REPOST_S",
                                         description="post firing alerts to Alertmanager channels again this "
                                                     "often (endsAt is 4 intervals ahead)")


class ApiSettings(Section):
    """The HTTP API and the keys that guard it."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_API_")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_url: str | None = Field(None, validation_alias="SPYGLASS_PUBLIC_URL",
                                   description="base URL used in links (alerts); default http://host:port")
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024, validation_alias="SPYGLASS_MAX_REQUEST_BYTES")
    auth: bool = Field(True, validation_alias="SPYGLASS_AUTH", description="require API keys on /v1 endpoints")
    local_key_path: str = Field("./spyglass-data/local-key", validation_alias="SPYGLASS_LOCAL_KEY_PATH",
                                description="where `spyglass up` keeps its operator key")

    @property
    def url(self) -> str:
        """The base URL for links: ``public_url``, else http://host:port."""
        return self.public_url or f"http://{self.host}:{self.port}"


class MetricsSettings(Section):
    """Prometheus metrics: the API serves /metrics itself; other roles on a port each (unset: off)."""

    model_config = SettingsConfigDict(env_prefix="SPYGLASS_METRICS_")

    host: str = Field("127.0.0.1", description="address the per-role metrics ports listen on")
    port_ingest: int | None = Field(None, ge=0, le=65535, description="`spyglass ingest`; 0: any free port")
    port_evaluate: int | None = Field(None, ge=0, le=65535, description="`spyglass evaluate`")
    port_alerts: int | None = Field(None, ge=0, le=65535, description="`spyglass alerts`")
    port_drift: int | None = Field(None, ge=0, le=65535, description="`spyglass drift` (while it runs)")
    port_up: int | None = Field(None, ge=0, le=65535, description="`spyglass up` (also on the API's /metrics)")

    def port_for(self, command: str) -> int | None:
        """The metrics port of the command ``command`` (None: no separate endpoint)."""
        ports = {"ingest": self.port_ingest, "evaluate": self.port_evaluate, "alerts": self.port_alerts,
                 "drift": self.port_drift, "up": self.port_up}
        return ports.get(command)


class TrainingSettings(Section):
    """Where the training and accuracy tooling finds its data (not part of a running Spyglass)."""

    datasets: str | None = Field(None, description="the shared datasets folder; unset: ../shared/datasets")
    halluc_cache: str = Field("/tmp/halluc_cache", description="on-disk embedding cache of the hallucination "
                                                               "training tooling")
    precision: Literal["fp32", "int8"] = Field(
        "fp32", validation_alias="SPYGLASS_TRAINING_PRECISION",
        description="the shared encoder's precision in training and accuracy runs; the shipped heads are trained "
                    "on fp32, and int8 (the CPU default of a running Spyglass) measures them as they run there")


class Settings(BaseModel):
    """Every setting of a running Spyglass, by section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    storage: StorageSettings = Field(default_factory=StorageSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    evaluators: EvaluatorSettings = Field(default_factory=EvaluatorSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    bias: BiasSettings = Field(default_factory=BiasSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)


SECTIONS: dict[str, type[Section]] = {name: field.annotation for name, field in Settings.model_fields.items()}


def setting_names() -> dict[str, tuple[str, str]]:
    """Each setting's name (its variable without SPYGLASS_, lower case) -> (section, field)."""
    return {variable.removeprefix("SPYGLASS_").lower(): (section, field)
            for section, cls in SECTIONS.items() for field, variable in cls.variables().items()}


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings; a bad value or an unknown name raises ``ConfigError`` naming the variable.

    ``config_file`` (or SPYGLASS_CONFIG) is a TOML file of the settings' names in lower case
    (``api_port = 9000``); the environment overrides it, explicit ``overrides`` (the same names,
    None: not given) override both.
    """
    path = config_file or os.environ.get("SPYGLASS_CONFIG")
    from_file: dict[str, Any] = {}
    if path:
        try:
            from_file = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
    names = setting_names()
    _refuse_unknown(names, from_file, f"in {path}")
    _refuse_unknown(names, overrides, "given")
    given: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    for source in (from_file, {k: v for k, v in overrides.items() if v is not None}):
        for name, value in source.items():
            variable = f"SPYGLASS_{name.upper()}"
            if source is from_file and variable in os.environ:
                continue  # the environment wins over the file
            section, field = names[name]
            given[section][field] = value
    sections: dict[str, Section] = {}
    problems: list[str] = []
    for section, cls in SECTIONS.items():
        try:
            sections[section] = cls(**given[section])  # arguments beat the environment
        except SettingsError as exc:
            problems.append(str(exc))
        except ValidationError as exc:
            problems.extend(_explain(cls, exc))
    if problems:
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
    return Settings(**sections)


def _refuse_unknown(names: dict[str, tuple[str, str]], given: dict[str, Any], where: str) -> None:
    unknown = [name for name in given if name not in names]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), names, n=1)
        hints.append(f"SPYGLASS_{name.upper()}" + (f" (did you mean SPYGLASS_{close[0].upper()}?)" if close else ""))
    raise ConfigError(f"unknown setting(s) {where}: {', '.join(hints)}")


def _explain(cls: type[Section], exc: ValidationError) -> list[str]:
    """One line per bad value: the variable, what is wanted, what was given."""
    variables = cls.variables()
    by_key = {**variables, **{v: v for v in variables.values()}}
    problems = []
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "?"
        problems.append(f"{by_key.get(key, key.upper())}: {err['msg']} (got {err.get('input')!r})")
    return problems


def offline_model_hub() -> None:
    """Keep Hugging Face libraries offline unless the operator set otherwise; call before importing them.

    They read these variables when first imported, so model loaders call this first; only a
    local path or the local cache loads then, and a missing model fails at once instead of
    waiting on an unreachable hub.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
