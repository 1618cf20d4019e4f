"""Pure parts of the console: session cookies, CSRF, safe redirects, text marks, waterfall, charts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from spyglass.console.charts import distribution, line_chart
from spyglass.console.evidence import Mark, chat_messages, evidence, marks_for, segments
from spyglass.console.session import (csrf_ok, csrf_token, dump_session, load_session, new_session, safe_next)
from spyglass.console.waterfall import waterfall

SECRET = b"k" * 32


def test_session_round_trip_tamper_and_expiry():
    session = new_session("abc123", now=1000.0)
    cookie = dump_session(SECRET, session)
    assert load_session(SECRET, cookie, now=1001.0) == session
    assert load_session(b"x" * 32, cookie, now=1001.0) is None, "another secret"
    payload, mac = cookie.split(".")
    assert load_session(SECRET, payload[:-2] + "AA." + mac, now=1001.0) is None, "tampered payload"
    assert load_session(SECRET, cookie, now=1000.0 + 13 * 3600) is None, "expired"
    assert load_session(SECRET, "garbage", now=1001.0) is None and load_session(SECRET, None) is None


def test_csrf_token_is_bound_to_the_session():
    one, two = new_session("a"), new_session("a")
    assert csrf_ok(SECRET, one, csrf_token(SECRET, one))
    assert not csrf_ok(SECRET, two, csrf_token(SECRET, one)) and not csrf_ok(SECRET, one, "")


def test_only_same_site_paths_are_returned_to():
    assert safe_next("/traces/t1?span=s") == "/traces/t1?span=s"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None, "javascript:alert(1)"):
        assert safe_next(bad) == "/"


def test_pii_is_masked_and_toxic_parts_highlighted():
    text = "call me at 555-0100, you idiot"
    marks = [Mark(11, 19, "pii", "PHONE_NUMBER"), Mark(25, 30, "toxic", "insult"), Mark(8, 14, "toxic", "x")]
    parts = segments(text, marks)
    assert "".join(p for _, p in parts) == "call me at <PHONE_NUMBER>, you idiot"
    assert ("pii", "<PHONE_NUMBER>") in parts and ("toxic", "idiot") in parts
    assert "555" not in "".join(p for _, p in parts), "a highlight never shows a masked value"
    assert segments("plain", []) == [("text", "plain")]


def test_marks_come_from_the_evaluators_details():
    scores = {"pii": {"details": {"entities": [{"type": "EMAIL_ADDRESS", "start": 0, "end": 5, "field": "prompt"},
                                               {"type": "PERSON", "start": 2, "end": 4, "field": "completion"}]}},
              "toxicity": {"details": {"spans": [{"start": 6, "end": 9, "type": "insult"}, {"start": "bad"}]}}}
    assert marks_for("prompt", scores) == [Mark(0, 5, "pii", "EMAIL_ADDRESS")]
    assert marks_for("completion", scores) == [Mark(2, 4, "pii", "PERSON"), Mark(6, 9, "toxic", "insult")]


def test_evidence_of_each_evaluator():
    hallucination = evidence("hallucination", {"score": 0.9, "label": "hallucinated", "flagged": True, "details": {
        "unsupported_claims": [{"claim": "90 days", "support": 0.1, "evidence": "30 days", "source": "a.md"}],
        "threshold": 0.5}})
    assert hallucination.claims[0]["evidence"] == "30 days" and ("threshold", "0.5") in hallucination.facts
    pii = evidence("pii", {"score": 0.8, "flagged": True, "details": {
        "leaked_types": ["EMAIL_ADDRESS"], "redacted_preview": "mail <EMAIL_ADDRESS>",
        "entities": [{"type": "EMAIL_ADDRESS", "start": 5, "end": 20}]}})
    assert pii.pii_types == ["EMAIL_ADDRESS"] and not any(k == "entities" for k, _ in pii.facts)
    assert evidence("toxicity", {"score": float("nan"), "details": {}}).score is None


def test_chat_messages_tolerate_bad_json():
    assert chat_messages('[{"role": "user", "content": "hi"}]') == [{"role": "user", "content": "hi"}]
    assert chat_messages("not json") == [] and chat_messages('{"a": 1}') == [] and chat_messages("") == []


def test_waterfall_nests_in_order_to_scale():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def node(name, start_ms, ms, children=()):
        return {"span_id": name, "start_time": t0 + timedelta(milliseconds=start_ms),
                "end_time": t0 + timedelta(milliseconds=start_ms + ms), "children": list(children)}

    tree = [node("root", 0, 1000, [node("a", 0, 250), node("b", 500, 500, [node("c", 600, 100)])])]
    rows, total = waterfall(tree)
    assert [(r.span["span_id"], r.depth) for r in rows] == [("root", 0), ("a", 1), ("b", 1), ("c", 2)]
    assert total == 1000 and (rows[2].offset, rows[2].width) == (50.0, 50.0) and rows[3].offset == 60.0
    chain = node("s0", 0, 1)
    deepest = chain
    for i in range(1, 3000):  # deeper than Python's recursion limit
        child = node(f"s{i}", i, 1)
        deepest["children"].append(child)
        deepest = child
    assert len(waterfall([chain])[0]) == 3000
    assert (rows[2].bar_classes, rows[3].bar_classes) == ("o200 w200", "o240 w40")
    assert waterfall([node("z", 0, 1000, [node("tiny", 999, 0)])])[0][1].bar_classes == "o399 w1", "on the track"


def test_bar_classes_css_is_the_generated_one():
    from pathlib import Path

    from spyglass.console.waterfall import bar_css

    shipped = Path(__import__("spyglass.console", fromlist=["x"]).__file__).parent / "static" / "waterfall.css"
    assert shipped.read_text() == bar_css(), "regenerate static/waterfall.css from waterfall.bar_css()"
    assert ".o399{left:99.75%}" in bar_css() and ".w400{width:100%}" in bar_css()


def test_waterfall_rows_html_escapes_what_spans_say():
    from spyglass.console.waterfall import rows_html

    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    evil = {"span_id": 'x"><script>alert(1)</script>', "name": "<img src=x onerror=alert(2)>", "kind": "llm",
            "status": "error", "duration_ms": 1500.0, "start_time": t0, "end_time": t0 + timedelta(seconds=1.5),
            "children": []}
    rows, _ = waterfall([evil])
    html = str(rows_html(rows, {evil["span_id"]}, {evil["span_id"]: {"<b>tox</b>": {"flagged": True}}}, "none"))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "&lt;b&gt;tox&lt;/b&gt;" in html
    assert 'class="span error flagged"' in html and "1.50 s" in html and html.count('class="wf-chunk"') == 1


def test_charts_scale_and_break_on_gaps():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    points = [(t0 + timedelta(minutes=i), v) for i, v in enumerate([1.0, 3.0, None, 2.0, 4.0])]
    chart = line_chart("x", points, summed=True)
    assert chart.points == 4 and chart.top == 4.0 and chart.total == 10.0 and len(chart.lines) == 2
    assert line_chart("empty", [(t0, None)]).lines == []
    bars = distribution({"categories": ["a", "b"], "reference": [0.5, 0.5], "current": [1.0, 0.0]})
    assert bars is not None and bars.heights[0][1] > bars.heights[0][0] and bars.heights[1][1] == 0
    assert distribution({"histogram": {"edges": [0, 1], "reference": [1], "current": [1, 2]}}) is None


def test_cached_values_refresh_in_the_background_once_stale():
    import threading

    from spyglass.console.web import ConsoleState
    from support import wait_for

    state = ConsoleState(deps=None, secret=b"s", env=None, auth_off_nonce="n")
    calls: list[int] = []
    release = threading.Event()

    def compute() -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(10)  # a slow query: the page must not wait for it
        return len(calls)

    assert state.cached("menu", compute, ttl_s=0.0) == 1, "the first call computes"
    assert state.cached("menu", compute, ttl_s=0.0) == 1, "stale: answered at once, refreshed behind"
    assert state.cached("menu", compute, ttl_s=0.0) == 1 and len(calls) == 2, "one refresh at a time"
    release.set()
    wait_for(lambda: state.cached("menu", lambda: 0, ttl_s=60.0) == 2, 10, 0.01, "the refreshed value")


def test_numbers_for_people_never_write_whole_numbers_in_exponent_form():
    from spyglass.console.web import fmt_num

    assert fmt_num(30.0, 0) == "30" and fmt_num(99.7, 0) == "100" and fmt_num(123456.7) == "123,457"
    assert fmt_num(0.41234, 2) == "0.41" and fmt_num(1e-12, 2) == "1e-12"  # p-values keep their exponent
    assert fmt_num(5.04, 1) == "5" and fmt_num(1234) == "1,234" and fmt_num(None) == "–"
