"""The toxicity training sources, each split 70 / 15 / 15 before mixing, plus HateCheck (test only).

Sources (``../shared/datasets``; none of it is LLM output):
- ``civil``: civil_toxic_spans, news comments with typed toxic spans (split by comment id);
- ``stormfront``: stormfront_hate forum sentences; the authors' ``sampled_test`` is test, the
  rest split 82 / 18 into train / validation by file id;
- ``wikipedia``: wikipedia_talk comments, mostly ordinary negatives (split by text hash);
- ``hatexplain``: official test = test, official val halved into train / validation;
- ``davidson``: tweets, heavy on casual profanity; a stable 40 % of the rows (split by row id;
  down-weighted in training);
- ``generated``: ``toxicity_generated.py``'s and ``toxicity_identity.py``'s templates (split by text hash; always trains);
- ``benign_llm``: non-toxic LLM-style answers (``toxicity_data.load_benign_text``; always trains).
``hatecheck`` is a behavioural test suite: ``load_hatecheck`` reads it for measurement only.
"""

from __future__ import annotations

import json
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path

from spyglass.training.toxicity_data import (
    DEFAULT_DATASETS, _bucket, _davidson_split, _hatexplain_split, load_benign_text)
from spyglass.training.toxicity_generated import generate
from spyglass.training.toxicity_identity import generate_identity

PUBLIC_SOURCES = ("civil", "stormfront", "wikipedia", "hatexplain", "davidson")
ALWAYS_TRAIN = ("generated", "benign_llm")
SPAN_TYPES = ("insult", "threat", "identity_attack", "profanity")
DAVIDSON_KEEP = 0.4  # a stable 40 % of the tweets (~9.9k): down-weighted anyway, and they cost encoder time
_CIVIL_TYPES = {"Insult": "insult", "Threat": "threat", "Identity based Attack": "identity_attack",
                "Profane/Obscene": "profanity", "Other Toxicity": "insult"}


@dataclass(frozen=True)
class ToxicText:
    """One labelled text: 1 = toxic, its source, split and typed toxic spans (start, end, type) if known."""

    text: str
    toxic: int
    source: str
    split: str
    spans: tuple[tuple[int, int, str], ...] = field(default=())


def _hash_split(key: str) -> str:
    b = _bucket(key)
    return "train" if b < 0.70 else "validation" if b < 0.85 else "test"


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def load_sources(datasets_dir: str | Path = DEFAULT_DATASETS) -> list[ToxicText]:
    """Every row of every training source with its split; raises FileNotFoundError if a set is missing."""
    root = Path(datasets_dir)
    rows: list[ToxicText] = []
    for doc in _jsonl(root / "civil_toxic_spans" / "data.jsonl"):
        spans = tuple((s["start"], s["end"], _CIVIL_TYPES[s["type"]]) for s in doc["toxic_spans"]) if doc["toxic"] else ()
        rows.append(ToxicText(doc["text"], int(doc["toxic"]), "civil", _hash_split(f"civil:{doc['comment_id']}"), spans))
    for doc in _jsonl(root / "stormfront_hate" / "data.jsonl"):
        split = "test" if doc["split"] == "sampled_test" else (
            "train" if _bucket(f"stormfront:{doc['file_id']}") < 0.82 else "validation")
        rows.append(ToxicText(doc["text"], int(doc["toxic"]), "stormfront", split))
    for doc in _jsonl(root / "wikipedia_talk" / "data.jsonl"):
        rows.append(ToxicText(doc["text"], int(doc["toxic"]), "wikipedia", _hash_split(f"wiki:{doc['text']}")))
    for doc in _jsonl(root / "hatexplain" / "data.jsonl"):
        rows.append(ToxicText(doc["text"], int(doc["toxic"]), "hatexplain",
                              _hatexplain_split(str(doc["id"]), doc["split"])))
    for doc in _jsonl(root / "davidson_hate_offensive" / "data.jsonl"):
        if _bucket(f"davidson-keep:{doc['id']}") >= DAVIDSON_KEEP:
            continue
        rows.append(ToxicText(doc["text"], int(doc["toxic"]), "davidson", _davidson_split(str(doc["id"]))))
    seen: set[str] = set()
    for text, toxic, spans in chain(generate(), generate_identity()):
        if text not in seen:
            seen.add(text)
            rows.append(ToxicText(text, toxic, "generated", _hash_split(f"gen:{text}"), tuple(spans)))
    rows += [ToxicText(r.text, 0, "benign_llm", r.split) for r in load_benign_text(root)]
    return rows


@dataclass(frozen=True)
class HateCheckCase:
    """One HateCheck test case: text, 1 = hateful, functionality and target group."""

    text: str
    toxic: int
    functionality: str
    target: str | None


def load_hatecheck(datasets_dir: str | Path = DEFAULT_DATASETS) -> list[HateCheckCase]:
    """All HateCheck cases (measurement only: never train or tune on them)."""
    return [HateCheckCase(d["text"], int(d["toxic"]), d["functionality"], d.get("target_ident"))
            for d in _jsonl(Path(datasets_dir) / "hatecheck" / "data.jsonl")]
