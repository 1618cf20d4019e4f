"""Audit middleware: every state-changing call and every read of raw data goes to ``audit_log``.

Audited: /v1 calls that change state (ingest of spans and scores excepted: they are data, not
administration, and counted by the ingest metrics), reads of raw data (a trace, the traces list,
SQL and its exports, the audit log itself), and the console's pages that show or change the same.
Rows hold the key id, project, action (method and route), target (the ids in the path), status,
client address, and for SQL the normalized statement's hash and the rows returned — never text.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import anyio

from spyglass.storage.audit import AuditEvent, record

log = logging.getLogger(__name__)
INGEST = {("POST", "/v1/spans"), ("POST", "/v1/traces"), ("POST", "/v1/scores")}
RAW_READS = ("/v1/traces", "/v1/audit", "/v1/evaluators/agreement", "/v1/bias")
CONSOLE_RAW_READS = ("/traces/", "/conversations/")


def audited(method: str, path: str) -> bool:
    """Whether a request is recorded (pure)."""
    if (method, path) in INGEST or path.startswith(("/v1/health", "/healthz", "/readyz", "/static")):
        return False
    if path.startswith("/v1/"):
        return method not in ("GET", "HEAD") or path.startswith(RAW_READS)
    if path in ("/login", "/logout"):
        return method == "POST"
    return method == "POST" or path.startswith(CONSOLE_RAW_READS)


def _action(method: str, path: str) -> tuple[str, str]:
    """(action, target): the route with ids taken out, and the ids."""
    parts = path.strip("/").split("/")
    fixed = parts[:2] if parts and parts[0] == "v1" else parts[:1]
    action = f"{method} /{'/'.join(fixed)}" + ("/{id}" if len(parts) > len(fixed) else "")
    if len(parts) > len(fixed) + 1:
        action += "/" + "/".join(parts[len(fixed) + 1:]).split("/")[-1]
    target = "/".join(parts[len(fixed):len(fixed) + 1])
    if fixed[-1] == "users" and target:  # a user id is personal data: the log keeps its hash
        target = "sha256:" + hashlib.sha256(target.encode()).hexdigest()[:16]
    return action, target


class AuditMiddleware:
    """ASGI middleware inside the auth middleware (so the caller's key is known)."""

    def __init__(self, app: Any, store: Any) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not audited(scope["method"], scope["path"]):
            return await self.app(scope, receive, send)
        status = {"code": 500}

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            await anyio.to_thread.run_sync(self._write, scope, status["code"])

    def _write(self, scope: dict[str, Any], status: int) -> None:
        state = scope.get("state", {})
        principal = state.get("principal")
        key = principal.key if principal is not None else state.get("audit_key")
        extra = state.get("audit", {})
        query = dict(p.split("=", 1) for p in scope.get("query_string", b"").decode().split("&") if "=" in p)
        action, target = _action(scope["method"], scope["path"])
        client = scope.get("client")
        event = AuditEvent(key_id=key.key_id if key is not None else "", project=extra.get("project")
                           or query.get("project") or (key.project if key is not None else ""),
                           action=action, target=extra.get("target", target), status=status,
                           client=client[0] if client else "", sql_hash=extra.get("sql_hash", ""),
                           rows=extra.get("rows"))
        try:
            record(self.store, [event])
        except Exception:  # noqa: BLE001 - the response went out; say loudly that its audit row did not
            log.exception("audit row lost for %s %s", scope["method"], scope["path"])
