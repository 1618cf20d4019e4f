"""HTTP metrics for the API: an ASGI middleware counting requests by route template and status,
and the ``GET /metrics`` route. Paths that match no route count as ``unmatched``, so random URLs
never create series.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.routing import Match

from spyglass.telemetry import catalogue as m
from spyglass.telemetry.exposition import render

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics of this process (text exposition format)",
            response_class=Response)
def get_metrics() -> Response:
    body, content_type = render()
    return Response(body, media_type=content_type)


def route_template(scope: dict[str, Any], routes: Any) -> str:
    """The path template that served ``scope`` (``/v1/traces/{trace_id}``), else ``unmatched``."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    for candidate in routes or ():
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            return getattr(candidate, "path", "unmatched")
    return "unmatched"


class HttpMetricsMiddleware:
    """Outermost ASGI middleware: times every HTTP request and counts it with its status."""

    def __init__(self, app: Any, routes: Callable[[], Any] = lambda: ()) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500  # what the server answers when the app raised before starting a response

        async def recording_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = route_template(scope, self.routes())
            method = scope.get("method", "GET")
            m.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            m.HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)
