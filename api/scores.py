"""POST /v1/scores: scores from outside (feedback, reviews, the app's checks), validated and published."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from spyglass.api.auth import forced_project
from spyglass.api.spans import read_json
from spyglass.core.errors import Forbidden, InvalidRecord, Unavailable
from spyglass.sdk.score_wire import ScoreError, validate_score

router = APIRouter(tags=["scores"])
MAX_BODY = 1 << 20  # the body limit middleware allows small bodies here


def scores_of(doc: Any) -> list[Any]:
    """Accept {"scores": [...]}, a JSON array of scores, or one score object."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("scores"), list):
        return doc["scores"]
    if isinstance(doc, dict) and "name" in doc:
        return [doc]
    raise InvalidRecord('expected {"scores": [...]}, a JSON array of scores or one score object')


def publish_scores(request: Request, raw: list[Any]) -> JSONResponse:
    """Validate every score; publish all (202) or none (422 with one error per bad score)."""
    forced = forced_project(request)
    rows, errors = [], []
    for index, score in enumerate(raw):
        if forced is not None and isinstance(score, dict):
            score = {**score, "project": score.get("project") or forced}
        try:
            rows.append(validate_score(score))
        except ScoreError as exc:
            errors.append({"index": index, **exc.as_dict()})
    if errors:
        raise InvalidRecord(f"{len(errors)} of {len(raw)} scores are invalid; nothing was accepted",
                          errors=errors[:1000], accepted=0)
    foreign = [i for i, row in enumerate(rows) if forced is not None and row["project"] != forced]
    if foreign:
        raise Forbidden(f"this API key is for project {forced!r}; scores {foreign[:20]} name another project",
                        accepted=0)
    publisher = request.app.state.deps.score_publisher
    if publisher is None:
        raise Unavailable("scores are not configured on this API (no score topic)")
    accepted = publisher.publish(rows)  # BrokerError: 503 with Retry-After
    return JSONResponse({"accepted": accepted, "score_ids": [r["score_id"] for r in rows]}, status_code=202)


@router.post("/v1/scores", status_code=202, summary="Record scores on traces or spans (feedback, reviews)",
             responses={202: {"description": "all scores accepted and on the broker"},
                        403: {"description": "a score names another project than the key's"},
                        422: {"description": "invalid scores; per-score errors, nothing accepted"},
                        503: {"description": "broker busy or unreachable; retry after Retry-After"}})
async def post_scores(request: Request) -> JSONResponse:
    raw = scores_of(await read_json(request, MAX_BODY))
    lanes = request.app.state.lanes
    return await lanes.run(lanes.ingest, publish_scores, request, raw)
