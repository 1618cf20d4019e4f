"""Turn a batch of span dicts into wire-format records: pure functions, no I/O."""

from __future__ import annotations

import json
from typing import Any, Optional

from spyglass.sdk.wire import MAX_RECORD_BYTES, SCHEMA_VERSION, encode_record

try:  # several times faster than json: the encoding is most of the export thread's work
    import orjson
except ImportError:  # pragma: no cover - a dependency of spyglass-sdk; kept optional for vendored copies
    orjson = None  # type: ignore[assignment]

# Dates and dataclasses go through default=str, as with json, so a span reads the same either way.
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                   if orjson is not None else 0)


def _encode(spans: list[dict[str, Any]]) -> bytes:
    """``wire.encode_record``, with orjson when it can encode the batch (else the standard encoder)."""
    if orjson is not None:
        try:
            return orjson.dumps({"schema_version": SCHEMA_VERSION, "spans": spans}, default=str,
                                option=_ORJSON_OPTIONS)
        except TypeError:  # cycles, huge integers, lone surrogates: json decides, as it always did
            pass
    return encode_record(spans)


def _repair(span: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A JSON-safe copy of a span that ``encode_record`` refused, or None if there is none.

    ``default=str`` already turns unknown objects into text; what remains are non-string
    dict keys (skipped) and reference cycles (unrepairable).
    """
    try:
        return json.loads(json.dumps(span, skipkeys=True, default=str))
    except (TypeError, ValueError, RecursionError):
        return None


def encode_records(spans: list[dict[str, Any]], max_bytes: int = MAX_RECORD_BYTES
                   ) -> tuple[list[tuple[bytes, int]], int]:
    """Encode ``spans`` as records of at most ``max_bytes`` each.

    Returns ``([(record, span_count), ...], dropped)``: spans that cannot be encoded at all, or
    that alone exceed ``max_bytes``, are dropped and counted rather than failing the batch.
    """
    try:
        record = _encode(spans)
    except (TypeError, ValueError, RecursionError):
        repaired = [_repair(span) for span in spans]
        kept = [span for span in repaired if span is not None]
        records, dropped = encode_records(kept, max_bytes) if kept else ([], 0)
        return records, dropped + len(spans) - len(kept)
    if len(record) <= max_bytes:
        return [(record, len(spans))], 0
    if len(spans) == 1:
        return [], 1
    half = len(spans) // 2
    first, dropped_first = encode_records(spans[:half], max_bytes)
    second, dropped_second = encode_records(spans[half:], max_bytes)
    return first + second, dropped_first + dropped_second
