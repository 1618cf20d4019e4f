"""The PII sources the token head learns from and is measured on, each split so tests never overlap training.

- ``presidio``: presidio-research ``synth_dataset_v2.json``, split by a hash of its
  ``template_id`` (train and test sentences never share a template).
- ``wnut17``: real user text; person -> PERSON, location -> LOCATION, corporation and group ->
  ORGANIZATION (learnt as "not PII", never scored); product and creative-work are left out.
  Its own train / dev / test splits (dev is trained on).
- ``gen:<family>``: this project's template families (``pii_templates.py``), filled with Faker
  across locales; a family left out is a set of templates never seen in training.

Gold entities keep ORGANIZATION (the head learns it as a negative); scoring drops it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from spyglass.training.pii_data import DATASET_TO_PRESIDIO, Entity
from spyglass.training.toxicity_data import DEFAULT_DATASETS

WNUT_TO_PRESIDIO = {"person": "PERSON", "location": "LOCATION", "corporation": "ORGANIZATION",
                    "group": "ORGANIZATION"}
SCORED_TYPES = frozenset(t for t in DATASET_TO_PRESIDIO.values() if t)
# wnut17 annotates named entities only: a URL or a date found in a tweet is neither right nor wrong
ANNOTATED_TYPES = {"wnut17": frozenset({"PERSON", "LOCATION"})}
TEMPLATE_SOURCES = ("presidio", "gen:chat", "gen:answer", "gen:form", "gen:travel", "gen:records", "gen:tech")


@dataclass(frozen=True)
class PIISentence:
    """A text with gold entities (ORGANIZATION included), its source and its split (train / test)."""

    text: str
    entities: tuple[Entity, ...]
    source: str
    split: str

    def scored(self) -> tuple[Entity, ...]:
        """The gold entities that count in scoring (no ORGANIZATION)."""
        return tuple(e for e in self.entities if e.type in SCORED_TYPES)

    def annotates(self, entity_type: str) -> bool:
        """Whether this source labels ``entity_type`` at all (predictions of other types are not scored)."""
        return entity_type in ANNOTATED_TYPES.get(self.source, SCORED_TYPES)


def _bucket(key: str) -> float:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") / 2**64


def load_presidio(datasets_dir: Path = DEFAULT_DATASETS) -> list[PIISentence]:
    """presidio synth v2, half of its templates for training, the other half for testing."""
    docs = json.loads((Path(datasets_dir) / "pii-presidio-synth" / "synth_dataset_v2.json").read_text())
    mapping = {**DATASET_TO_PRESIDIO, "ORGANIZATION": "ORGANIZATION"}
    out = []
    for doc in docs:
        ents = tuple(Entity(mapping[s["entity_type"]], s["start_position"], s["end_position"])
                     for s in doc["spans"] if mapping.get(s["entity_type"]))
        split = "train" if _bucket(f"template:{doc['template_id']}") < 0.5 else "test"
        out.append(PIISentence(doc["full_text"], ents, "presidio", split))
    return out


def load_wnut17(datasets_dir: Path = DEFAULT_DATASETS) -> list[PIISentence]:
    """wnut17 with mapped types; its dev split joins train."""
    out = []
    for line in (Path(datasets_dir) / "wnut17" / "data.jsonl").read_text().splitlines():
        row = json.loads(line)
        ents = tuple(Entity(WNUT_TO_PRESIDIO[s["type"]], s["start"], s["end"])
                     for s in row["spans"] if s["type"] in WNUT_TO_PRESIDIO)
        out.append(PIISentence(row["text"], ents, "wnut17", "test" if row["split"] == "test" else "train"))
    return out


def load_generated(n_per_family: int = 600, seed: int = 0) -> list[PIISentence]:
    """Every template family's sentences; a fixed fifth of each is its in-domain test part."""
    from spyglass.training.pii_generate import generate_all

    out = []
    for family, examples in generate_all(n_per_family, seed).items():
        for i, x in enumerate(examples):
            out.append(PIISentence(x.text, x.entities, f"gen:{family}", "test" if i % 5 == 4 else "train"))
    return out


def load_prose(n: int = 400, seed: int = 0) -> list[PIISentence]:
    """Entity-free training text: two or three prose sentences of ``pii_templates.PROSE`` (never scored)."""
    import random

    from spyglass.training.pii_templates import PROSE

    rng = random.Random(f"{seed}:prose")
    return [PIISentence(" ".join(rng.sample(PROSE, rng.randint(1, 3))), (), "gen:prose", "train") for _ in range(n)]


def load_sources(datasets_dir: Path = DEFAULT_DATASETS, n_per_family: int = 600) -> list[PIISentence]:
    """All sentences of all sources (``gen:prose``: training negatives only)."""
    return load_presidio(datasets_dir) + load_wnut17(datasets_dir) + load_generated(n_per_family) + load_prose()
