"""POST /v1/sql: an analyst's read-only query on one project's rows, as JSON, CSV or Arrow."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from spyglass.storage import Store
from spyglass.storage.audit import normalized_sql_hash
from spyglass.storage.sql import SqlLimits, SqlRefused, export_readonly_sql, json_value, run_readonly_sql
from spyglass.telemetry.recorders import sql_query

router = APIRouter(tags=["sql"])

DEFAULT_ROWS = 10_000
MAX_ROWS = 100_000
MAX_SECONDS = 10.0
MAX_MEMORY_BYTES = 1 << 30
MEDIA = {"csv": ("CSVWithNames", "text/csv; charset=utf-8"),
         "arrow": ("ArrowStream", "application/vnd.apache.arrow.stream")}


class SqlRequest(BaseModel):
    """One SELECT over the Spyglass tables; rows of other projects are invisible to it."""

    query: str = Field(..., min_length=1, max_length=100_000, description="one SELECT statement")
    format: Literal["json", "csv", "arrow"] = "json"
    max_rows: int = Field(DEFAULT_ROWS, ge=1, le=MAX_ROWS, description="more result rows than this is an error (413)")
    timeout_s: float = Field(MAX_SECONDS, gt=0, le=MAX_SECONDS, description="stop the query after this many seconds (408)")


@router.post("/v1/sql", summary="Run a read-only SQL query on one project's rows",
             responses={400: {"description": "not a valid query"}, 403: {"description": "writes, DDL, tables other "
                        "than the analyst tables, table functions or SETTINGS"},
                        408: {"description": "over the time limit"},
                        413: {"description": "over the row or memory limit"},
                        429: {"description": "this key has too many queries running or queued"},
                        503: {"description": "the server's SQL queue is full; retry"}})
async def post_sql(request: Request, body: SqlRequest,
                   project: str = Query(..., min_length=1, max_length=256, description="the caller's project")
                   ) -> Response:
    limits = SqlLimits(body.max_rows, body.timeout_s, MAX_MEMORY_BYTES)
    principal = getattr(request.state, "principal", None)
    key = principal.key.key_id if principal is not None else "anonymous"

    audit = request.state.audit = {"sql_hash": normalized_sql_hash(body.query), "project": project}

    def read(store: Store) -> Response:
        if body.format in MEDIA:
            fmt, media_type = MEDIA[body.format]
            data = export_readonly_sql(store, body.query, project, fmt, limits)
            sql_query("ok")
            audit["rows"] = max(data.count(b"\n") - 1, 0) if body.format == "csv" else None
            return Response(data, media_type=media_type)
        result = run_readonly_sql(store, body.query, project, limits.max_rows, limits.max_seconds,
                                  limits.max_memory_bytes)
        sql_query("ok")
        rows = [{name: json_value(v) for name, v in zip(result.columns, row)} for row in result.rows]
        audit["rows"] = len(rows)
        return JSONResponse({"columns": [{"name": n, "type": t} for n, t in zip(result.columns, result.types)],
                             "rows": rows, "row_count": len(rows)})

    try:
        # its own threads and ClickHouse handles: health, ingest and other reads never queue behind it
        return await request.app.state.sql_gate.run(key, read)
    except SqlRefused as exc:  # counted by kind; spyglass.api.errors answers with its status
        sql_query(exc.kind)
        raise


@router.get("/v1/sql/queue", summary="Analysts' queries running and waiting now, and the limits")
def get_sql_queue(request: Request) -> dict[str, int]:
    deps = request.app.state.deps
    return {**request.app.state.sql_gate.stats(), "workers": deps.sql_workers, "per_key": deps.sql_per_key,
            "queue": deps.sql_queue}
