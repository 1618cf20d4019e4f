"""Spool folders: where ingest's decode workers leave encoded batches for the inserter.

A batch's rows cross from the decode process to ClickHouse as a file: embedded chDB reads it
directly, a server gets it streamed, and no process copies the bytes through a pipe. Each ingest
worker has its own folder, removed when it stops; folders of processes that died are removed by
the next worker to start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "spyglass-ingest-"


def make_spool() -> str:
    """A new spool folder for this process (and stale ones of dead processes removed)."""
    remove_stale()
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def remove_stale() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        try:
            pid = int(folder.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
