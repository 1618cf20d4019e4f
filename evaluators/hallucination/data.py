"""The labelled groundedness data in ``shared/datasets/`` and its fixed train / tune / test splits.

- halueval_qa: split by ``pair_id`` (both answers of a question stay together): 60% train,
  20% tune (threshold), 20% test.
- begin_wow: the dataset's own split; its dev part is cut 70/30 into train and tune, its test
  part is only ever used to report.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from spyglass.evaluators.hallucination.evidence import SpanInput

DATASETS = ("halueval_qa", "begin_wow")


@dataclass(frozen=True)
class Example:
    """One labelled completion: label 1 = hallucinated (not supported by its context)."""

    key: str
    group: str
    dataset: str
    split: str  # train | tune | test
    label: int
    span: SpanInput


def datasets_root(root: str | None = None) -> Path:
    """The shared datasets folder: argument, then SPYGLASS_DATASETS, then ../shared/datasets."""
    if root:
        return Path(root)
    if os.environ.get("SPYGLASS_DATASETS"):
        return Path(os.environ["SPYGLASS_DATASETS"])
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "datasets"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("datasets not found: pass root= or set SPYGLASS_DATASETS")


def _bucket(value: str, buckets: int = 10) -> int:
    return int(hashlib.sha1(value.encode()).hexdigest(), 16) % buckets


def _halueval(path: Path) -> list[Example]:
    out = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        bucket = _bucket(f"halueval:{row['pair_id']}")
        split = "train" if bucket < 6 else "tune" if bucket < 8 else "test"
        span = SpanInput(completion=row["answer"], prompt=row["question"], documents=[row["knowledge"]],
                         sources=["knowledge"])
        out.append(Example(key=row["id"], group=str(row["pair_id"]), dataset="halueval_qa", split=split,
                           label=int(row["label"]), span=span))
    return out


def _begin(path: Path) -> list[Example]:
    out = []
    for i, line in enumerate(path.read_text().splitlines()):
        row = json.loads(line)
        if row["split"] == "test":
            split = "test"
        else:
            split = "train" if _bucket(f"begin:{i}") < 7 else "tune"
        span = SpanInput(completion=row["answer"], prompt=row["question"], documents=[row["context"]],
                         sources=["knowledge"])
        out.append(Example(key=f"begin-{i}", group=f"begin-{i}", dataset="begin_wow", split=split,
                           label=int(row["hallucinated"]), span=span))
    return out


def load_examples(root: str | None = None) -> list[Example]:
    """All examples of both datasets, with their fixed split."""
    base = datasets_root(root)
    return _halueval(base / "halueval_qa" / "data.jsonl") + _begin(base / "begin_wow" / "data.jsonl")
