"""Erasure (DELETE /v1/users/{id}, DELETE /v1/traces/{id}), per-project retention and the audit log (GET /v1/audit)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from spyglass.api.auth import require_project
from spyglass.api.params import query_time
from spyglass.api.serialize import json_row
from spyglass.core.errors import InvalidRecord
from spyglass.storage.audit import read_audit
from spyglass.storage.erasure import erase
from spyglass.storage.retention import retention_days, set_retention

router = APIRouter(tags=["governance"])


def _erase(request: Request, project: str | None, kind: str, subject: str) -> dict[str, Any]:
    if not project:
        raise InvalidRecord("query parameter project is required: erasure acts on one project")
    require_project(request, project)
    principal = getattr(request.state, "principal", None)
    done = erase(request.app.state.deps.store, project, kind, subject,
                 principal.key.key_id if principal is not None else "")
    return {"project": project, kind: subject, "removed": done.removed, "traces": done.traces,
            "total": sum(done.removed.values())}


@router.delete("/v1/users/{user_id}", summary="Erase a user's spans, evaluations, scores and labels")
def delete_user(request: Request, user_id: str, project: str | None = None) -> dict[str, Any]:
    """Idempotent: a second call removes nothing and says so. Later replays of the topic stay erased."""
    return _erase(request, project, "user", user_id)


@router.delete("/v1/traces/{trace_id}", summary="Erase a trace's spans, evaluations, scores and labels")
def delete_trace(request: Request, trace_id: str, project: str | None = None) -> dict[str, Any]:
    """Idempotent: a second call removes nothing and says so. Later replays of the topic stay erased."""
    return _erase(request, project, "trace", trace_id)


class RetentionBody(BaseModel):
    days: int = Field(..., ge=0, le=36_500, description="days to keep this project's data; 0: the global retention")


@router.put("/v1/projects/{project}/retention", summary="Keep a project's data this many days (admin scope)")
def put_retention(request: Request, project: str, body: RetentionBody) -> dict[str, Any]:
    """Enforced by a scheduled delete in the stack (hourly); the global TTL still bounds every project."""
    require_project(request, project)
    request.state.audit = {"project": project}  # the audit row names the project changed, not the key's
    principal = getattr(request.state, "principal", None)
    set_retention(request.app.state.deps.store, project, body.days, principal.key.key_id if principal else "")
    return {"project": project, "days": body.days or None}


@router.get("/v1/projects/{project}/retention", summary="A project's own retention (null: the global one)")
def get_retention(request: Request, project: str) -> dict[str, Any]:
    require_project(request, project)
    return {"project": project, "days": retention_days(request.app.state.deps.store).get(project)}


@router.get("/v1/audit", summary="The audit log: who changed what and who read raw data (admin scope)")
def get_audit(request: Request, project: str | None = None,
              start: str | None = Query(None, description="RFC 3339 or epoch seconds; default 7 days ago"),
              end: str | None = Query(None, description="RFC 3339 or epoch seconds; default now"),
              action: str | None = None, key_id: str | None = None,
              limit: int = Query(500, ge=1, le=10_000)) -> dict[str, Any]:
    now = time.time()
    rows = read_audit(request.app.state.deps.store, project, query_time(start, "start", now - 7 * 86_400),
                      query_time(end, "end", now + 60), action, key_id, limit)
    return {"events": [json_row(r) for r in rows]}
