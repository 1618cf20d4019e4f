"""The drift run: read reference and current windows per project/service/model, compare, write reports.

The thin shell around ``spyglass.drift.compare``: ClickHouse reads, the shared encoder, one
insert per run.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, Sequence

import numpy as np

from spyglass.core.settings import DriftSettings
from spyglass.drift.compare import DriftConfig, FeatureDrift, WindowSample, compare_windows
from spyglass.storage import drift as queries
from spyglass.storage.store import Store


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class GroupReport:
    """One group's comparison in one run."""

    project: str
    service: str
    model: str
    reference: tuple[float, float]
    current: tuple[float, float]
    features: list[FeatureDrift]

    @property
    def drifted(self) -> list[FeatureDrift]:
        return [f for f in self.features if f.drifted]


class DriftMonitor:
    """Runs drift passes over a store. Not thread-safe: one pass at a time per monitor."""

    def __init__(self, store: Store, settings: DriftSettings, encoder: Embedder | None = None,
                 project: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.config = DriftConfig.from_settings(settings)
        self.encoder = encoder
        self.project = project

    def run_once(self, now: float | None = None, write: bool = True) -> tuple[str, list[GroupReport]]:
        """Compare every group's current window with its reference; returns (run_id, reports).

        Blocks for the run (seconds to a minute: embedding dominates). ``write`` stores the rows.
        """
        run_id = uuid.uuid4().hex
        end = time.time() if now is None else now
        start = end - self.settings.current_minutes * 60
        config = self.config
        groups = queries.llm_groups(self.store, start, end, self.project)
        pins = {(b["project"], b["service"], b["model"]): (_epoch(b["reference_start"]), _epoch(b["reference_end"]))
                for b in queries.baselines(self.store, self.project)}
        trailing = (start - self.settings.reference_minutes * 60, start)
        reports = []
        services = sorted({(g["project"], g["service"]) for g in groups})
        for project, service in services:
            reference = pins.get((project, service, queries.ALL_MODELS), trailing)
            reports.append(self._compare(project, service, queries.ALL_MODELS, reference, (start, end)))
        for g in groups:
            if g["n"] >= config.min_samples:
                key = (g["project"], g["service"], g["model"])
                reference = pins.get(key, pins.get((key[0], key[1], queries.ALL_MODELS), trailing))
                reports.append(self._compare(*key, reference, (start, end)))
        reports = [r for r in reports if r.features]
        if write:
            queries.insert_drift_reports(self.store, [row for r in reports for row in report_rows(run_id, r)])
        return run_id, reports

    def _compare(self, project: str, service: str, model: str, reference: tuple[float, float],
                 current: tuple[float, float]) -> GroupReport:
        samples = [self.sample(project, service, model, *window) for window in (reference, current)]
        return GroupReport(project, service, model, reference, current,
                           compare_windows(samples[0], samples[1], self.config))

    def sample(self, project: str, service: str, model: str, start: float, end: float) -> WindowSample:
        """One window of one group as arrays; a service-wide group ('*') carries only the model mix."""
        categories = queries.window_categories(self.store, project, service, model, start, end)
        n = sum(categories.get("model", {}).values())
        if model == queries.ALL_MODELS:
            return WindowSample(n, categorical={"model": _counter(categories.get("model", {}))})
        _, numeric = queries.window_numeric(self.store, project, service, model, start, end, self.settings.max_rows)
        sample = WindowSample(n, numeric={k: np.asarray(v, dtype=np.float64) for k, v in numeric.items()},
                              categorical={k: _counter(v) for k, v in categories.items() if k != "model"})
        scores = queries.window_scores(self.store, project, service, model, start, end, self.settings.max_rows)
        for evaluator, values in scores.items():
            sample.numeric[f"score:{evaluator}"] = np.asarray(values, dtype=np.float64)
        if self.encoder is not None and self.config.embed_sample > 0 and n >= self.config.min_samples:
            prompts, completions = queries.window_texts(self.store, project, service, model, start, end,
                                                        self.config.embed_sample)
            for name, texts in (("prompt_embedding", prompts), ("completion_embedding", completions)):
                if len(texts) >= self.config.min_samples:
                    sample.embeddings[name] = self.encoder.embed(texts)
        return sample


def _counter(counts: dict[str, int]) -> Counter:
    return Counter(counts)


def _epoch(value: datetime) -> float:
    """ClickHouse returns naive UTC datetimes."""
    return value.replace(tzinfo=timezone.utc).timestamp() if value.tzinfo is None else value.timestamp()


def report_rows(run_id: str, report: GroupReport) -> list[dict[str, Any]]:
    """``drift_reports`` rows of one group's comparison."""
    return [{"run_id": run_id, "project": report.project, "service": report.service, "model": report.model,
             "feature": f.feature, "feature_kind": f.feature_kind, "method": f.method,
             "statistic": f.statistic, "p_value": f.p_value, "effect_size": f.effect_size, "drifted": f.drifted,
             "reference_start": report.reference[0], "reference_end": report.reference[1],
             "current_start": report.current[0], "current_end": report.current[1],
             "reference_n": f.reference_n, "current_n": f.current_n, "details": f.details}
            for f in report.features]
