"""API keys over HTTP: POST/GET /v1/keys, DELETE /v1/keys/{key_id} (admin scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from spyglass.api.auth import require_project
from spyglass.core.errors import NotFound
from spyglass.storage.keys import SCOPES, create_key, list_keys, revoke_key

router = APIRouter(tags=["keys"])


class NewKey(BaseModel):
    project: str = Field(min_length=1, description="the project the key is bound to ('*': operator key)")
    scopes: list[str] = Field(min_length=1, description=f"subset of {', '.join(SCOPES)}")
    name: str = ""


def _public(key: Any) -> dict[str, Any]:
    return {"key_id": key.key_id, "project": key.project, "name": key.name, "scopes": list(key.scopes),
            "created_at": key.created_at, "revoked": key.revoked}


@router.post("/v1/keys", status_code=201, summary="Create an API key (the secret is shown once)")
def post_key(request: Request, body: NewKey) -> dict[str, Any]:
    require_project(request, body.project)
    key, plaintext = create_key(request.app.state.deps.store, body.project, body.scopes, body.name)  # 422
    request.state.audit = {"project": body.project, "target": key.key_id}  # api.audit: whose key, which
    return {**_public(key), "key": plaintext}


@router.get("/v1/keys", summary="API keys of a project (never their secrets)")
def get_keys(request: Request, project: str | None = None) -> dict[str, Any]:
    return {"keys": [_public(k) for k in list_keys(request.app.state.deps.store, project)]}


@router.delete("/v1/keys/{key_id}", summary="Revoke an API key")
def delete_key(request: Request, key_id: str) -> dict[str, Any]:
    store = request.app.state.deps.store
    owned = {k.key_id: k for k in list_keys(store)}.get(key_id)
    if owned is None:
        raise NotFound(f"no API key {key_id!r}")
    require_project(request, owned.project)
    request.state.audit = {"project": owned.project}  # api.audit
    revoke_key(store, key_id)
    verifier = request.app.state.deps.auth
    if verifier is not None:  # at once here; other API processes within their cache's ttl_s
        verifier.revoked(key_id)
    return {"key_id": key_id, "revoked": True}
