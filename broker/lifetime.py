"""Child processes that die with their parent, even when the parent is killed with SIGKILL.

Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere a no-op, and the clean-stop paths remain the
only ones. The signal follows the *thread* that started the child: start children from a
thread that lives as long as they should.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent dies.

    Call it in the child: as a ``preexec_fn`` or first thing in a worker's initializer. If the
    parent died before the call, exit now (the kernel would never send the signal).
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return  # not fatal: the clean-stop paths still end the child
    if os.getppid() != parent:
        os._exit(0)
