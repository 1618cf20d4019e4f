"""Spool folders: one per ingest process; those of dead processes are removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from spyglass.ingest.spool import PREFIX, make_spool


def test_a_new_spool_removes_folders_of_dead_processes_only():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{int(dead.stdout)}-"))
    (stale / "batch.jsonl").write_bytes(b"{}")
    mine = make_spool()
    try:
        assert not stale.exists(), "a dead process's spool is removed"
        assert Path(mine).is_dir() and Path(mine).name.startswith(f"{PREFIX}{os.getpid()}-")
        assert make_spool() and Path(mine).is_dir(), "a live process's spool is kept"
    finally:
        for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}{os.getpid()}-*"):
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
