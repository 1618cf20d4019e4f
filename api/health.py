"""GET /healthz (the process answers) and GET /readyz (broker and ClickHouse reachable)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: broker and ClickHouse reachable")
def readyz(request: Request) -> JSONResponse:
    deps = request.app.state.deps
    # its own ClickHouse handle: a long read on the API's shared one must not fail the probe
    checks = {"clickhouse": request.app.state.health_store.ping(), "broker": deps.publisher.connected()}
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
