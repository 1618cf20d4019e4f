"""The embedded broker's retention decision: what may go, and what is shed at the cap."""

from spyglass.broker.retention import needed_from, plan_retention

MB = 1 << 20


def test_nothing_happens_under_the_memory_limit():
    plan = plan_retention({0: 100}, {"ingest": {0: 100}}, rss_bytes=10 * MB, soft_bytes=64 * MB, hard_bytes=128 * MB)
    assert plan.action == "keep"


def test_recreates_keeping_what_the_slowest_group_has_not_read():
    committed = {"ingest": {0: 90, 1: 80}, "evaluators": {0: 70, 1: 95}}
    plan = plan_retention({0: 100, 1: 100}, committed, 80 * MB, 64 * MB, 128 * MB)
    assert plan.action == "rotate" and plan.keep_from == {0: 70, 1: 80} and plan.shed_records == 0


def test_waits_while_groups_still_need_most_records():
    plan = plan_retention({0: 100}, {"evaluators": {0: 30}}, 80 * MB, 64 * MB, 128 * MB)
    assert plan.action == "keep"


def test_a_group_without_commits_or_with_a_stale_one_needs_everything():
    assert needed_from({0: 50, 1: 50}, {"ingest": {0: 40, 1: 500}, "new": {0: 45}}) == {0: 40, 1: 0}


def test_at_the_cap_the_oldest_unread_records_are_shed_newest_kept():
    plan = plan_retention({0: 1_000, 1: 1_000}, {"evaluators": {0: 0, 1: 500}}, 256 * MB, 64 * MB, 256 * MB)
    # 2,000 records in 256 MB: half the soft limit holds 250 of them, shared pro rata
    assert plan.action == "shed"
    kept = sum(1_000 - plan.keep_from[p] for p in (0, 1))
    assert kept <= 250 and plan.keep_from[0] > 0 and plan.keep_from[1] > 500
    assert plan.shed_records == plan.keep_from[0] + plan.keep_from[1] - 500


def test_at_the_cap_nothing_is_shed_when_the_groups_have_read_enough():
    plan = plan_retention({0: 1_000}, {"ingest": {0: 990}}, 256 * MB, 64 * MB, 256 * MB)
    assert plan.action == "rotate" and plan.keep_from == {0: 990}


def test_at_the_cap_nothing_ingest_has_not_stored_is_shed():
    """Only the evaluators' backlog may go: what ingest has not read is stored nowhere else yet."""
    committed = {"ingest": {0: 600, 1: 950}, "evaluators": {0: 0, 1: 500}}
    plan = plan_retention({0: 1_000, 1: 1_000}, committed, 256 * MB, 64 * MB, 256 * MB, protected=("ingest",))
    assert plan.action == "shed" and plan.keep_from[0] == 600  # partition 0: shed up to ingest's offset only
    assert 500 < plan.keep_from[1] <= 950  # partition 1: the newest share, already behind ingest's offset
    assert plan.shed_records == 600 + plan.keep_from[1] - 500


def test_at_the_cap_an_ingest_backlog_is_kept_whole_even_without_commits():
    plan = plan_retention({0: 1_000}, {"evaluators": {0: 990}}, 256 * MB, 64 * MB, 256 * MB, protected=("ingest",))
    assert plan.action == "rotate" and plan.keep_from == {0: 0} and plan.shed_records == 0
