"""Drift reports (statistic, p-value, effect size, reference vs current plots) and API keys (admin)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.console.charts import distribution
from spyglass.console.web import (NotFound, current_user, form_data, page_project, recent_projects, redirect,
                                  render, state)
from spyglass.core.errors import InvalidInput
from spyglass.storage.drift import DriftReportFilter, list_drift_reports
from spyglass.storage.keys import SCOPES, create_key, list_keys, revoke_key

router = APIRouter(include_in_schema=False)


@router.get("/drift")
def drift(request: Request) -> Response:
    user = current_user(request)
    project = page_project(request, user)
    user.allow("GET", "/v1/drift", project)
    store, now = state(request).deps.store, time.time()
    rows = list_drift_reports(store, DriftReportFilter(now - 7 * 86_400, now + 60, project=project), 2000)
    latest: dict[tuple[str, str], str] = {}
    for row in rows:  # newest first: the first run seen per group is its latest
        latest.setdefault((row["service"], row["model"]), row["run_id"])
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if latest[(row["service"], row["model"])] == row["run_id"]:
            groups.setdefault((row["service"], row["model"]), []).append(
                {**row, "bars": distribution(row["details"])})
    history = [r for r in rows if r["drifted"]][:50]
    projects = recent_projects(request) if user.operator else [project]
    return render(request, "drift.html", user=user, project=project, projects=projects or [project], nav="drift",
                  groups=sorted(groups.items()), history=history)


def _keys_page(request: Request, user, project: str | None, created: dict | None = None,
               error: str = "") -> Response:
    keys = list_keys(state(request).deps.store, project)
    return render(request, "keys.html", status=422 if error else 200, user=user, project=project or "",
                  projects=[project] if project else [], nav="keys", keys=keys, created=created, error=error,
                  scopes=SCOPES)


@router.get("/keys")
def keys(request: Request) -> Response:
    user = current_user(request)
    project = request.query_params.get("project") or (None if user.operator else user.key.project)
    user.allow("GET", "/v1/keys", project)
    return _keys_page(request, user, project)


@router.post("/keys")
async def new_key(request: Request) -> Response:
    user = current_user(request)
    user.allow("POST", "/v1/keys")
    form = await form_data(request, user)
    project = form.get("project", "").strip() or user.key.project
    user.allow("POST", "/v1/keys", project)
    scopes = [s for s in SCOPES if form.get(f"scope_{s}")]
    try:
        key, plaintext = create_key(state(request).deps.store, project, scopes, form.get("name", "")[:200])
    except InvalidInput as exc:
        return _keys_page(request, user, None if user.operator else user.key.project, error=exc.message)
    return _keys_page(request, user, None if user.operator else user.key.project,
                      created={"key": plaintext, "project": key.project, "scopes": key.scopes})


@router.post("/keys/{key_id}/revoke")
async def revoke(request: Request, key_id: str) -> Response:
    user = current_user(request)
    store = state(request).deps.store
    owned = {k.key_id: k for k in list_keys(store)}.get(key_id)
    if owned is None:
        raise NotFound(f"no API key {key_id}")
    user.allow("DELETE", f"/v1/keys/{key_id}", owned.project)
    await form_data(request, user)
    revoke_key(store, key_id)
    return redirect("/keys")
