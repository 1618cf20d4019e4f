"""`spyglass up` prints firing and resolved alerts with their console link, from the log channel's file."""

from __future__ import annotations

import orjson

from spyglass.cli.alert_feed import AlertFeed


def notice(status: str, event: str, summary: str) -> bytes:
    return orjson.dumps({"status": status, "event": event, "summary": summary, "links": [
        {"text": "matching traces", "href": "http://c/traces?project=p"},
        {"text": "alert", "href": "http://c/alerts/a1"}]}) + b"\n"


def test_feed_prints_new_firing_and_resolved_lines_only(tmp_path):
    log = tmp_path / "alerts.jsonl"
    log.write_bytes(notice("firing", "firing", "[FIRING] old"))
    feed = AlertFeed(str(log))
    assert feed.new_lines() == [], "what was there before `up` started is not reprinted"
    with open(log, "ab") as out:
        out.write(notice("firing", "firing", "[FIRING] Toxic: rate=0.4 > 0.25"))
        out.write(notice("acknowledged", "acknowledged", "[ACKNOWLEDGED] Toxic"))
        out.write(notice("resolved", "resolved", "[RESOLVED] Toxic: rate is now 0.02 (fires when > 0.25)"))
        out.write(b'{"status": "firing", "summ')  # a line still being written
    assert feed.new_lines() == ["[FIRING] Toxic: rate=0.4 > 0.25  http://c/alerts/a1",
                                "[RESOLVED] Toxic: rate is now 0.02 (fires when > 0.25)  http://c/alerts/a1"]
    with open(log, "ab") as out:
        out.write(b'ary": "[FIRING] late", "event": "firing", "links": []}\n')
    assert feed.new_lines() == ["[FIRING] late"]
    assert AlertFeed(str(tmp_path / "missing.jsonl")).new_lines() == [] and AlertFeed(None).new_lines() == []


def test_resolved_summary_says_the_value_now():
    from spyglass.alerts.notice import summarize
    from spyglass.alerts.rules import parse_rule

    rule = parse_rule({"name": "Toxic", "metric": "flag_rate:toxicity", "threshold": 0.25, "window": "5m"})
    assert summarize(rule, "resolved", 0.02, 0.0, {"project": "p"}) == \
        "[RESOLVED] Toxic: flag_rate:toxicity back to 0.02, no longer > 0.25 over 5m (project=p)"
    assert summarize(rule, "firing", 0.4, 0.0, {"project": "p"}) == \
        "[FIRING] Toxic: flag_rate:toxicity=0.4 > 0.25 over 5m (project=p)"
