"""`spyglass up` prints each firing and resolved alert: new lines of the log channel's file."""

from __future__ import annotations

import os

import orjson

from spyglass.alerts.channels import notice_line


class AlertFeed:
    """New firing/resolved lines of the alert log channel's file since ``spyglass up`` started."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.offset = os.path.getsize(path) if path and os.path.exists(path) else 0

    def new_lines(self) -> list[str]:
        if not self.path:
            return []
        try:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                chunk = log.read()
        except OSError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits for the next second
        self.offset += len(complete)
        lines = []
        for raw in complete.splitlines():
            try:
                line = notice_line(orjson.loads(raw))
            except ValueError:
                continue
            if line:
                lines.append(line)
        return lines
