"""The PII set (presidio-research ``synth_dataset_v2.json``), its split and entity-level scoring.

Split: 50 / 50 train / test by a hash of the text's position (stable). Recognizers, thresholds
and context words are tuned on ``train`` only; figures are reported on ``test``.

Dataset entity -> Presidio entity (``None``: not scored, neither as gold nor as prediction):
GPE and STREET_ADDRESS -> LOCATION (Presidio has one location type), DOMAIN_NAME -> URL,
NRP -> NRP; ORGANIZATION, TITLE, AGE and ZIP_CODE -> not scored (not personal data by
themselves, or no Presidio type; presidio-research's own evaluation maps them to "O" too).

Matching (entity level, tolerant to fragmentation): a gold entity is found when predictions of
the same type cover at least half of its characters; a prediction is correct when at least half
of its characters fall inside gold entities of its type.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from spyglass.training.toxicity_data import DEFAULT_DATASETS

DATASET_TO_PRESIDIO: dict[str, str | None] = {
    "PERSON": "PERSON", "GPE": "LOCATION", "STREET_ADDRESS": "LOCATION", "CREDIT_CARD": "CREDIT_CARD",
    "DATE_TIME": "DATE_TIME", "PHONE_NUMBER": "PHONE_NUMBER", "NRP": "NRP", "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "DOMAIN_NAME": "URL", "IBAN_CODE": "IBAN_CODE", "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "ORGANIZATION": None, "TITLE": None, "AGE": None, "ZIP_CODE": None,
}
MIN_COVER = 0.5


@dataclass(frozen=True)
class Entity:
    """A typed character span [start, end)."""

    type: str
    start: int
    end: int


@dataclass(frozen=True)
class PIIExample:
    """One sentence with its gold entities (already mapped to Presidio types)."""

    text: str
    entities: tuple[Entity, ...]
    split: str


def load_pii_data(datasets_dir: str | Path = DEFAULT_DATASETS) -> list[PIIExample]:
    """All examples with mapped gold entities and their split."""
    docs = json.loads((Path(datasets_dir) / "pii-presidio-synth" / "synth_dataset_v2.json").read_text())
    out = []
    for i, doc in enumerate(docs):
        ents = tuple(Entity(DATASET_TO_PRESIDIO[s["entity_type"]], s["start_position"], s["end_position"])
                     for s in doc["spans"] if DATASET_TO_PRESIDIO.get(s["entity_type"]))
        bucket = int.from_bytes(hashlib.sha1(f"pii:{i}".encode()).digest()[:8], "big") / 2**64
        out.append(PIIExample(doc["full_text"], ents, "train" if bucket < 0.5 else "test"))
    return out


def _covered(target: Entity, others: Iterable[Entity]) -> float:
    chars = set()
    for o in others:
        if o.type == target.type:
            chars.update(range(max(o.start, target.start), min(o.end, target.end)))
    return len(chars) / max(target.end - target.start, 1)


@dataclass
class Counts:
    """True/false positives and false negatives of one entity type."""

    tp_gold: int = 0  # gold entities found
    fn: int = 0
    tp_pred: int = 0  # predictions that are right
    fp: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / max(self.tp_pred + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp_gold / max(self.tp_gold + self.fn, 1)

    def f_beta(self, beta: float = 2.0) -> float:
        p, r = self.precision, self.recall
        return (1 + beta**2) * p * r / max(beta**2 * p + r, 1e-12)


def score_entities(gold: list[tuple[Entity, ...]], predicted: list[list[Entity]]) -> dict[str, Counts]:
    """Per-type counts over a corpus, plus ``"ALL"``; predictions of unscored types are dropped."""
    scored = {t for t in DATASET_TO_PRESIDIO.values() if t}
    counts: dict[str, Counts] = defaultdict(Counts)
    for gold_ents, pred_ents in zip(gold, predicted):
        pred_ents = [p for p in pred_ents if p.type in scored]
        for g in gold_ents:
            hit = _covered(g, pred_ents) >= MIN_COVER
            for key in (g.type, "ALL"):
                if hit:
                    counts[key].tp_gold += 1
                else:
                    counts[key].fn += 1
        for p in pred_ents:
            right = _covered(p, gold_ents) >= MIN_COVER
            for key in (p.type, "ALL"):
                if right:
                    counts[key].tp_pred += 1
                else:
                    counts[key].fp += 1
    return dict(counts)
