"""Pure ingest decoding: rows and dead letters from record values."""

from __future__ import annotations

import orjson

from spyglass.ingest.decode import Source, decode_values
from spyglass.sdk.wire import encode_record

GOOD = {"trace_id": "t", "span_id": "s", "project": "p", "name": "n", "start_time": 1.0}


def test_good_bad_and_broken_records():
    src = Source("spans", 2, 40)
    out = decode_values([(encode_record([GOOD, {**GOOD, "span_id": "x", "kind": "bogus"}]), src),
                         (b"garbage", Source("spans", 2, 41))])
    assert [r["span_id"] for r in out.rows] == ["s"]
    assert [(d.field, d.span_id, str(d.source)) for d in out.dead] == [("kind", "x", "spans/2/40"),
                                                                        ("", "", "spans/2/41")]
    assert orjson.loads(out.dead[0].payload)["kind"] == "bogus", "the original span is kept"
    assert out.dead[1].payload == b"garbage", "the original record bytes are kept"
    headers = dict(out.dead[0].headers())
    assert headers["spyglass-error"].startswith(b"'bogus' is not one of")
