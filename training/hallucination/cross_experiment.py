"""Tried, not shipped: the shared MiniLM's top layers fine-tuned as a cross-encoder on (evidence, claim).

The pair is read together ("[CLS] evidence [SEP] claim [SEP]"), so attention can compare the
claim with the evidence word by word — what word overlap and sentence embeddings cannot do (a
false answer that copies the evidence with one word changed). The bottom layers stay the shipped
MiniLM's; the top ``TRAINED_LAYERS`` and a linear head over the mean of the last layer are
trained. Measured leave-one-source-out it did not generalize (``evaluators/hallucination/
ACCURACY.md``, "Tried"): with ~4-8k training pairs it learns each set's habits, not entailment.
Kept so that the figures can be reproduced (about 10-17 minutes per run on 2 cores):

    python -m spyglass.training.hallucination.cross_experiment --leave-out truthfulqa
    python -m spyglass.training.hallucination.cross_experiment --leave-out begin_wow
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from spyglass.evaluators.batching import pack_by_tokens
from spyglass.evaluators.hallucination.claims import decontextualize
from spyglass.training.hallucination.data import Example, load_examples
from spyglass.training.hallucination.metrics import balanced_accuracy

SOURCES = ("begin_wow", "halueval_qa", "truthfulqa")
TRAINED_LAYERS = 3
MAX_LENGTH = 256


class PairScorer:
    """MiniLM with fine-tuned top layers and a one-logit head."""

    def __init__(self, model: Any, tokenizer: Any, head: Any, device: str = "cpu") -> None:
        self.model, self.tokenizer, self.head = model, tokenizer, head
        self.device = device
        self.token_budget = 8_192 if device == "cpu" else 65_536

    @classmethod
    def from_base(cls, device: str = "cpu") -> "PairScorer":
        """The shipped MiniLM with a fresh head (for training)."""
        import torch
        from transformers import AutoModel, AutoTokenizer

        from spyglass.evaluators.encoder import default_model_path

        path = default_model_path()
        model = AutoModel.from_pretrained(path).to(device)
        head = torch.nn.Linear(model.config.hidden_size, 1).to(device)
        return cls(model, AutoTokenizer.from_pretrained(path), head, device)

    def _top_names(self) -> list[str]:
        first = self.model.config.num_hidden_layers - TRAINED_LAYERS
        return [n for n, _ in self.model.named_parameters()
                if n.startswith("encoder.layer.") and int(n.split(".")[2]) >= first]

    def trainable(self) -> Any:
        """Freeze all but the top layers; the model in training mode."""
        top = set(self._top_names())
        for name, param in self.model.named_parameters():
            param.requires_grad = name in top
        self.model.train()
        self.head.train()
        return self.model

    def eval(self) -> None:
        """Inference mode for the model and head."""
        self.model.eval()
        self.head.eval()

    def logits(self, premises: Sequence[str], hypotheses: Sequence[str], train: bool = False) -> Any:
        """One logit per pair (a torch tensor); gradients only when ``train``."""
        import torch

        enc = self.tokenizer(list(premises), list(hypotheses), truncation="only_first", max_length=MAX_LENGTH,
                             padding=True, return_tensors="pt").to(self.device)
        with torch.set_grad_enabled(train):
            last = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(last.dtype)
            pooled = (last * mask).sum(1) / mask.sum(1)
            return self.head(pooled).squeeze(-1).float()

    def unsupported(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        """P(unsupported) of each pair, in input order; pairs packed by length under a token budget."""
        import torch

        if not premises:
            return np.zeros(0)
        a = self.tokenizer(list(premises), add_special_tokens=False)["input_ids"]
        b = self.tokenizer(list(hypotheses), add_special_tokens=False)["input_ids"]
        lengths = [min(len(x) + len(y) + 3, MAX_LENGTH) for x, y in zip(a, b)]
        out = np.zeros(len(lengths))
        with torch.inference_mode():
            for batch in pack_by_tokens(lengths, self.token_budget):
                logits = self.logits([premises[i] for i in batch], [hypotheses[i] for i in batch])
                out[batch] = torch.sigmoid(logits).cpu().numpy()
        return out


@dataclass(frozen=True)
class Pair:
    """One (evidence, claim) pair: label 1 = the claim is not supported by the evidence."""

    premise: str
    hypothesis: str
    label: int
    dataset: str
    split: str


def pair_of(e: Example) -> Pair:
    """The pair the evaluator would score for ``e`` (whole completion, read with its question when short)."""
    premise = " ".join(e.span.documents)
    hypothesis = decontextualize(e.span.completion.strip(), e.span.prompt or "")
    return Pair(premise, hypothesis, e.label, e.dataset, e.split)


def extra_synthetic(examples: list[Example], allowed: set[str], per_context: int, seed: int) -> list[Pair]:
    """More faithful / falsified pairs from every train-split context of the allowed sources."""
    from spyglass.training.hallucination.synthetic import make_pairs

    contexts = sorted({e.span.documents[0] for e in examples
                       if e.dataset in allowed and e.split == "train" and e.dataset != "synthetic"})
    out = []
    for pair in make_pairs(contexts, seed=seed, per_context=per_context):
        out.append(Pair(pair.context, pair.faithful, 0, "synthetic", "train"))
        out.append(Pair(pair.context, pair.falsified, 1, "synthetic", "train"))
    return out


def training_pairs(examples: list[Example], leave_out: str | None, per_context: int = 3,
                   seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """(train, tune) pairs without the left-out source or synthetic rows built from it."""
    kept = [e for e in examples if leave_out not in (e.dataset, e.origin or e.dataset)]
    allowed = {e.dataset for e in kept}
    train = [pair_of(e) for e in kept if e.split == "train" and e.dataset != "synthetic"]
    train += extra_synthetic(kept, allowed, per_context, seed)
    tune = [pair_of(e) for e in kept if e.split == "tune"]
    return train, tune


def _weights(pairs: list[Pair]) -> np.ndarray:
    """Each dataset and class weigh the same in the loss."""
    keys = [(p.dataset, p.label) for p in pairs]
    counts = {k: keys.count(k) for k in set(keys)}
    w = np.array([1.0 / counts[k] for k in keys])
    return w * len(pairs) / w.sum()


def fit(train: list[Pair], epochs: int = 3, batch: int = 16, seed: int = 0, log=sys.stderr):
    """The fine-tuned cross-encoder (a ``PairScorer``) on ``train``."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    scorer = PairScorer.from_base()
    model = scorer.trainable()
    top_params = [p for p in model.parameters() if p.requires_grad]  # the head is not part of the model
    head_params = list(scorer.head.parameters())
    opt = torch.optim.AdamW([{"params": top_params, "lr": 4e-5}, {"params": head_params, "lr": 1e-3}],
                            weight_decay=0.01)
    weights = _weights(train)
    order = sorted(range(len(train)), key=lambda i: len(train[i].premise) + len(train[i].hypothesis))
    batches = [order[i:i + batch] for i in range(0, len(order), batch)]
    steps = epochs * len(batches)
    warm_then_decay = lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warm_then_decay)
    started = time.monotonic()
    for epoch in range(epochs):
        rng.shuffle(batches)
        total = 0.0
        for b in batches:
            logits = scorer.logits([train[i].premise for i in b], [train[i].hypothesis for i in b], train=True)
            y = torch.tensor([float(train[i].label) for i in b])
            w = torch.tensor(weights[b], dtype=torch.float32)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none") * w).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(train):.4f} "
              f"({time.monotonic() - started:.0f} s)", file=log, flush=True)
    scorer.eval()
    return scorer


def scores(scorer, pairs: list[Pair]) -> np.ndarray:
    """P(unsupported) of each pair."""
    return scorer.unsupported([p.premise for p in pairs], [p.hypothesis for p in pairs])


def source_threshold(tune: list[Pair], probs: np.ndarray) -> float:
    """Best mean balanced accuracy over the tune split's sources."""
    datasets = np.array([p.dataset for p in tune])
    labels = np.array([p.label for p in tune])
    candidates = np.quantile(probs, np.linspace(0.02, 0.98, 97))
    means = [np.mean([balanced_accuracy(labels[datasets == d], probs[datasets == d] >= c)
                      for d in np.unique(datasets)]) for c in candidates]
    return float(candidates[int(np.argmax(means))])


def measure(scorer, pairs: list[Pair], threshold: float) -> dict:
    """ROC AUC and balanced accuracy at ``threshold``."""
    from sklearn.metrics import roc_auc_score

    y = np.array([p.label for p in pairs])
    p = scores(scorer, pairs)
    return {"n": len(pairs), "auc": round(float(roc_auc_score(y, p)), 4),
            "bacc": round(float(balanced_accuracy(y, p >= threshold)), 4), "threshold": round(threshold, 4)}


def main(argv: list[str] | None = None) -> int:
    """Fit (optionally leaving a source out) and print figures on the test splits as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leave-out", choices=SOURCES)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--per-context", type=int, default=3)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    examples = load_examples()
    train, tune = training_pairs(examples, args.leave_out, args.per_context)
    print(f"{len(train)} train pairs, {len(tune)} tune pairs", file=sys.stderr)
    scorer = fit(train, epochs=args.epochs)
    threshold = source_threshold(tune, scores(scorer, tune))
    report = {"leave_out": args.leave_out, "threshold": threshold, "test": {}}
    for source in SOURCES + ("synthetic",):
        test = [pair_of(e) for e in examples if e.dataset == source and e.split == "test"
                and (source != "synthetic" or e.origin != args.leave_out)]
        report["test"][source] = measure(scorer, test, threshold)
        print(source, report["test"][source], file=sys.stderr, flush=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
