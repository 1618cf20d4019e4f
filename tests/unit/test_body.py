"""Inflating request bodies under a size and ratio cap (pure functions, no server)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from spyglass.api.body import MAX_RATIO, inflate
from spyglass.api.errors import status_of
from spyglass.core.errors import SpyglassError


def _status(body: bytes, encoding: str, limit: int) -> tuple[int, str]:
    with pytest.raises(SpyglassError) as refused:
        inflate(body, encoding, limit)
    return status_of(refused.value), refused.value.message


def test_plain_gzip_multi_member_zlib_and_raw_deflate_inflate():
    text = b'{"spans": []}' * 100
    assert inflate(text, "", 10_000) == text and inflate(text, "identity", 10_000) == text
    assert inflate(gzip.compress(text[:50]) + gzip.compress(text[50:]), "gzip", 10_000) == text
    assert inflate(zlib.compress(text), "deflate", 10_000) == text
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert inflate(raw.compress(text) + raw.flush(), "deflate", 10_000) == text


def test_over_the_limit_or_the_ratio_is_413_before_inflating_it_all():
    zeros = gzip.compress(bytes(8 << 20))  # ~8 KB that inflates to 8 MiB: ratio ~1000
    assert _status(zeros, "gzip", 1 << 20)[0] == 413
    status, message = _status(zeros, "gzip", 1 << 30)  # under the size limit, over the ratio
    assert status == 413 and f"{MAX_RATIO}x" in message


@pytest.mark.parametrize("body, encoding, status", [
    (gzip.compress(b"x" * 1000)[:-12], "gzip", 400),
    (b"not compressed", "gzip", 400),
    (b"not compressed", "deflate", 400),
    (b"{}", "br", 415),
])
def test_corrupt_truncated_or_unknown_encodings_are_refused(body, encoding, status):
    assert _status(body, encoding, 1 << 20)[0] == status
