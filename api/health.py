"""GET /healthz (the process answers) and GET /readyz (broker and ClickHouse reachable)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: broker and ClickHouse reachable")
async def readyz(request: Request) -> JSONResponse:
    deps, lanes = request.app.state.deps, request.app.state.lanes
    # its own ClickHouse handle and thread: long reads must neither delay nor fail the probe
    checks = {"clickhouse": await lanes.run(lanes.health, request.app.state.health_store.ping),
              "broker": await lanes.run(lanes.health, deps.publisher.connected)}
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
