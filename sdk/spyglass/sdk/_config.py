"""SDK settings: each from the ``init`` argument, else the ``SPYGLASS_*`` variable, else a default.

A bad value is logged with the name of the argument or variable and the fix, then the next
source is used: configuration mistakes must never stop the application from starting.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from spyglass.sdk._log import logger
from spyglass.sdk.wire import SPANS_TOPIC

DEFAULT_TOPIC = SPANS_TOPIC


@dataclass(frozen=True)
class Settings:
    """Resolved SDK configuration; built once by ``init`` and passed down."""

    project: str = "default"
    service: str = ""
    environment: str = ""
    release: str = ""
    kafka_bootstrap: str = ""
    kafka_topic: str = DEFAULT_TOPIC
    api_url: str = ""
    api_key: str = ""  # for the HTTP transport: an ingest-scoped Spyglass API key
    sample_rate: float = 1.0
    max_queue_size: int = 20_000
    max_batch_size: int = 512
    max_in_flight: int = 8  # batches sent and not yet acknowledged (Kafka); 1 = wait for each ack
    flush_interval_s: float = 1.0
    shutdown_timeout_s: float = 5.0


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        number = float(value)  # accepts "0.5" from the environment
        if not low <= number <= high:  # also rejects NaN
            raise ValueError(f"expected a number from {low:g} to {high:g}")
        return number
    return parse


def _count(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("expected a whole number")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return number
    return parse


# field -> (environment variable, parser)
_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "project": ("SPYGLASS_PROJECT", _text),
    "service": ("SPYGLASS_SERVICE", _text),
    "environment": ("SPYGLASS_ENVIRONMENT", _text),
    "release": ("SPYGLASS_RELEASE", _text),
    "kafka_bootstrap": ("SPYGLASS_KAFKA_BOOTSTRAP", _text),
    "kafka_topic": ("SPYGLASS_KAFKA_TOPIC", _text),
    "api_url": ("SPYGLASS_API_URL", _text),
    "api_key": ("SPYGLASS_API_KEY", _text),
    "sample_rate": ("SPYGLASS_SAMPLE_RATE", _number(0.0, 1.0)),
    "max_queue_size": ("SPYGLASS_MAX_QUEUE_SIZE", _count(1, 10_000_000)),
    "max_batch_size": ("SPYGLASS_MAX_BATCH_SIZE", _count(1, 100_000)),
    "max_in_flight": ("SPYGLASS_MAX_IN_FLIGHT", _count(1, 64)),
    "flush_interval_s": ("SPYGLASS_FLUSH_INTERVAL", _number(0.001, 3600.0)),
    "shutdown_timeout_s": ("SPYGLASS_SHUTDOWN_TIMEOUT", _number(0.0, 3600.0)),
}


def resolve_settings(arguments: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build ``Settings`` from ``init`` arguments (None = not given) and the environment.

    Never raises: a bad argument falls back to the environment, a bad variable to the default,
    each with a warning that names it.
    """
    env = os.environ if environ is None else environ
    chosen: dict[str, Any] = {}
    for field, (variable, parse) in _FIELDS.items():
        for source, value in ((f"init({field}=...)", arguments.get(field)), (variable, env.get(variable))):
            if value is None or (source == variable and value == ""):
                continue
            try:
                chosen[field] = parse(value)
                break
            except (TypeError, ValueError) as exc:
                logger.warning("spyglass: ignoring %s=%r: %s; fix the value or remove it",
                               source, value, exc)
    if "service" not in chosen:
        # A service name makes traces findable; the script name is a better guess than nothing.
        chosen["service"] = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    return Settings(**chosen)
