"""Pure helpers of the trace API: span trees and pagination cursors."""

from __future__ import annotations

import pytest

from spyglass.api.tree import build_tree
from spyglass.core.errors import InvalidInput
from spyglass.storage.traces import decode_cursor, encode_cursor


def span(span_id, parent="", start=0.0):
    return {"span_id": span_id, "parent_span_id": parent, "start_time": start}


def test_tree_nests_and_orders_children():
    roots = build_tree([span("c2", "r", 2), span("r"), span("c1", "r", 1), span("g", "c1", 1.5)])
    assert [r["span_id"] for r in roots] == ["r"]
    assert [c["span_id"] for c in roots[0]["children"]] == ["c1", "c2"]
    assert roots[0]["children"][0]["children"][0]["span_id"] == "g"


def test_orphans_become_roots():
    roots = build_tree([span("a", "missing", 1), span("b", "", 0)])
    assert [r["span_id"] for r in roots] == ["b", "a"]


def test_cursor_round_trip_and_garbage():
    assert decode_cursor(encode_cursor(123, "trace:with:colons")) == (123, "trace:with:colons")
    for garbage in ("not-a-cursor", "bm90LWEtY3Vyc29y", "%%%"):
        with pytest.raises(InvalidInput):
            decode_cursor(garbage)
