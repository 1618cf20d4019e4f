"""Dependencies point one way: lower layers and the CLI's query command never load the API."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["spyglass.cli.query", "spyglass.storage.sql", "spyglass.storage.evidence",
                                    "spyglass.alerts.examples", "spyglass.ingest.consumer"])
def test_module_does_not_load_the_api(module):
    # a fresh interpreter: this test session has long since imported FastAPI elsewhere
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fastapi' or m.startswith('spyglass.api')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"{module} loads {loaded.strip()}"
