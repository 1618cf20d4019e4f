"""Signed session cookies and CSRF tokens (pure: HMAC-SHA256 over a secret kept with the data).

The cookie names the key by id only (never its secret); each request looks the key up again, so a
revoked key's sessions end within the lookup cache's lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import orjson

COOKIE = "spyglass_session"
LOGIN_CSRF_COOKIE = "spyglass_login_csrf"
MAX_AGE_S = 12 * 3600


@dataclass(frozen=True)
class Session:
    """Who logged in (``key_id``), when, and the nonce the session's CSRF token derives from."""

    key_id: str
    issued_at: float
    nonce: str


def _mac(secret: bytes, purpose: str, data: bytes) -> str:
    digest = hmac.new(secret, purpose.encode() + b"\x00" + data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_session(key_id: str, now: float | None = None) -> Session:
    """A fresh session for ``key_id`` with a random nonce."""
    return Session(key_id, time.time() if now is None else now, secrets.token_urlsafe(16))


def dump_session(secret: bytes, session: Session) -> str:
    """The cookie value: base64 JSON payload, a dot, its MAC."""
    payload = base64.urlsafe_b64encode(orjson.dumps(
        {"k": session.key_id, "t": session.issued_at, "n": session.nonce})).decode().rstrip("=")
    return f"{payload}.{_mac(secret, 'session', payload.encode())}"


def load_session(secret: bytes, value: str | None, now: float | None = None) -> Session | None:
    """The session a cookie value proves, or None (missing, tampered, malformed or expired)."""
    if not value or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    if not hmac.compare_digest(mac, _mac(secret, "session", payload.encode())):
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        session = Session(str(data["k"]), float(data["t"]), str(data["n"]))
    except (ValueError, KeyError, TypeError):
        return None
    now = time.time() if now is None else now
    return session if 0 <= now - session.issued_at <= MAX_AGE_S else None


def csrf_token(secret: bytes, session: Session) -> str:
    """The CSRF token every state-changing form of this session must carry."""
    return _mac(secret, "csrf", session.nonce.encode())


def csrf_ok(secret: bytes, session: Session, token: str | None) -> bool:
    """Whether ``token`` is this session's CSRF token (constant-time)."""
    return bool(token) and hmac.compare_digest(str(token), csrf_token(secret, session))


def safe_next(target: str | None) -> str:
    """A same-site path to return to after login; anything else (other hosts, schemes) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
