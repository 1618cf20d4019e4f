"""The labelled toxicity data and its fixed train / validation / test split.

Two public sets from ``../shared/datasets`` (tweets and social-media posts, not LLM output):
- davidson_hate_offensive: split 70 / 15 / 15 by a hash of the row id (stable across runs);
- hatexplain: its official ``val`` split is halved (by id hash) into train and validation,
  its official ``test`` split is test only.
The test split is never used for training or threshold tuning.

Neither set looks like LLM output, and a head trained on tweets alone scores plain technical
answers as toxic. So benign LLM-style text is added as negatives (``load_benign_text``): model
responses and Wikipedia knowledge from begin_wow, ChatGPT answers and knowledge from
halueval_qa, answers from truthfulqa — none of it toxic, split 70 / 15 / 15 by text hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
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


BENIGN_CAPS = {"begin_wow": 4000, "halueval_qa": 2000, "truthfulqa": 2000}


def load_benign_text(datasets_dir: str | Path = DEFAULT_DATASETS) -> list[LabelledText]:
    """Non-toxic LLM-style texts (label 0, source ``benign_llm``) from the hallucination sets, deduplicated."""
    root = Path(datasets_dir)
    picked: dict[str, list[str]] = {name: [] for name in BENIGN_CAPS}
    with open(root / "begin_wow" / "data.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            picked["begin_wow"] += [doc["answer"], doc["context"]]
    with open(root / "halueval_qa" / "data.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            picked["halueval_qa"] += [doc["answer"], doc["knowledge"]]
    with open(root / "truthfulqa" / "answers.jsonl", encoding="utf-8") as f:
        for line in f:
            picked["truthfulqa"].append(json.loads(line)["answer"])
    seen: set[str] = set()
    rows: list[LabelledText] = []
    for name, texts in picked.items():
        kept = 0
        # a stable pseudo-random order, so the cap takes a spread of each set
        for text in sorted(texts, key=lambda t: _bucket(f"order:{t}")):
            if kept >= BENIGN_CAPS[name] or len(text.split()) < 4 or text in seen:
                continue
            seen.add(text)
            kept += 1
            b = _bucket(f"benign:{text}")
            rows.append(LabelledText(text, 0, "benign_llm", "train" if b < 0.70 else "validation" if b < 0.85 else "test"))
    return rows
