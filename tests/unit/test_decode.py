"""Pure ingest decoding: rows and dead letters from record values."""

from __future__ import annotations

import orjson

from spyglass.ingest.decode import Source, SpooledRecords, decode_for_insert, decode_values
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


def _file_span_ids(path) -> list[str]:
    return [span["span_id"] for span in orjson.loads(open(path, "rb").read())]


def test_decode_for_insert_writes_spans_to_a_file_and_keeps_their_keys(tmp_path):
    spans = [{**GOOD, "span_id": f"s{i}", "project": "p" if i % 2 else "q", "start_time": 10.0 + i,
              "user_id": f"u{i}"} for i in range(4)]
    items = [(encode_record(spans[:2]), Source("spans", 0, 6)),  # the fast path's
             (encode_record(spans[2:] + [{**GOOD, "kind": "bogus"}]), Source("spans", 0, 7)),  # the Python path's
             (encode_record([]), Source("spans", 0, 8))]
    out = decode_for_insert(items, str(tmp_path))
    encoded = out.encoded
    assert out.rows == [] and len(out.dead) == 1
    assert encoded.span_ids == ["s0", "s1", "s2", "s3"] and encoded.users == ["u0", "u1", "u2", "u3"]
    assert _file_span_ids(encoded.path) == ["s0", "s1", "s2", "s3"]
    assert encoded.projects == ["p", "q"] and (encoded.start_lo, encoded.start_hi) == (10.0, 13.0)

    encoded.keep_only([1, 3])
    assert _file_span_ids(encoded.path) == ["s1", "s3"]
    assert encoded.span_ids == ["s1", "s3"] and encoded.users == ["u1", "u3"]
    encoded.keep_only([])
    assert _file_span_ids(encoded.path) == [] and len(encoded) == 0
    encoded.discard()
    encoded.discard()
    assert list(tmp_path.iterdir()) == []


def test_spooled_records_reach_the_decoder_as_they_were(tmp_path):
    items = [(encode_record([GOOD]), Source("spans", 0, 1)), (None, Source("spans", 0, 2)),
             (b"", Source("spans", 1, 3)), (b"garbage", Source("spans", 1, 4))]
    spooled = SpooledRecords.write(items, str(tmp_path))
    assert spooled.read() == items and list(tmp_path.iterdir()) == [], "read once, then removed"
    out = decode_for_insert(SpooledRecords.write(items, str(tmp_path)), str(tmp_path))
    assert out.encoded.span_ids == ["s"] and [str(d.source) for d in out.dead] == ["spans/0/2", "spans/1/3",
                                                                                    "spans/1/4"]
    out.encoded.discard()
