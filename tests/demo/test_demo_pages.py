"""`spyglass up` with its demo: every scripted incident, drift included, pages within 10 minutes of the start.

One real `spyglass up` (broker, chDB, evaluators, drift, alerts, the demo) in a fresh directory;
the pages are read where the terminal shows them from (the log channel's file), each incident's the
first page of its rule after the incident began (`spyglass up` prints when the demo starts). The test
ends as soon as every incident has paged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from spyglass.demo.incidents import BIAS_TARGET, INCIDENTS, PAGES, Schedule
from support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CONTRACT_S = 600.0  # "within 10 minutes of ./dev up"


def is_drift_incident(notice: dict) -> bool:
    """The drift incident's page: only a new model version changes the service-wide model mix (model '*').

    The demo's short drift windows also see other incidents (a latency spike shifts latency_ms of each
    model); those pages name a model, so they do not stand in for this one.
    """
    return notice["labels"].get("model") == "*"


def is_bias_incident(notice: dict) -> bool:
    """The bias incident's page: older customers' questions refused (the same answers may page other outcomes too)."""
    return (notice["labels"].get("segment"), notice["labels"].get("outcome")) == (BIAS_TARGET, "refusal")


INCIDENT_PAGE = {PAGES["drift"]: is_drift_incident, PAGES["bias"]: is_bias_incident}


def firing(log: Path) -> list[dict]:
    """Every firing notice in the log channel's file so far."""
    if not log.exists():
        return []
    notices = []
    for raw in log.read_bytes().splitlines():
        try:
            notice = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # a line still being written
        if notice.get("status") == "firing":
            notices.append(notice)
    return notices


def incident_pages(notices: list[dict], demo_started: float) -> dict[str, dict]:
    """{incident: the first page of its rule at or after the incident began} (drift, bias: the incident's own)."""
    schedule = Schedule()
    found: dict[str, dict] = {}
    for index, incident in enumerate(schedule.incidents):
        begins = demo_started + schedule.warmup_s + index * (schedule.incident_s + schedule.gap_s)
        rule, own = PAGES[incident], INCIDENT_PAGE.get(PAGES[incident], bool)
        page = next((n for n in notices if n["rule_name"] == rule and n["at"] >= begins and own(n)), None)
        if page is not None:
            found[incident] = page
    return found


class Output:
    """Reads a process's stdout on a thread; notes when the demo traffic started."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.demo_started: float | None = None
        self.tail: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for raw in stream:
            line = raw.decode(errors="replace")
            if self.demo_started is None and "demo traffic:" in line:
                self.demo_started = time.time()
            self.tail = (self.tail + [line])[-60:]


@pytest.mark.timeout(CONTRACT_S + 240)
def test_every_scripted_incident_pages_within_ten_minutes(tmp_path):
    assert set(PAGES) == set(INCIDENTS) == set(Schedule().incidents)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}
    env.update(SPYGLASS_API_PORT="0", PYTHONUNBUFFERED="1")
    started = time.time()
    process = subprocess.Popen([sys.executable, "-m", "spyglass.cli.main", "up"], cwd=tmp_path, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = Output(process)
    log = tmp_path / "spyglass-data" / "alerts.jsonl"
    try:
        def all_paged() -> dict[str, dict] | None:
            if process.poll() is not None:
                raise AssertionError("spyglass up exited:\n" + "".join(output.tail))
            if output.demo_started is None:
                return None
            seen = incident_pages(firing(log), output.demo_started)
            return seen if len(seen) == len(PAGES) else None

        try:
            seen = wait_for(all_paged, CONTRACT_S - (time.time() - started), 1.0, message="every incident's page")
        except AssertionError:
            missing = set(PAGES) - set(incident_pages(firing(log), output.demo_started or started))
            raise AssertionError(f"not paged within {CONTRACT_S:g} s of the start: {sorted(missing)}; demo "
                                 f"started after {(output.demo_started or 0) - started:.0f} s") from None
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    assert all(page["at"] - started <= CONTRACT_S for page in seen.values())
    assert all(page["labels"]["project"] == "demo" for page in seen.values())
    print(f"demo traffic after {output.demo_started - started:.0f} s; seconds from start to page:",
          {incident: round(page["at"] - started) for incident, page in seen.items()})
    print("drift and bias pages:", [(n["rule_name"], n["labels"].get("model"), n["labels"].get("segment"),
                                     n["labels"].get("outcome"), round(n["at"] - started)) for n in firing(log)
                                    if n["rule_name"] in INCIDENT_PAGE])
