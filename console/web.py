"""The console's shared shell: state, the logged-in user, templates, security headers, errors."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from spyglass.console.access import Forbidden, check
from spyglass.console.session import COOKIE, Session, csrf_ok, csrf_token, load_session
from spyglass.storage.console import key_by_id, known_projects
from spyglass.storage.keys import OPERATOR, SCOPES, ApiKey

HERE = Path(__file__).parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Swagger UI sets style attributes from its scripts; its scripts still come only from this server.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
KEY_TTL_S = 30.0  # as api.auth.KeyVerifier: a revoked key's sessions end within this


class LoginRequired(Exception):
    """No valid session: the handler redirects to the login page, then back to ``next``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class NotFound(Exception):
    """A page for something this session's project does not hold."""


@dataclass
class ConsoleState:
    """Built once per app: the signing secret, templates, the store, and a key-lookup cache."""

    deps: Any
    secret: bytes
    env: Environment
    auth_off_nonce: str
    _keys: dict[str, tuple[float, ApiKey | None]] = field(default_factory=dict)
    _values: dict[str, tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _refreshing: set[str] = field(default_factory=set)

    def cached(self, name: str, compute: Callable[[], Any], ttl_s: float = 30.0) -> Any:
        """``compute()``, remembered ``ttl_s`` seconds under ``name`` (filter choices, project lists).

        Once expired, the old value is still answered while one background thread computes the new
        one: menus may be a few seconds stale, and no page waits for their queries after the first.
        """
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(name)
            stale = hit is not None and hit[0] <= now and name not in self._refreshing
            if stale:
                self._refreshing.add(name)
        if hit is None:
            return self._store(name, compute(), ttl_s)
        if stale:
            def refresh() -> None:
                try:
                    self._store(name, compute(), ttl_s)
                finally:
                    with self._lock:
                        self._refreshing.discard(name)
            threading.Thread(target=refresh, name=f"console-cache-{name}", daemon=True).start()
        return hit[1]

    def _store(self, name: str, value: Any, ttl_s: float) -> Any:
        with self._lock:
            if len(self._values) > 10_000:
                self._values.clear()
            self._values[name] = (time.monotonic() + ttl_s, value)
        return value

    def key(self, key_id: str) -> ApiKey | None:
        """The key by id, cached ``KEY_TTL_S`` seconds."""
        now = time.monotonic()
        with self._lock:
            hit = self._keys.get(key_id)
        if hit and hit[0] > now:
            return hit[1]
        key = key_by_id(self.deps.store, key_id)
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[key_id] = (now + KEY_TTL_S, key)
        return key


@dataclass
class User:
    """The logged-in session: its key, its session, and the CSRF token its forms carry."""

    key: ApiKey
    session: Session
    csrf: str
    auth: bool = True

    @property
    def operator(self) -> bool:
        return self.key.project == OPERATOR

    def allow(self, method: str, v1_path: str, project: str | None = None) -> None:
        """Raise ``Forbidden`` unless the key may make this /v1 request."""
        check(self.key, method, v1_path, project)

    def can(self, method: str, v1_path: str, project: str | None = None) -> bool:
        try:
            check(self.key, method, v1_path, project)
        except Forbidden:
            return False
        return True


def state(request: Request) -> ConsoleState:
    return request.app.state.console


def here(request: Request) -> str:
    """This page's path and query (where login returns to)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def current_user(request: Request) -> User:
    """The session's user; ``LoginRequired`` without a valid session. Auth off: an operator."""
    st = state(request)
    if st.deps.auth is None:
        session = Session("local", time.time(), st.auth_off_nonce)
        key = ApiKey("local", OPERATOR, "auth off", SCOPES, 0.0, False)
        return User(key, session, csrf_token(st.secret, session), auth=False)
    session = load_session(st.secret, request.cookies.get(COOKIE))
    key = st.key(session.key_id) if session else None
    if session is None or key is None or key.revoked:
        raise LoginRequired(here(request))
    request.state.audit_key = key  # the audit log names the console's caller too
    return User(key, session, csrf_token(st.secret, session))


def page_project(request: Request, user: User) -> str:
    """The project a page shows: ``?project=`` (checked) or the key's; an operator's default: the first seen."""
    asked = request.query_params.get("project") or None
    if not user.operator:
        user.allow("GET", "/v1/traces", asked or user.key.project)
        return user.key.project
    if asked:
        return asked
    projects = recent_projects(request)
    return "demo" if "demo" in projects or not projects else projects[0]


def recent_projects(request: Request) -> list[str]:
    """Projects with spans in the last 7 days (cached briefly: it only fills the project menu)."""
    st = state(request)
    return st.cached("projects", lambda: known_projects(st.deps.store, time.time() - 7 * 86_400))


async def form_data(request: Request, user: User) -> dict[str, str]:
    """The urlencoded form of a POST, after its CSRF token is checked (``Forbidden`` when wrong)."""
    body = (await request.body()).decode("utf-8", "replace")
    form = dict(parse_qsl(body, keep_blank_values=True))
    if not csrf_ok(state(request).secret, user.session, form.get("csrf")):
        raise Forbidden("the form's CSRF token is missing or stale: reload the page and try again")
    return form


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template (autoescaped) with the common context."""
    env = state(request).env
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(next_url: str) -> RedirectResponse:
    return redirect("/login?" + urlencode({"next": next_url}))


def with_query(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def fmt_time(value: Any) -> str:
    """Epoch seconds or a datetime as 'YYYY-MM-DD HH:MM:SS UTC'."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_num(value: Any, digits: int = 4) -> str:
    """A number for people: up to ``digits`` significant digits; blank for None/NaN."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:.{max(digits, 1)}g}"
    if "e" in text and abs(value) >= 1:  # 30 at one digit is "3e+01": write whole numbers whole
        return f"{round(value):,}"
    return text


def fmt_ms(value: Any) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def build_env() -> Environment:
    """The Jinja2 environment: autoescape on for every template, undefined names are errors."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(time=fmt_time, num=fmt_num, ms=fmt_ms, urlquote=lambda v: quote(str(v), safe=""))
    env.globals.update(with_query=with_query)
    return env
