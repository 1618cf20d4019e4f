"""Request bodies read with bounded memory: counted as they arrive, inflated in steps under a cap.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body is
refused as soon as its running count passes the limit; a compressed body is inflated a slice at
a time and refused when the output passes the limit or ``MAX_RATIO`` times its compressed size
(a gzip or deflate bomb costs at most the limit, never its inflated size).
"""

from __future__ import annotations

import zlib
from typing import Any, Callable

import orjson
from fastapi import Request

from spyglass.api.errors import http_error
from spyglass.core.errors import InvalidInput, TooLarge, UnsupportedFormat

# Bodies of the endpoints that take no spans (keys, rules, baselines, SQL) are small.
SMALL_BODY_BYTES = 1 << 20
# A real span batch compresses 5-30x; past this ratio a body is a bomb, not telemetry.
MAX_RATIO = 200
# Below this much output the ratio is not checked (tiny bodies of repeated text are fine).
RATIO_FLOOR_BYTES = 1 << 20
_STEP_BYTES = 1 << 20


def too_large(what: str, limit: int) -> TooLarge:
    """413 naming the limit."""
    return TooLarge(f"{what} exceeds the limit of {limit} bytes; send smaller batches")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes: 413 as soon as it is known to be larger."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(f"body of {declared} bytes", limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large("body", limit)
    return bytes(body)


def inflate(body: bytes, encoding: str, limit: int, max_ratio: int = MAX_RATIO) -> bytes:
    """``body`` decoded per ``Content-Encoding`` (gzip, deflate or none), at most ``limit`` bytes out.

    415 for other encodings, 400 for corrupt or truncated data, 413 past ``limit`` or the ratio.
    CPU-bound: call it off the event loop.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise UnsupportedFormat(f"unsupported Content-Encoding {encoding!r}; use gzip, deflate or none")
    cap = min(limit, max(RATIO_FLOOR_BYTES, max_ratio * len(body)))
    out = bytearray()
    rest = body
    try:
        while rest:  # a gzip body may hold several members, each with its own decompressor
            inflater = zlib.decompressobj(_wbits(encoding, rest))
            while rest and not inflater.eof:
                out += inflater.decompress(rest, _STEP_BYTES)
                rest = inflater.unconsumed_tail
                if len(out) > cap:
                    what = "inflated body" if len(out) > limit else f"inflated body ({max_ratio}x its compressed size)"
                    raise too_large(what, cap)
            if not inflater.eof:
                raise InvalidInput(f"body is not valid {encoding}: the compressed data is truncated")
            rest = inflater.unused_data if encoding != "deflate" else b""
    except zlib.error as exc:
        raise InvalidInput(f"body is not valid {encoding}: {exc}") from None
    return bytes(out)


def _wbits(encoding: str, data: bytes) -> int:
    if encoding != "deflate":
        return 16 + zlib.MAX_WBITS
    # HTTP "deflate" is zlib-wrapped; some clients send raw deflate: the zlib header tells them apart
    zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


class BodyLimitMiddleware:
    """ASGI middleware: every request body counted as it arrives, 413 past the limit of its path.

    Covers the endpoints whose body FastAPI reads whole (pydantic models), so no body is ever
    buffered past its limit; the ingest endpoints also check their own (same) limit.
    """

    def __init__(self, app: Any, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["method"], scope["path"])
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:
            body = orjson.dumps({"detail": f"body of {int(declared)} bytes exceeds the limit of {limit} bytes"})
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                                    (b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})
        received = 0

        async def counted() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # FastAPI passes only an HTTPException from its body read through
                    raise http_error(too_large("body", limit))
            return message

        return await self.app(scope, counted, send)
