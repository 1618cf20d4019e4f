"""Overview, trace list, trace (waterfall + span details + evidence) and conversation pages."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.api.params import query_time
from spyglass.api.tree import build_tree
from spyglass.console.charts import line_chart
from spyglass.console.evidence import chat_messages, evidence, marks_for, segments
from spyglass.console.waterfall import rows_html, waterfall
from spyglass.console.web import NotFound, current_user, page_project, recent_projects, render, state
from spyglass.core.errors import InvalidInput
from spyglass.storage.alerts import list_alerts
from spyglass.storage.console import (ConsoleTraceFilter, conversation_spans, project_evaluators,
                                      project_filter_values, scores_of_spans, span_detail, trace_scores_located,
                                      trace_spans_located)
from spyglass.storage.drift import DriftReportFilter, list_drift_reports
from spyglass.storage.metrics import MetricQuery, metric_series
from spyglass.storage.traces import list_traces

router = APIRouter(include_in_schema=False)
RANGES = {"1h": (3600, 60), "6h": (6 * 3600, 300), "24h": (86_400, 900), "7d": (7 * 86_400, 3600)}
TRACE_RANGES = {"1h": 3600, "6h": 6 * 3600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
SPAN_METRICS = (("requests", "Requests (spans)", ""), ("errors", "Errors", ""), ("latency_p50", "Latency p50", "ms"),
                ("latency_p95", "Latency p95", "ms"), ("tokens", "Tokens", ""), ("cost", "Cost", "$"))
SUMMED = ("requests", "errors", "tokens", "cost")
FILTERS = ("service", "model", "status", "flagged", "user_id", "conversation_id", "prompt_name", "prompt_version", "q")


def _common(request: Request, user: Any, project: str, nav: str) -> dict[str, Any]:
    projects = list(recent_projects(request)) if user.operator else [project]
    if project not in projects:
        projects = [project, *projects]
    return {"user": user, "project": project, "projects": projects, "nav": nav}


@router.get("/")
def overview(request: Request, range: str = "1h") -> Response:
    user = current_user(request)
    project = page_project(request, user)
    user.allow("GET", "/v1/metrics", project)
    span, step = RANGES.get(range, RANGES["1h"])
    store, now = state(request).deps.store, time.time()
    charts = []
    for metric, title, unit in SPAN_METRICS:
        series = metric_series(store, MetricQuery(project, metric, now - span, now, step))
        charts.append(line_chart(title, series[0].points if series else [], unit, metric in SUMMED))
    for evaluator in project_evaluators(store, project, now - span):
        series = metric_series(store, MetricQuery(project, f"flag_rate:{evaluator}", now - span, now, step))
        charts.append(line_chart(f"{evaluator} flag rate", series[0].points if series else [], "rate"))
    alerts = list_alerts(store, "active", project=project, limit=20) if user.can("GET", "/v1/alerts", project) else []
    drift = list_drift_reports(store, DriftReportFilter(now - 7 * 86_400, now + 60, project=project), 200)
    latest_run = drift[0]["run_id"] if drift else None
    drift = [row for row in drift if row["run_id"] == latest_run]
    from spyglass.storage.metrics import scored_shares
    from spyglass.telemetry.consumer import evaluator_status

    shares = scored_shares(store, project, now - span)
    evaluation = {"live": evaluator_status(), "shares": shares, "sampled": any(s < 1 for _, s in shares.values())}
    return render(request, "overview.html", **_common(request, user, project, "overview"), charts=charts,
                  alerts=alerts, drift=drift, evaluation=evaluation, range=range if range in RANGES else "1h", ranges=list(RANGES))


@router.get("/traces")
def traces(request: Request) -> Response:
    user = current_user(request)
    project = page_project(request, user)
    user.allow("GET", "/v1/traces", project)
    params = request.query_params
    store, now = state(request).deps.store, time.time()
    chosen = params.get("range") or "24h"
    error = ""
    try:
        start = query_time(params.get("start") or None, "start", now - TRACE_RANGES.get(chosen, 86_400))
        end = query_time(params.get("end") or None, "end", now + 60)
    except InvalidInput as exc:
        start, end, error = now - 86_400, now + 60, exc.message
    values = {name: (params.get(name) or "").strip() or None for name in FILTERS}
    if values["status"] not in (None, "ok", "error", "unset"):
        values["status"], error = None, "status must be ok, error or unset"
    where = ConsoleTraceFilter(start=start, end=end, project=project, service=values["service"],
                               model=values["model"], status=values["status"], user_id=values["user_id"],
                               conversation_id=values["conversation_id"], flagged=values["flagged"],
                               prompt_name=values["prompt_name"], prompt_version=values["prompt_version"],
                               text=values["q"])
    rows, next_cursor = [], None
    if end > start:
        try:
            limit = int(params["limit"]) if params.get("limit", "").isdigit() else 50
            rows, next_cursor = list_traces(store, where, min(max(limit, 1), 500), params.get("cursor") or None)
        except InvalidInput:  # a bad cursor; a bug still raises
            error = "that page cursor is not one this console made"
    else:
        error = error or "the end of the range must be after its start"
    st = state(request)
    choices = st.cached(f"choices:{project}", lambda: {
        **project_filter_values(store, project, now - 7 * 86_400),
        "evaluators": project_evaluators(store, project, now - 7 * 86_400)})
    filters = {k: v or "" for k, v in values.items()}
    return render(request, "traces.html", **_common(request, user, project, "traces"), traces=rows,
                  next_cursor=next_cursor, filters=filters, choices=choices, error=error, range=chosen,
                  ranges=list(TRACE_RANGES), start=params.get("start", ""), end=params.get("end", ""),
                  status=400 if error else 200)


def _span_view(span: dict[str, Any], scores: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the details panel prints for one span: masked/highlighted text, messages, evidence."""
    prompt_marks = marks_for("prompt", scores)
    messages = [] if prompt_marks else chat_messages(span.get("prompt_messages") or "")
    return {"prompt": segments(span.get("prompt") or "", prompt_marks), "messages": messages,
            "completion": segments(span.get("completion") or "", marks_for("completion", scores)),
            "pii_masked": bool(prompt_marks) or any(m.kind == "pii" for m in marks_for("completion", scores)),
            "evidence": [evidence(name, score) for name, score in sorted(scores.items())],
            "context": list(zip(span.get("context") or [], list(span.get("context_sources") or []) +
                                [""] * len(span.get("context") or []))),
            "metadata": sorted({**(span.get("metadata") or {}),
                                **{k: f"{v:g}" for k, v in (span.get("metadata_num") or {}).items()}}.items())}


@router.get("/traces/{trace_id}")
def trace(request: Request, trace_id: str, span: str = "", reviewed: str = "") -> Response:
    user = current_user(request)
    scope = None if user.operator else user.key.project
    user.allow("GET", f"/v1/traces/{trace_id}", scope)
    store = state(request).deps.store
    spans = trace_spans_located(store, trace_id, scope)
    if not spans:
        raise NotFound(f"trace {trace_id} not found" + (f" in project {scope}" if scope else ""))
    scores = trace_scores_located(store, trace_id, spans)
    rows, total_ms = waterfall(build_tree(spans))
    flagged = {sid for sid, by in scores.items() if any(s["flagged"] for s in by.values())}
    selected = next((r.span for r in rows if r.span["span_id"] == span), None) or next(
        (r.span for r in rows if r.span["span_id"] in flagged), rows[0].span)
    selected = span_detail(store, selected)
    project = spans[0]["project"]
    return render(request, "trace.html", **_common(request, user, project, "traces"), trace_id=trace_id, rows=rows,
                  waterfall_rows=rows_html(rows, flagged, scores, selected["span_id"]),
                  total_ms=total_ms, flagged=flagged, scores=scores, selected=selected,
                  view=_span_view(selected, scores.get(selected["span_id"], {})), reviewed=reviewed,
                  can_review=user.can("POST", "/v1/reviews", project),
                  totals={"spans": len(spans), "tokens": sum(s["total_tokens"] for s in spans),
                          "cost": sum(s["cost"] for s in spans), "errors": sum(s["status"] == "error" for s in spans),
                          "start": min(s["start_time"] for s in spans)})


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, conversation_id: str) -> Response:
    user = current_user(request)
    scope = None if user.operator else user.key.project
    user.allow("GET", "/v1/traces", scope)
    store = state(request).deps.store
    spans = conversation_spans(store, scope, conversation_id)
    if not spans:
        raise NotFound(f"conversation {conversation_id} not found")
    scores = scores_of_spans(store, [s["span_id"] for s in spans])
    turns = [{"span": s, "view": _span_view(s, scores.get(s["span_id"], {}))} for s in spans]
    return render(request, "conversation.html", **_common(request, user, spans[0]["project"], "traces"),
                  conversation_id=conversation_id, turns=turns)
