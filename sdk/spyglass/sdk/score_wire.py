"""The wire format of scores from outside (feedback, reviews, the app's own checks): defined once.

A score record is JSON ``{"schema_version": 1, "scores": [...]}`` on its own Kafka topic
(``scores_topic``), apart from spans: span records stay one shape, and the score consumer is
small and never waits behind span batches.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Any

from spyglass.sdk.wire import MAX_ID_CHARS, SCHEMA_VERSION, SPANS_TOPIC

SOURCES = ("user", "reviewer", "api")
DATA_TYPES = ("numeric", "boolean", "categorical")
MAX_NAME = 100
MAX_COMMENT = 2_000
MAX_AUTHOR = 200
MAX_CATEGORY = 100


class ScoreError(ValueError):
    """A score that cannot be stored; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "error": str(self)}


def scores_topic(spans_topic: str = SPANS_TOPIC) -> str:
    """The score topic beside a span topic: ``spyglass.spans`` -> ``spyglass.scores``."""
    return spans_topic[: -len(".spans")] + ".scores" if spans_topic.endswith(".spans") else spans_topic + ".scores"


def _text(raw: dict, field: str, limit: int, required: bool = False) -> str:
    value = raw.get(field)
    if value is None or value == "":
        if required:
            raise ScoreError(field, "required, a non-empty string")
        return ""
    if not isinstance(value, str):
        raise ScoreError(field, f"expected a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ScoreError(field, f"longer than {limit} characters")
    return value


def validate_score(raw: Any) -> dict[str, Any]:
    """A normalized score row from what a sender gave; raises ``ScoreError`` naming the field."""
    if not isinstance(raw, dict):
        raise ScoreError("score", f"expected an object, got {type(raw).__name__}")
    row: dict[str, Any] = {
        "project": _text(raw, "project", MAX_ID_CHARS, required=True),
        "trace_id": _text(raw, "trace_id", MAX_ID_CHARS, required=True),
        "span_id": _text(raw, "span_id", MAX_ID_CHARS),
        "name": _text(raw, "name", MAX_NAME, required=True),
        "comment": _text(raw, "comment", MAX_COMMENT),
        "author": _text(raw, "author", MAX_AUTHOR),
        "score_id": _text(raw, "score_id", MAX_ID_CHARS) or uuid.uuid4().hex,
    }
    source = raw.get("source", "api")
    if source not in SOURCES:
        raise ScoreError("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    row["source"] = source
    value = raw.get("value")
    if value is None and raw.get("data_type") == "categorical":  # an already normalized row (the API's)
        value = raw.get("category")
    if isinstance(value, bool):
        row.update(data_type="boolean", value=1.0 if value else 0.0, category="")
    elif isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ScoreError("value", "must be a finite number")
        row.update(data_type="numeric", value=float(value), category="")
    elif isinstance(value, str) and value and len(value) <= MAX_CATEGORY:
        row.update(data_type="categorical", value=None, category=value)
    else:
        raise ScoreError("value", f"expected a number, true/false or a category of 1-{MAX_CATEGORY} characters, "
                                  f"got {value!r}")
    at = raw.get("timestamp", raw.get("scored_at", time.time()))  # scored_at: an already normalized row
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) or at <= 0:
        raise ScoreError("timestamp", "expected epoch seconds")
    row["scored_at"] = float(at)
    return row


def encode_scores(scores: list[dict[str, Any]]) -> bytes:
    """One record holding ``scores`` (JSON)."""
    return json.dumps({"schema_version": SCHEMA_VERSION, "scores": scores}, default=str).encode()
