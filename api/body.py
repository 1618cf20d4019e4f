"""Request bodies read with bounded memory: counted as they arrive, inflated in steps under a cap.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body is
refused as soon as its running count passes the limit; a compressed body is inflated a slice at
a time and refused when the output passes the limit or ``MAX_RATIO`` times its compressed size
(a gzip or deflate bomb costs at most the limit, never its inflated size).
"""

from __future__ import annotations

import zlib

from fastapi import HTTPException, Request

from spyglass.api.errors import bad_request

# A real span batch compresses 5-30x; past this ratio a body is a bomb, not telemetry.
MAX_RATIO = 200
# Below this much output the ratio is not checked (tiny bodies of repeated text are fine).
RATIO_FLOOR_BYTES = 1 << 20
_STEP_BYTES = 1 << 20


def too_large(what: str, limit: int) -> HTTPException:
    """413 naming the limit."""
    return bad_request(f"{what} exceeds the limit of {limit} bytes; send smaller batches", 413)


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
        raise bad_request(f"unsupported Content-Encoding {encoding!r}; use gzip, deflate or none", 415)
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
                raise bad_request(f"body is not valid {encoding}: the compressed data is truncated")
            rest = inflater.unused_data if encoding != "deflate" else b""
    except zlib.error as exc:
        raise bad_request(f"body is not valid {encoding}: {exc}") from None
    return bytes(out)


def _wbits(encoding: str, data: bytes) -> int:
    if encoding != "deflate":
        return 16 + zlib.MAX_WBITS
    # HTTP "deflate" is zlib-wrapped; some clients send raw deflate: the zlib header tells them apart
    zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
