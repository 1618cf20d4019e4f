"""spyglass.console: the web console (server-rendered pages over the API's own storage and keys)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from spyglass.console.access import Forbidden
from spyglass.console.web import (CSP, DOCS_CSP, HERE, ConsoleState, LoginRequired, NotFound, build_env,
                                  login_redirect, render)

__all__ = ["docs_page", "mount_console"]


class SecurityHeaders:
    """ASGI middleware: a strict Content-Security-Policy and friends on every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = (DOCS_CSP if scope["path"] == "/docs" else CSP).encode()

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"content-security-policy"]
                headers += [(b"content-security-policy", policy), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_console(app: FastAPI, deps: Any) -> None:
    """Serve the console at ``/`` (pages), ``/static`` (its assets) on ``app``."""
    from spyglass.console import login, pages_admin, pages_alerts, pages_bias, pages_reviews, pages_traces
    from spyglass.storage.console import console_secret

    app.state.console = ConsoleState(deps=deps, secret=console_secret(deps.store), env=build_env(),
                                     auth_off_nonce=secrets.token_urlsafe(16))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for module in (login, pages_traces, pages_alerts, pages_admin, pages_reviews, pages_bias):
        app.include_router(module.router)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc.next_url)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", status=403, user=None, title="Not allowed", message=str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return render(request, "error.html", status=404, user=None, title="Not found", message=str(exc))


def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI 5 vendored in ``static/swagger`` (no CDN); its start-up script is a file, not inline."""
    return render(request, "docs.html", user=None)
