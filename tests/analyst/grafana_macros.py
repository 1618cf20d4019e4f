"""Expand the Grafana ClickHouse data source macros as the plugin does (pkg/macros/macros.go, v4).

Only what the shipped dashboards need to run against chDB in tests: time range macros, interval
macros and template variables. An unknown ``$__macro`` is an error, so a dashboard cannot use one
the tests never ran.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone


def expand(sql: str, start: float, end: float, interval_s: int, variables: dict[str, str]) -> str:
    """``sql`` with ``$__name(args)`` macros and ``$var`` / ``${var}`` template variables replaced."""
    day = lambda t: f"toDate('{datetime.fromtimestamp(t, timezone.utc):%Y-%m-%d}')"  # noqa: E731
    seconds = lambda t: f"toDateTime({int(t)})"  # noqa: E731
    millis = lambda t: f"fromUnixTimestamp64Milli({int(t * 1000)})"  # noqa: E731
    with_column = {
        "timeFilter": lambda c: f"{c} >= {seconds(start)} AND {c} <= {seconds(end)}",
        "timeFilter_ms": lambda c: f"{c} >= {millis(start)} AND {c} <= {millis(end)}",
        "dateFilter": lambda c: f"{c} >= {day(start)} AND {c} <= {day(end)}",
        "timeInterval": lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {max(interval_s, 1)} second)",
        "timeInterval_ms": lambda c: f"toStartOfInterval(toDateTime64({c}, 3), INTERVAL {max(interval_s, 1) * 1000} "
                                     "millisecond)",
    }
    plain = {"fromTime": seconds(start), "toTime": seconds(end), "fromTime_ms": millis(start),
             "toTime_ms": millis(end), "interval_s": str(max(interval_s, 1))}

    def macro(match: re.Match[str]) -> str:
        name, args = match.group(1), match.group(2)
        if args is not None and name in with_column:
            return with_column[name](args.strip())
        if name in plain:
            return plain[name] + (f"({args})" if args is not None else "")
        raise ValueError(f"unknown or misused Grafana macro $__{name}")

    sql = re.sub(r"\$__(\w+)(?:\(([^()]*)\))?", macro, sql)
    for name, value in variables.items():
        sql = sql.replace("${" + name + "}", value)
        sql = re.sub(r"\$" + name + r"\b", value, sql)
    if "$" in sql:
        raise ValueError(f"unexpanded variable in: {sql}")
    return sql
