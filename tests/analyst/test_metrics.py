"""GET /v1/metrics: series from the rollups, aligned buckets, grouping, and one project only."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from spyglass.storage.metrics import bucket_starts, parse_step

pytestmark = pytest.mark.integration


def _metric(client, info, metric, step="60s", minutes=None, **extra):
    end = info.start + 60 * (minutes or info.minutes)
    reply = client.get("/v1/metrics", params={"project": info.project, "metric": metric, "start": info.start,
                                              "end": end, "step": step, **extra})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _values(body, group=None):
    series = [s for s in body["series"] if group is None or s["group"] == group]
    assert len(series) == 1
    return [p["value"] for p in series[0]["points"]]


def test_counts_per_minute_match_the_seeded_spans(client, seeded):
    info = seeded[1]
    body = _metric(client, info, "requests")
    assert _values(body) == [info.per_minute] * info.minutes
    first = datetime.fromtimestamp(info.start, timezone.utc).isoformat().replace("+00:00", ".000000Z")
    assert body["series"][0]["points"][0]["time"] == first
    assert _values(_metric(client, info, "errors")) == [2] * info.minutes  # i = 0 and 3 of 6
    assert _values(_metric(client, info, "error_rate")) == pytest.approx([2 / 6] * info.minutes)
    assert _values(_metric(client, info, "tokens")) == [60] * info.minutes
    assert _values(_metric(client, info, "cost")) == pytest.approx([0.06] * info.minutes)


def test_steps_align_and_empty_buckets_are_zero_or_null(client, seeded):
    info = seeded[1]
    body = _metric(client, info, "requests", step="5m", minutes=20)
    assert _values(body) == [5 * info.per_minute, 5 * info.per_minute, 0, 0]
    assert [p["time"][14:16] for p in body["series"][0]["points"]] == ["00", "05", "10", "15"]  # start is on the hour
    assert _values(_metric(client, info, "latency_p50", step="5m", minutes=20))[2:] == [None, None]
    assert _values(_metric(client, info, "requests", step="1h")) == [info.minutes * info.per_minute]


def test_latency_quantiles_come_from_the_rollup_digest(client, seeded):
    info = seeded[1]
    p50 = _values(_metric(client, info, "latency_p50"))
    p99 = _values(_metric(client, info, "latency_p99"))
    assert all(299 <= v <= 400 for v in p50), p50  # durations 100..600 ms (t-digest rounds)
    assert all(550 <= v <= 600 for v in p99), p99


def test_group_by_service_splits_the_series(client, seeded):
    info = seeded[1]
    body = _metric(client, info, "requests", group_by="service")
    assert sorted(s["group"]["service"] for s in body["series"]) == ["a", "b"]
    assert _values(body, {"service": "a"}) == [3] * info.minutes


def test_evaluator_flag_rate_and_score_mean(client, seeded):
    info = seeded[1]
    assert _values(_metric(client, info, "flag_rate:toxicity")) == pytest.approx([0.5] * info.minutes)
    assert _values(_metric(client, info, "score_mean:pii")) == pytest.approx([0.5] * info.minutes)
    by_service = _metric(client, info, "score_mean:hallucination", group_by="service")
    assert _values(by_service, {"service": "a"}) == pytest.approx([0.75] * info.minutes)
    assert _values(_metric(client, info, "flag_rate:unknown_evaluator")) == [None] * info.minutes


def test_every_catalogue_series_the_alerts_know_is_served_too(client, seeded):
    info = seeded[1]
    p50, p90, p99 = (_values(_metric(client, info, f"latency_p{q}")) for q in (50, 90, 99))
    assert all(a <= b <= c for a, b, c in zip(p50, p90, p99)), (p50, p90, p99)
    assert _values(_metric(client, info, "request_rate", step="5m"))[:2] == [info.per_minute] * 2
    flagged = _values(_metric(client, info, "flagged:toxicity"))
    assert sum(flagged) > 0 and _values(_metric(client, info, "flagged:toxicity", step="1h")) == [sum(flagged)]
    assert _values(_metric(client, info, "feedback_count:thumbs_up")) == [0] * info.minutes  # none seeded
    # an alert rule's old name reads the same series
    assert _metric(client, info, "evaluator:toxicity:flag_rate")["series"] == \
        _metric(client, info, "flag_rate:toxicity")["series"]


def test_other_projects_never_show(client, seeded):
    info = seeded[1]
    body = _metric(client, info, "cost", group_by="service,model")
    assert {s["group"]["service"] for s in body["series"]} == {"a", "b"}
    assert all(s["group"]["model"] == "m1" for s in body["series"])


@pytest.mark.parametrize("params, words", [
    ({"metric": "bogus"}, "unknown metric"),
    ({"metric": "flag_rate"}, "unknown metric"),
    ({"metric": "requests", "step": "90s"}, "whole number of minutes"),
    ({"metric": "requests", "group_by": "user_id"}, "cannot group by"),
    ({"metric": "requests", "start": "2030-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}, "after start"),
    ({"metric": "requests", "start": "0", "end": "4000000000"}, "too many"),
])
def test_bad_requests_are_400_with_the_reason(client, seeded, params, words):
    reply = client.get("/v1/metrics", params={"project": seeded[1].project, **params})
    assert reply.status_code == 400 and words in str(reply.json()["detail"])


def test_step_parsing_and_bucket_alignment():
    assert [parse_step(s) for s in ("60s", "5m", "1h", "1d", "120")] == [60, 300, 3600, 86400, 120]
    assert bucket_starts(130, 700, 300) == [0, 300, 600]
