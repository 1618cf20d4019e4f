"""What a console session may do: the same scope and project rules as ``/v1`` (``api.auth``).

Each page names the ``/v1`` request it stands for (method, path); the key needs that request's
scope, an operator key where ``/v1`` wants one, and its own project unless it is an operator key.
"""

from __future__ import annotations

from spyglass.api.auth import OPERATOR_PATHS, required_scope
from spyglass.storage.keys import OPERATOR, ApiKey


class Forbidden(Exception):
    """The session's key may not do this; the message says why (shown on a 403 page)."""


def check(key: ApiKey, method: str, v1_path: str, project: str | None = None) -> None:
    """Raise ``Forbidden`` unless ``key`` may make the ``/v1`` request (method, path) on ``project``."""
    needed = required_scope(method, v1_path)
    if needed is not None and needed not in key.scopes:
        raise Forbidden(f"this API key lacks the {needed!r} scope (it has {', '.join(key.scopes)})")
    if key.project != OPERATOR and v1_path.startswith(OPERATOR_PATHS):
        raise Forbidden("alert rules, silences and acknowledgements span projects: they need an operator key "
                        "(project '*')")
    if project is not None and key.project not in (OPERATOR, project):
        raise Forbidden(f"this API key is for project {key.project!r}, not {project!r}")
