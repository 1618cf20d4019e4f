"""The FastAPI application: routers composed over explicitly passed dependencies."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from spyglass.api import (alerts, bias, drift, errors, governance, health, keys, metrics, otlp, reviews, scores, spans,
                          sql, traces)
from spyglass.api.audit import AuditMiddleware
from spyglass.api.auth import AuthMiddleware
from spyglass.api.body import SMALL_BODY_BYTES, BodyLimitMiddleware
from spyglass.api.deps import ApiDeps
from spyglass.api.gate import ReadGate
from spyglass.api.lanes import Lanes
from spyglass.console import docs_page, mount_console
from spyglass.storage import Store
from spyglass.telemetry.http import HttpMetricsMiddleware, router as metrics_router


def create_app(deps: ApiDeps) -> FastAPI:
    """Build the API over ``deps``; the caller owns the lifecycle of what ``deps`` holds.

    The app opens its own ClickHouse handles for analysts' SQL, readiness probes and key lookups
    (so none waits behind the other reads) and closes the first two when it shuts down.
    """
    store = deps.store

    def same_database() -> Store:
        return Store(store.dsn, store.database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.sql_gate.close()
        app.state.health_store.close()
        app.state.lanes.close()
        app.state.audit_store.close()

    app = FastAPI(title="Spyglass", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Traces, scores, metrics and alerts for LLM applications. Authorize with an API "
                              "key (`sg_...`) as a bearer token; the web console is at `/`.")
    app.state.deps = deps
    app.state.sql_gate = ReadGate(same_database, deps.sql_workers, deps.sql_per_key, deps.sql_queue)
    app.state.health_store = same_database()
    app.state.lanes = Lanes()
    if deps.auth is not None and deps.auth.store is store:
        deps.auth.store = same_database()  # key lookups never wait behind reads on the shared handle
    for module in (health, spans, otlp, traces, alerts, drift, sql, metrics, keys, scores, governance, reviews, bias):
        app.include_router(module.router)
    app.include_router(metrics_router)  # GET /metrics: public, like /health
    # the console and Swagger UI: every asset served from the package, none from a CDN
    mount_console(app, deps)
    app.add_api_route("/docs", docs_page, include_in_schema=False, response_class=HTMLResponse)
    app.state.audit_store = same_database()
    app.add_middleware(AuditMiddleware, store=app.state.audit_store)  # inside auth: it knows the caller's key
    if deps.auth is not None:
        app.add_middleware(AuthMiddleware, verifier=deps.auth)
    app.add_middleware(BodyLimitMiddleware, limit_for=lambda method, path: deps.max_request_bytes
                       if path == "/v1/spans" or (path == "/v1/traces" and method == "POST") else SMALL_BODY_BYTES)
    app.add_middleware(HttpMetricsMiddleware, routes=lambda: app.routes)  # outermost: counts 401s too

    errors.install(app)  # the error tree -> HTTP statuses, in one place

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(spans.span_batch_schemas())
            # declare the bearer scheme on every /v1 operation so Swagger UI's "Authorize" sends the key
            schema["components"]["securitySchemes"] = {"apiKey": {
                "type": "http", "scheme": "bearer", "description": "an API key: sg_<key id>_<secret>"}}
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/v1/"):
                    for operation in operations.values():
                        operation["security"] = [{"apiKey": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
