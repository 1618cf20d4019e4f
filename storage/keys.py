"""API keys: ``sg_<key id>_<secret>``, bound to a project (``*``: operator) with scopes.

Only a SHA-256 of the secret is stored; the plaintext is shown once, when the key is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from spyglass.core.errors import InvalidRecord
from spyglass.storage.store import Store

SCOPES = ("ingest", "read", "admin")
OPERATOR = "*"  # a key for every project (the operator's); it must still name the project it acts on


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    project: str
    name: str
    scopes: tuple[str, ...]
    created_at: float
    revoked: bool


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(plaintext: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    parts = plaintext.split("_")
    if len(parts) != 3 or parts[0] != "sg" or len(parts[1]) != 12 or len(parts[2]) < 32:
        return None
    return parts[1], parts[2]


def create_key(store: Store, project: str, scopes: list[str], name: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns it and its plaintext (shown once). Raises InvalidRecord on bad input."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidRecord(f"scopes must be a non-empty subset of {', '.join(SCOPES)}; got {scopes}")
    if not project:
        raise InvalidRecord("a key needs a project ('*' for an operator key)")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32).replace("_", "-")
    now = time.time()
    store.command("INSERT INTO api_keys (key_id, project, name, scopes, secret_hash, created_at) VALUES "
                  "({k:String}, {p:String}, {n:String}, {s:Array(String)}, {h:String}, fromUnixTimestamp64Milli({t:Int64}))",
                  parameters={"k": key_id, "p": project, "n": name, "s": sorted(set(scopes)), "h": _hash(secret),
                              "t": int(now * 1000)})
    return ApiKey(key_id, project, name, tuple(sorted(set(scopes))), now, False), f"sg_{key_id}_{secret}"


def verify_key(store: Store, plaintext: str) -> ApiKey | None:
    """The key this plaintext proves, or None (malformed, unknown, wrong secret or revoked)."""
    parsed = parse_key(plaintext)
    if parsed is None:
        return None
    key_id, secret = parsed
    rows = store.rows("SELECT key_id, project, name, scopes, secret_hash, toUnixTimestamp64Milli(created_at) AS t, "
                      "revoked_at IS NOT NULL AS revoked FROM api_keys FINAL WHERE key_id = {k:String}",
                      parameters={"k": key_id})
    if not rows or not hmac.compare_digest(rows[0]["secret_hash"], _hash(secret)) or rows[0]["revoked"]:
        return None
    return _key(rows[0])


def list_keys(store: Store, project: str | None = None) -> list[ApiKey]:
    """Keys (never secrets), newest first; only ``project``'s when given."""
    where = "WHERE project = {p:String}" if project else ""
    rows = store.rows(f"SELECT key_id, project, name, scopes, toUnixTimestamp64Milli(created_at) AS t, "
                      f"revoked_at IS NOT NULL AS revoked FROM api_keys FINAL {where} ORDER BY created_at DESC",
                      parameters={"p": project})
    return [_key(row) for row in rows]


def revoke_key(store: Store, key_id: str) -> bool:
    """Revoke a key; False when there is no such key."""
    rows = store.rows("SELECT key_id, project, name, scopes, secret_hash, created_at FROM api_keys FINAL "
                      "WHERE key_id = {k:String}", parameters={"k": key_id})
    if not rows:
        return False
    row = rows[0]
    store.command("INSERT INTO api_keys (key_id, project, name, scopes, secret_hash, created_at, revoked_at) "
                  "VALUES ({k:String}, {p:String}, {n:String}, {s:Array(String)}, {h:String}, {c:DateTime64(3)}, now64(3))",
                  parameters={"k": key_id, "p": row["project"], "n": row["name"], "s": row["scopes"],
                              "h": row["secret_hash"], "c": row["created_at"]})
    return True


def _key(row: dict) -> ApiKey:
    return ApiKey(row["key_id"], row["project"], row["name"], tuple(row["scopes"]), row["t"] / 1000,
                  bool(row["revoked"]))
