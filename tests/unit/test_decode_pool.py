"""The decode pool: worker processes give what inline decoding gives, and never outlive their parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from functools import partial

import pytest

from spyglass.ingest.decode import Source, decode_for_insert
from spyglass.ingest.decode_pool import DecodePool
from spyglass.sdk.wire import encode_record

ITEMS = [(encode_record([{"trace_id": "t", "span_id": f"s{i}", "project": "p", "name": "n", "start_time": 1.0 + i}
                         for i in range(50)]), Source("spans", 0, 3)),
         (b"not json", Source("spans", 0, 4))]


def _fail(items):
    raise ValueError("decoder bug")


def test_inline_pool_hands_back_results_and_exceptions(tmp_path):
    pool = DecodePool(0)
    pool.start()
    assert pool.size == 1
    assert pool.submit(partial(decode_for_insert, spool=str(tmp_path)), ITEMS).result().encoded.span_ids[:2] == ["s0", "s1"]
    with pytest.raises(ValueError, match="decoder bug"):
        pool.submit(_fail, ITEMS).result()


def test_worker_process_decodes_like_inline(tmp_path):
    decode = partial(decode_for_insert, spool=str(tmp_path))
    pool = DecodePool(1)
    pool.start()
    try:
        remote = pool.submit(decode, ITEMS).result(timeout=30)
    finally:
        pool.stop()
    local = decode(ITEMS)
    assert open(remote.encoded.path, "rb").read() == open(local.encoded.path, "rb").read()
    assert remote.encoded.span_ids == local.encoded.span_ids
    assert [(d.error, d.source) for d in remote.dead] == [(d.error, d.source) for d in local.dead]


PARENT = """
import multiprocessing, sys, time
from spyglass.ingest.decode_pool import DecodePool
if __name__ == "__main__":
    pool = DecodePool(2)
    pool.start()
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for init to reap it is gone too
            return stat.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped between the signal and the read
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) >= 2 and all(_alive(p) for p in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(p) for p in pids), "decode workers outlived their parent"
    finally:
        parent.kill()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_survive_sigterm_and_a_killed_one_fails_the_next_batch(tmp_path):
    decode = partial(decode_for_insert, spool=str(tmp_path))
    before = {p.pid for p in multiprocessing.active_children()}  # other tests' processes may still run
    pool = DecodePool(1)
    pool.start()
    try:
        (worker,) = {p.pid for p in multiprocessing.active_children()} - before
        os.kill(worker, signal.SIGTERM)  # a service manager stopping the group: the parent decides
        assert pool.submit(decode, ITEMS).result(timeout=30).encoded.span_ids[0] == "s0"
        os.kill(worker, signal.SIGKILL)  # the out-of-memory killer
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        future = pool.submit(decode, ITEMS)  # does not raise: the batch fails through its future,
        # whether the pool has noticed the dead worker yet or notices it with this batch queued
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=30)
        pool.restart()
        assert pool.submit(decode, ITEMS).result(timeout=30).encoded.span_ids[0] == "s0"
    finally:
        pool.stop()
