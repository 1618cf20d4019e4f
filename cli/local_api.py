"""CLI commands while `spyglass up` runs: chDB lets one process open a data directory, so when the
running stack holds it, commands go through the stack's API with its local operator key."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any

from spyglass.core.settings import Settings
from spyglass.storage import Store
from spyglass.storage.errors import ConfigError


class StackRunning(ConfigError):
    """The embedded data directory is held by another process (a running `spyglass up`)."""


def data_dir_held(settings: Settings) -> bool:
    """True when another process holds the embedded chDB data directory (its ``status`` file lock)."""
    if not settings.storage.dsn.startswith("chdb://"):
        return False
    status = Path(settings.storage.dsn[len("chdb://"):] or ".").resolve() / "status"
    try:
        with open(status, "rb") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(file, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def open_store(settings: Settings, command: str) -> Store:
    """The Spyglass database; ``StackRunning`` when a running stack holds the embedded data directory."""
    # asked before opening: chDB prints its own lock error to stderr when the open fails
    if data_dir_held(settings):
        raise StackRunning(f"{settings.storage.dsn} is in use by a running `spyglass up`; "
                           f"`spyglass {command}` cannot open it while the stack runs")
    return Store(settings.storage.dsn, settings.storage.database)


class LocalApi:
    """A Spyglass API and the key to call it with; errors come out as ``ConfigError`` with the API's message."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of ``method path``; ``ConfigError`` on a refusal or when the API does not answer."""
        import httpx

        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            reply = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=120, **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigError(f"the Spyglass API at {self.url} did not answer: {exc}") from None
        if reply.status_code >= 400:
            raise ConfigError(f"{method} {path}: HTTP {reply.status_code}: {error_message(reply)}")
        return reply.json()


def error_message(reply: Any) -> str:
    """The message of an API error answer ({"detail": "..."} or {"detail": {"message": ...}})."""
    try:
        detail = reply.json().get("detail", reply.text)
    except ValueError:
        return reply.text
    return str(detail.get("message", detail)) if isinstance(detail, dict) else str(detail)


def local_api(settings: Settings, url: str | None = None, key: str | None = None) -> LocalApi:
    """The running stack's API (``url`` or the configured one) with ``key`` or the stack's local operator key."""
    import httpx

    url = url or settings.api.url
    if not key:
        key_file = Path(settings.api.local_key_path)
        key = key_file.read_text().strip() if key_file.exists() else ""
    if not key and settings.api.auth:
        raise ConfigError(f"no API key for {url}: pass --api-key, or run from the directory of `spyglass up` "
                          f"(its key is in {settings.api.local_key_path})")
    try:
        httpx.get(f"{url.rstrip('/')}/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError:
        raise ConfigError(f"the embedded data directory is held by another process, and no Spyglass API answers "
                          f"at {url}: if `spyglass up` runs on another port, set SPYGLASS_API_PORT (or --api URL)"
                          ) from None
    return LocalApi(url, key)
