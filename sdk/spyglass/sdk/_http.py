"""HTTP exporter: ``POST {api_url}/v1/spans`` with the wire-format body, standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Optional

from spyglass.sdk._export import ExportError

# Temporary conditions worth another attempt; other 4xx mean the request itself is wrong.
_RETRYABLE_STATUS = frozenset((408, 429, 500, 502, 503, 504))


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP-date; the worker's own backoff is good enough


def _rejected(body: bytes) -> list[int]:
    """Positions of the refused spans in a 422 answer (``detail.errors[].index``), else none."""
    try:
        errors = json.loads(body)["detail"]["errors"]
        return sorted({int(error["index"]) for error in errors})
    except (ValueError, KeyError, TypeError):
        return []


class HttpExporter:
    """Posts records to the Spyglass API; blocking, for the background thread only."""

    def __init__(self, api_url: str, timeout_s: float = 10.0, api_key: str = "") -> None:
        self._url = api_url.rstrip("/") + "/v1/spans"
        self._timeout_s = timeout_s
        self._headers = {"Content-Type": "application/json", "User-Agent": "spyglass-sdk"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def export(self, record: bytes) -> None:
        """POST one record; success is any 2xx (the API answers 202). Raises ``ExportError``."""
        request = urllib.request.Request(
            self._url, data=record, method="POST", headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code in _RETRYABLE_STATUS
            body = exc.read(1 << 20)
            detail = body[:500].decode(errors="replace")
            raise ExportError(f"POST {self._url} answered {exc.code}: {detail}", retryable=retryable,
                              retry_after_s=_retry_after(exc.headers.get("Retry-After")),
                              too_large=exc.code == 413,
                              rejected=_rejected(body) if exc.code == 422 else ()) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ExportError(f"POST {self._url} failed: {exc}", retryable=True) from exc

    def close(self) -> None:
        """Nothing to release: each request uses its own connection."""
