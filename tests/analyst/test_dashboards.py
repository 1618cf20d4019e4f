"""Every dashboard panel's SQL runs against chDB (macros expanded) and returns the shape its panel draws."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from grafana_macros import expand

pytestmark = pytest.mark.integration
FOLDER = Path(__file__).parents[2] / "dashboards"
ALL_BOARDS = {path.stem: json.loads(path.read_text()) for path in sorted(FOLDER.glob("*.json"))}
# operations.json reads Prometheus (PromQL), not ClickHouse: tests/ops/test_ops_dashboard.py checks it
BOARDS = {name: board for name, board in ALL_BOARDS.items() if name != "operations"}
PANELS = [(name, panel) for name, board in BOARDS.items() for panel in board["panels"]]


def test_the_four_dashboards_exist_with_the_project_variable():
    assert set(BOARDS) == {"overview", "quality", "drift", "alerts"}
    for board in BOARDS.values():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["query"] == "grafana-clickhouse-datasource"
        assert len({p["id"] for p in board["panels"]}) == len(board["panels"])


@pytest.fixture(scope="module")
def extras(seeded):
    """Drift reports and alert events/deliveries for the seeded project (and one alert of another)."""
    store, info = seeded
    at = info.start + 120
    store.command(f"""INSERT INTO drift_reports (run_id, computed_at, project, service, model, feature, feature_kind,
        method, statistic, p_value, effect_size, drifted, reference_start, reference_end, current_start, current_end,
        reference_n, current_n, details) VALUES
        ('r1', {at}, '{info.project}', 'a', 'm1', 'latency_ms', 'numeric', 'ks', 0.4, 0.0001, 0.4, true,
         {at - 7200}, {at - 3600}, {at - 3600}, {at}, 500, 400, '{{}}'),
        ('r1', {at}, '{info.project}', 'a', 'm1', 'prompt_length', 'numeric', 'ks', 0.02, 0.6, 0.02, false,
         {at - 7200}, {at - 3600}, {at - 3600}, {at}, 500, 400, '{{}}')""")
    for seq, (event, status, project) in enumerate([("firing", "firing", info.project),
                                                    ("notified", "firing", info.project),
                                                    ("firing", "firing", info.other)]):
        store.command(f"""INSERT INTO alert_events (seq, at, alert_id, dedup_key, rule_id, rule_name, severity, event,
            status, labels, value, threshold, samples, summary) VALUES ({seq}, {at + seq}, 'al-{project}',
            'k-{project}', 'toxicity', 'Toxic answers', 'page', '{event}', '{status}',
            map('project', '{project}'), 0.3, 0.1, 50, 'flag rate 30%')""")
    store.command(f"""INSERT INTO alert_deliveries (at, alert_id, dedup_key, event, channel, channel_type, ok,
        attempts, http_status, error, duration_ms) VALUES ({at + 1}, 'al-{info.project}', 'k-{info.project}',
        'firing', 'oncall', 'webhook', true, 1, 200, '', 12.5)""")
    return store, info


def _numeric(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or value is None


@pytest.mark.parametrize("board, panel", PANELS, ids=[f"{b}:{p['title']}" for b, p in PANELS])
def test_panel_sql_returns_what_the_panel_draws(extras, board, panel):
    store, info = extras
    target = panel["targets"][0]
    assert target["datasource"]["type"] == "grafana-clickhouse-datasource" and target["editorType"] == "sql"
    sql = expand(target["rawSql"], info.start, info.start + 60 * info.minutes, 60, {"project": info.project})
    result = store.client.query(sql)
    rows, names = result.result_rows, result.column_names
    assert rows, f"{board}/{panel['title']} returned no rows:\n{sql}"
    if panel["type"] == "timeseries":
        assert target["format"] == 0 and names[0] == "time"
        assert all(isinstance(r[0], datetime) for r in rows)
        times = [r[0] for r in rows]
        assert times == sorted(times)
        numeric = [i for i in range(1, len(names)) if all(_numeric(r[i]) for r in rows)]
        labels = [i for i in range(1, len(names)) if all(isinstance(r[i], str) for r in rows)]
        assert numeric and any(r[i] is not None for r in rows for i in numeric)
        assert len(numeric) + len(labels) == len(names) - 1, f"columns must be numbers or series labels: {names}"
        assert min(times).timestamp() >= info.start - 60 and max(times).timestamp() <= info.start + 60 * info.minutes
    elif panel["type"] == "stat":
        assert target["format"] == 1 and len(rows) == 1 and all(_numeric(v) for v in rows[0])
        assert rows[0][0] is not None and rows[0][0] > 0
    else:
        assert panel["type"] == "table" and target["format"] == 1
        assert all(isinstance(v, (str, int, float, bool, datetime, date, type(None))) for r in rows for v in r)


def test_panels_never_show_another_projects_rows(extras):
    store, info = extras
    for board, panel in PANELS:
        sql = expand(panel["targets"][0]["rawSql"], info.start, info.start + 60 * info.minutes, 60,
                     {"project": info.project})
        text = json.dumps([list(map(str, r)) for r in store.client.query(sql).result_rows])
        assert "secret" not in text and "m2" not in text and info.other not in text, (board, panel["title"])


def test_macro_expansion_matches_the_plugin():
    sql = expand("SELECT $__timeInterval(t) FROM x WHERE $__timeFilter(t) AND p = '${project}' AND "
                 "$__fromTime < $__toTime LIMIT $__interval_s", 60, 120, 30, {"project": "p1"})
    assert sql == ("SELECT toStartOfInterval(toDateTime(t), INTERVAL 30 second) FROM x WHERE t >= toDateTime(60) "
                   "AND t <= toDateTime(120) AND p = 'p1' AND toDateTime(60) < toDateTime(120) LIMIT 30")
    with pytest.raises(ValueError):
        expand("SELECT $__nope(x)", 0, 1, 1, {})
