"""The FastAPI application: routers composed over explicitly passed dependencies."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from spyglass.api import alerts, drift, health, keys, metrics, otlp, spans, sql, traces
from spyglass.api.auth import AuthMiddleware
from spyglass.api.deps import ApiDeps
from spyglass.storage.errors import StorageError
from spyglass.telemetry.http import HttpMetricsMiddleware, router as metrics_router


def create_app(deps: ApiDeps) -> FastAPI:
    """Build the API over ``deps``; the caller owns the lifecycle of what ``deps`` holds."""
    app = FastAPI(title="Spyglass", version="0.1.0",
                  description="Traces, scores, metrics and alerts for LLM applications.")
    app.state.deps = deps
    for module in (health, spans, otlp, traces, alerts, drift, sql, metrics, keys):
        app.include_router(module.router)
    app.include_router(metrics_router)  # GET /metrics: public, like /health
    if deps.auth is not None:
        app.add_middleware(AuthMiddleware, verifier=deps.auth)
    app.add_middleware(HttpMetricsMiddleware, routes=lambda: app.routes)  # outermost: counts 401s too

    @app.exception_handler(StorageError)
    async def storage_unavailable(request: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse({"detail": f"ClickHouse error: {exc}"}, status_code=503)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(spans.span_batch_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
