"""The labelled groundedness data in ``shared/datasets/`` and its fixed train / tune / test splits.

- halueval_qa: split by ``pair_id`` (both answers of a question stay together): 60% train,
  20% tune (threshold), 20% test.
- begin_wow: the dataset's own split; its dev part is cut 70/30 into train and tune, its test
  part is only ever used to report.
- truthfulqa: made grounded: the evidence is the question's other true reference answers, the
  claim one true answer (supported) or one false answer (label 1); split by question 60/20/20.
- synthetic: our own faithful / falsified restatements of sentences of the halueval and begin
  contexts (``synthetic.py``), split with the example they come from; ``origin`` names it, so a
  leave-one-source-out run drops the synthetic rows built from the left-out source too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from spyglass.core.settings import TrainingSettings
from spyglass.evaluators.hallucination.evidence import SpanInput

DATASETS = ("halueval_qa", "begin_wow", "truthfulqa", "synthetic")
MAX_PER_QUESTION = 2  # truthfulqa: at most this many true and this many false answers per question


@dataclass(frozen=True)
class Example:
    """One labelled completion: label 1 = hallucinated (not supported by its context)."""

    key: str
    group: str
    dataset: str
    split: str  # train | tune | test
    label: int
    span: SpanInput
    origin: str = ""  # the dataset whose context this example reuses (synthetic rows)


def datasets_root(root: str | None = None) -> Path:
    """The shared datasets folder: argument, then SPYGLASS_DATASETS, then ../shared/datasets."""
    if root:
        return Path(root)
    configured = TrainingSettings().datasets
    if configured:
        return Path(configured)
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


def _split(key: str) -> str:
    bucket = _bucket(key)
    return "train" if bucket < 6 else "tune" if bucket < 8 else "test"


def _truthfulqa(path: Path) -> list[Example]:
    out = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        true = [a for a in row["correct_answers"] if "no comment" not in a.lower() and a.strip()]
        false = [a for a in row["incorrect_answers"] if a.strip()]
        if len(true) < 2 or not false:
            continue
        qid, split = str(row["qid"]), _split(f"truthfulqa:{row['qid']}")
        for i, answer in enumerate(true[:MAX_PER_QUESTION]):
            evidence = [a for j, a in enumerate(true) if j != i]
            out.append(Example(key=f"tqa-{qid}-c{i}", group=qid, dataset="truthfulqa", split=split, label=0,
                               span=SpanInput(completion=answer, prompt=row["question"],
                                              documents=[". ".join(evidence) + "."], sources=["reference"])))
        for i, answer in enumerate(false[:MAX_PER_QUESTION]):
            evidence = [a for j, a in enumerate(true) if j != i % len(true)]  # same size as a true row's
            out.append(Example(key=f"tqa-{qid}-i{i}", group=qid, dataset="truthfulqa", split=split, label=1,
                               span=SpanInput(completion=answer, prompt=row["question"],
                                              documents=[". ".join(evidence) + "."], sources=["reference"])))
    return out


def _synthetic(sources: list[Example], seed: int = 0) -> list[Example]:
    """Faithful / falsified pairs from one context per source group (its split kept)."""
    from spyglass.training.hallucination.synthetic import make_pairs

    by_group: dict[tuple[str, str], Example] = {}
    for e in sources:
        by_group.setdefault((e.dataset, e.group), e)
    picked = [e for key, e in sorted(by_group.items()) if _bucket(f"synthetic:{key}", 100) < 25]
    out = []
    for e in picked:
        for j, pair in enumerate(make_pairs([e.span.documents[0]], seed=_bucket(f"seed:{e.key}", 10**6))):
            for label, text in ((0, pair.faithful), (1, pair.falsified)):
                key = f"syn-{e.key}-{j}-{label}"
                out.append(Example(key=key, group=f"syn-{e.key}", dataset="synthetic", split=e.split, label=label,
                                   span=SpanInput(completion=text, documents=[pair.context], sources=["knowledge"]),
                                   origin=e.dataset))
    return out


def load_examples(root: str | None = None) -> list[Example]:
    """All examples of every dataset, with their fixed split."""
    base = datasets_root(root)
    grounded = _halueval(base / "halueval_qa" / "data.jsonl") + _begin(base / "begin_wow" / "data.jsonl")
    return grounded + _truthfulqa(base / "truthfulqa" / "questions.jsonl") + _synthetic(grounded)
