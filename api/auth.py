"""API-key authentication and project scoping for every /v1 endpoint.

Scopes: ``ingest`` (POST spans, OTLP), ``read`` (GET, read-only SQL), ``admin`` (everything
that changes state). A key is bound to one project; an operator key (project ``*``) may act on
any project it names. Requests are pinned to the key's project before a handler runs:
- endpoints that take ``?project=``: another project is refused (403); none given → the key's;
- bodies that carry a project (spans, OTLP, baselines) are checked by their handlers with
  ``require_project``;
- objects that belong to no single project (alert rules, silences, single alerts) need an
  operator key, so a project key can never reach across projects through them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

import orjson
from fastapi import Request

from spyglass.core.errors import Forbidden
from spyglass.storage.keys import OPERATOR, ApiKey, verify_key

PROJECT_QUERY_PATHS = ("/v1/traces", "/v1/alerts", "/v1/drift", "/v1/sql", "/v1/metrics", "/v1/keys",
                       "/v1/users", "/v1/audit", "/v1/evaluators", "/v1/bias", "/v1/reviews")
OPERATOR_PATHS = ("/v1/alert-rules", "/v1/silences", "/v1/alerts/")


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs; None for public paths (health, docs)."""
    if not path.startswith("/v1/"):
        return None
    if path in ("/v1/spans", "/v1/scores") or (path == "/v1/traces" and method == "POST"):
        return "ingest"
    if path.startswith(("/v1/keys", "/v1/audit")):
        return "admin"
    if method in ("GET", "HEAD") or path == "/v1/sql":
        return "read"
    return "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the verified key."""

    key: ApiKey

    @property
    def project(self) -> str:
        return self.key.project

    def can_act_on(self, project: str | None) -> bool:
        return self.key.project == OPERATOR or project == self.key.project


def require_project(request: Request, project: str | None) -> None:
    """403 unless the caller's key may act on ``project`` (no-op when auth is off)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and not principal.can_act_on(project):
        raise Forbidden(f"this API key is for project {principal.project!r}, not {project!r}")


def forced_project(request: Request) -> str | None:
    """The project every span of this request must carry (a project key's), or None."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal.project if principal is not None and principal.project != OPERATOR else None


def header_project(request: Request) -> str | None:
    """The ``x-spyglass-project`` header; 403 when it names another project than the caller's key."""
    header = request.headers.get("x-spyglass-project") or None
    forced = forced_project(request)
    if forced is not None and header is not None and header != forced:
        raise Forbidden(f"this API key is for project {forced!r}, but x-spyglass-project says {header!r}")
    return header


class KeyVerifier:
    """Verifies keys against ClickHouse, caching each verdict for ``ttl_s``.

    A key revoked through this process (``revoked``) stops working here at once; other API
    processes notice within ``ttl_s`` (their cached verdict expires). Thread-safe enough: a
    lost race only re-reads ClickHouse.
    """

    def __init__(self, store: Any, ttl_s: float = 30.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[bytes, tuple[float, ApiKey | None]] = {}
        self._revoked: set[str] = set()

    def cached(self, plaintext: str) -> tuple[bool, ApiKey | None]:
        """(True, verdict) when a fresh verdict is cached; no I/O, safe on the event loop."""
        hit = self._cache.get(hashlib.sha256(plaintext.encode()).digest())
        if hit and hit[0] > time.monotonic():
            return True, _unless_revoked(hit[1], self._revoked)
        return False, None

    def verify(self, plaintext: str) -> ApiKey | None:
        """The key ``plaintext`` proves, or None; reads ClickHouse on a cache miss (blocking)."""
        digest = hashlib.sha256(plaintext.encode()).digest()
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit and hit[0] > now:
            return _unless_revoked(hit[1], self._revoked)
        key = verify_key(self.store, plaintext)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.ttl_s, key)
        return _unless_revoked(key, self._revoked)

    def revoked(self, key_id: str) -> None:
        """Forget ``key_id`` at once (called after revoking it), cached verdicts included."""
        self._revoked.add(key_id)
        for digest, (_, key) in list(self._cache.items()):
            if key is not None and key.key_id == key_id:
                self._cache.pop(digest, None)


def _unless_revoked(key: ApiKey | None, revoked: set[str]) -> ApiKey | None:
    # a verify that read the row just before the revocation must not let the key back in
    return None if key is None or key.key_id in revoked else key


Send = Callable[[dict[str, Any]], Awaitable[None]]


class AuthMiddleware:
    """ASGI middleware: authenticate, check the scope, pin the project; else answer 401/403."""

    def __init__(self, app: Any, verifier: KeyVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        needed = required_scope(method, path)
        if needed is None:
            return await self.app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        token = headers.get("authorization", "").removeprefix("Bearer ").strip() or headers.get("x-spyglass-key", "")
        if not token:
            return await _deny(send, 401, "missing API key: send 'Authorization: Bearer sg_...'")
        hit, key = self.verifier.cached(token)
        if not hit:  # a ClickHouse lookup: on the reserved threads, never behind reads
            lanes = scope["app"].state.lanes
            key = await lanes.run(lanes.auth, self.verifier.verify, token)
        if key is None:
            return await _deny(send, 401, "unknown, malformed or revoked API key")
        if needed not in key.scopes:
            return await _deny(send, 403, f"this API key lacks the {needed!r} scope (it has {', '.join(key.scopes)})")
        if key.project != OPERATOR and path.startswith(OPERATOR_PATHS):
            return await _deny(send, 403, "alert rules, silences and single alerts span projects: "
                                          "they need an operator key (project '*')")
        if path.startswith(PROJECT_QUERY_PATHS) and not (path == "/v1/traces" and method == "POST"):
            query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
            asked = [v for k, v in query if k == "project"]
            if key.project != OPERATOR:
                if any(v != key.project for v in asked):
                    return await _deny(send, 403, f"this API key is for project {key.project!r}, not {asked[0]!r}")
                if not asked:  # pin the request to the key's project
                    scope = {**scope, "query_string": urlencode([*query, ("project", key.project)]).encode()}
        scope.setdefault("state", {})["principal"] = Principal(key)
        return await self.app(scope, receive, send)


async def _deny(send: Send, status: int, message: str) -> None:
    body = orjson.dumps({"detail": message})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *([(b"www-authenticate", b"Bearer")] if status == 401 else [])]})
    await send({"type": "http.response.body", "body": body})
