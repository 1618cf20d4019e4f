"""The bottom layer stays at the bottom, and the environment is read in one place."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
# not backend packages: the SDK (its own distribution), tests, data, and benches (they start processes with
# environments of their own)
NOT_BACKEND = {"sdk", "tests", "docs", "dashboards", "deploy", "bench"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_imports_nothing_of_the_project():
    for path in (ROOT / "core").glob("*.py"):
        outside = {m for m in _imports(path) if m.startswith("spyglass.") and not m.startswith("spyglass.core")}
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_only_the_settings_module_reads_the_environment():
    readers = []
    for path in ROOT.glob("*/**/*.py"):
        top = path.relative_to(ROOT).parts[0]
        if top in NOT_BACKEND or top.startswith(".") or path == ROOT / "core" / "settings.py":
            continue
        text = path.read_text()
        if "os.environ" in text or "getenv(" in text:
            readers.append(str(path.relative_to(ROOT)))
    assert readers == [], "read settings through spyglass.core.settings instead"
