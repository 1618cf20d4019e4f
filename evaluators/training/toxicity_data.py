"""The labelled toxicity data and its fixed train / validation / test split.

Two public sets from ``../shared/datasets`` (tweets and social-media posts, not LLM output):
- davidson_hate_offensive: split 70 / 15 / 15 by a hash of the row id (stable across runs);
- hatexplain: its official ``val`` split is halved (by id hash) into train and validation,
  its official ``test`` split is test only.
The test split is never used for training or threshold tuning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class LabelledText:
    """One labelled example: text, 1 = toxic (hate or offensive), source set and split."""

    text: str
    toxic: int
    source: str
    split: str


def _bucket(key: str) -> float:
    """A stable number in [0, 1) from a key (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") / 2**64


def _davidson_split(row_id: str) -> str:
    b = _bucket(f"davidson:{row_id}")
    return "train" if b < 0.70 else "validation" if b < 0.85 else "test"


def _hatexplain_split(row_id: str, official: str) -> str:
    if official == "test":
        return "test"
    return "train" if _bucket(f"hatexplain:{row_id}") < 0.5 else "validation"


def load_toxicity_data(datasets_dir: str | Path = DEFAULT_DATASETS) -> list[LabelledText]:
    """All examples of both sets with their split; raises FileNotFoundError if a set is missing."""
    root = Path(datasets_dir)
    rows: list[LabelledText] = []
    with open(root / "davidson_hate_offensive" / "data.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            rows.append(LabelledText(doc["text"], int(doc["toxic"]), "davidson",
                                     _davidson_split(str(doc["id"]))))
    with open(root / "hatexplain" / "data.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            rows.append(LabelledText(doc["text"], int(doc["toxic"]), "hatexplain",
                                     _hatexplain_split(str(doc["id"]), doc["split"])))
    return rows
