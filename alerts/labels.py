"""Alert label rules (Alertmanager's): names match ``[a-zA-Z_][a-zA-Z0-9_]*``, values are valid UTF-8.

Checked when a rule is loaded (file, ``--check``, API), so a bad label is refused with its reason
instead of Alertmanager refusing the whole alert (HTTP 400) at delivery.
"""

from __future__ import annotations

import re
from typing import Any

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Spyglass sets these on every alert; a rule label of the same name would be overwritten.
RESERVED = ("alertname", "rule_id", "severity")


def label_problem(name: Any, value: Any) -> str | None:
    """Why ``name: value`` cannot be an Alertmanager label, or None when it can."""
    if not isinstance(name, str) or not LABEL_NAME.match(name):
        hint = re.sub(r"[^a-zA-Z0-9_]", "_", str(name))
        hint = hint if LABEL_NAME.match(hint) else f"_{hint}"
        return (f"label name {name!r} is invalid: label names must match [a-zA-Z_][a-zA-Z0-9_]* "
                f"(Alertmanager refuses the alert otherwise); e.g. {hint!r}")
    if name in RESERVED:
        return f"label name {name!r} is reserved: Spyglass sets {', '.join(RESERVED)} itself"
    if isinstance(value, (dict, list, tuple)) or value is None:
        return f"label {name!r}: the value must be a string, got {type(value).__name__}"
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"label {name!r}: the value is not valid UTF-8 ({exc.reason} at position {exc.start})"
    return None
