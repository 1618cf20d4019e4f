"""Pure ingest decoding: rows and dead letters from record values."""

from __future__ import annotations

import orjson

from spyglass.ingest.decode import Source, decode_for_insert, decode_values
from spyglass.sdk.wire import encode_record, validate_span

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


def test_decode_for_insert_encodes_rows_once_with_their_keys():
    spans = [{**GOOD, "span_id": f"s{i}", "project": "p" if i % 2 else "q", "start_time": 10.0 + i}
             for i in range(4)]
    out = decode_for_insert([(encode_record(spans + [{**GOOD, "kind": "bogus"}]), Source("spans", 0, 7))])
    encoded = out.encoded
    assert out.rows == [] and len(out.dead) == 1
    assert encoded.span_ids == ["s0", "s1", "s2", "s3"]
    assert encoded.projects == ["p", "q"] and (encoded.start_lo, encoded.start_hi) == (10.0, 13.0)
    lines = encoded.body.split(b"\n")
    assert [orjson.loads(line) for line in lines] == [validate_span(s) for s in spans]
    assert encoded.lines([0, 1, 2, 3]) is encoded.body
    assert encoded.lines([1, 3]) == b"\n".join([lines[1], lines[3]])
    assert encoded.lines([0]) == lines[0] and encoded.lines([]) == b""
