"""Log in with an API key (-> signed session cookie), log out."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spyglass.console.session import (COOKIE, LOGIN_CSRF_COOKIE, MAX_AGE_S, dump_session, new_session,
                                      safe_next)
from spyglass.console.web import current_user, form_data, redirect, render, state

router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


@router.get("/login")
def login_page(request: Request, next: str = "/", error: str = "") -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(16)
    response = render(request, "login.html", next=safe_next(next), error=error, csrf=token, user=None,
                      status=401 if error else 200)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="lax",
                        secure=_secure(request), path="/login")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
    target = safe_next(form.get("next"))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form.get("csrf", "")):
        return login_page(request, target, "The login form expired: try again.")
    st = state(request)
    if st.deps.auth is None:
        return redirect(target)
    from starlette.concurrency import run_in_threadpool

    key = await run_in_threadpool(st.deps.auth.verify, form.get("key", "").strip())
    if key is None:
        return login_page(request, target, "Unknown, malformed or revoked API key.")
    if "read" not in key.scopes:
        return login_page(request, target, f"This key has the scopes {', '.join(key.scopes)}; "
                                           "the console needs a key with the 'read' scope.")
    response = redirect(target)
    response.set_cookie(COOKIE, dump_session(st.secret, new_session(key.key_id)), max_age=MAX_AGE_S,
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = current_user(request)
    await form_data(request, user)
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response
