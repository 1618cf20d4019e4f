"""GPU utilisation and memory while a benchmark phase runs, sampled by ``nvidia-smi`` every 100 ms.

    with GpuSampler() as gpu:
        run_phase()
    gpu.summary()  # {"gpu_util_mean_pct": ..., "gpu_util_max_pct": ..., "gpu_mem_max_mib": ..., "samples": ...}

Without ``nvidia-smi`` (a machine with no NVIDIA GPU) the summary is empty.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any


class GpuSampler:
    """Reads ``nvidia-smi --query-gpu ... -lms 100`` on a thread from ``__enter__`` to ``__exit__``."""

    def __init__(self, interval_ms: int = 100) -> None:
        self.interval_ms = interval_ms
        self.samples: list[tuple[float, float]] = []  # (utilisation %, memory used MiB) of GPU 0
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> "GpuSampler":
        if shutil.which("nvidia-smi"):
            self._proc = subprocess.Popen(
                ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits",
                 "-i", "0", f"-lms={self.interval_ms}"], stdout=subprocess.PIPE, text=True)
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                util, mem = (float(x) for x in line.split(","))
            except ValueError:  # "[N/A]" or a header
                continue
            self.samples.append((util, mem))

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=5)
            if self._reader is not None:
                self._reader.join(timeout=5)

    def summary(self) -> dict[str, float]:
        if not self.samples:
            return {}
        utils = [u for u, _ in self.samples]
        return {"gpu_util_mean_pct": round(sum(utils) / len(utils), 1), "gpu_util_max_pct": max(utils),
                "gpu_mem_max_mib": max(m for _, m in self.samples), "samples": len(self.samples)}
