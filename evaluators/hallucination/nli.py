"""Cross-encoder backend: an NLI or groundedness model scores (evidence chunk, claim) pairs.

Loads any sentence-transformers ``CrossEncoder`` from a local folder or the hub: 3-label NLI
models (the "entailment" probability is the support), 2-label models (the label named
consistent/supported/entailment, else label 1) or 1-output models (sigmoid = support, as
HHEM/MiniCheck-style scorers). Candidate chunks per claim come from the shared encoder; pairs are
packed under a token budget; fp16 on CUDA. Chunks are cut so chunk + claim fit the model.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.batching import pack_by_tokens
from spyglass.evaluators.encoder import pick_device
from spyglass.evaluators.hallucination.chunking import chunk_context
from spyglass.evaluators.hallucination.claims import decontextualize, split_claims
from spyglass.evaluators.hallucination.evidence import SpanInput, Verdicts

_SUPPORT_NAMES = ("entail", "consistent", "support", "faithful", "grounded")


def support_column(id2label: dict[int, str], num_labels: int) -> int:
    """Which output column means "the premise supports the hypothesis"."""
    for index, label in sorted(id2label.items()):
        if any(name in str(label).lower() for name in _SUPPORT_NAMES):
            return int(index)
    if num_labels == 3:
        raise ValueError(f"3-label model without an entailment label: {id2label}")
    return num_labels - 1


class CrossEncoderBackend:
    """Groundedness from a cross-encoder; the threshold applies to 1 - max support over chunks."""

    name = "cross-encoder"

    def __init__(self, model_path: str, device: str = "auto", threshold: float = 0.5, top_k: int = 3,
                 token_budget: int | None = None, max_length: int | None = None) -> None:
        import torch
        from sentence_transformers import CrossEncoder

        self.device = pick_device(device)
        kwargs = {"torch_dtype": torch.float16} if self.device == "cuda" else {}
        self.model = CrossEncoder(model_path, device=self.device, max_length=max_length, model_kwargs=kwargs)
        limit = getattr(self.model, "max_seq_length", None) or getattr(self.model, "max_length", None)
        self.max_length = int(limit or min(self.model.tokenizer.model_max_length, 512))
        config = self.model.model.config
        self.num_labels = int(config.num_labels)
        self.support = support_column(dict(config.id2label or {}), self.num_labels)
        self.threshold = threshold
        self.top_k = top_k
        # CPU: modest batches are fastest; GPU: large padded batches
        self.token_budget = token_budget or (65_536 if self.device == "cuda" else 8_192)
        self.version = f"{getattr(config, 'name_or_path', model_path) or model_path}"
        self.pairs_scored = 0

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts under the cross-encoder's tokenizer, without truncation or special tokens."""
        if not texts:
            return []
        return [len(ids) for ids in self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]]

    def _support(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Support probability of each (premise, hypothesis) pair, in input order."""
        if not pairs:
            return np.zeros(0)
        lengths = [a + b + 3 for a, b in zip(self.token_lengths([p for p, _ in pairs]),
                                              self.token_lengths([h for _, h in pairs]))]
        out = np.zeros(len(pairs))
        for batch in pack_by_tokens([min(n, self.max_length) for n in lengths], self.token_budget):
            chosen = [pairs[i] for i in batch]
            if self.num_labels == 1:
                probs = np.asarray(self.model.predict(chosen, batch_size=len(chosen), show_progress_bar=False))
            else:
                probs = np.asarray(self.model.predict(chosen, batch_size=len(chosen), apply_softmax=True,
                                                      show_progress_bar=False))[:, self.support]
            out[batch] = probs.astype(np.float64).reshape(len(batch))
        self.pairs_scored += len(pairs)
        return out

    def threshold_for(self, claims: int) -> float:
        """One threshold whatever the number of claims (no per-claim calibration for a checkpoint)."""
        return self.threshold

    def score(self, inputs: Sequence[SpanInput], ctx: EvalContext) -> list[Verdicts | None]:
        """Per evaluable input, P(unsupported) = 1 - best support over its top-k chunks, per claim."""
        plans = []
        for item in inputs:
            if not item.evaluable:
                plans.append(None)
                continue
            claims = split_claims(item.completion) or [item.completion.strip()]
            hypotheses = [decontextualize(c, item.prompt) for c in claims]
            room = self.max_length - max(self.token_lengths(hypotheses)) - 4
            chunks = chunk_context(item.documents, item.sources, max(room, 32), self.token_lengths)
            plans.append((claims, hypotheses, chunks))
        texts = [t for plan in plans if plan for t in plan[1] + [c.text for c in plan[2]]]
        vectors = ctx.encoder.embed(texts) if texts else None
        pairs: list[tuple[str, str]] = []
        owners: list[tuple[int, int, int]] = []  # (input, claim, chunk)
        cursor = 0
        for n, plan in enumerate(plans):
            if plan is None:
                continue
            claims, hypotheses, chunks = plan
            claim_vecs = vectors[cursor:cursor + len(claims)]
            chunk_vecs = vectors[cursor + len(claims):cursor + len(claims) + len(chunks)]
            cursor += len(claims) + len(chunks)
            ranking = np.argsort(-(claim_vecs @ chunk_vecs.T), axis=1)[:, :self.top_k]
            for c, hypothesis in enumerate(hypotheses):
                for k in ranking[c]:
                    pairs.append((chunks[int(k)].text, hypothesis))
                    owners.append((n, c, int(k)))
        support = self._support(pairs)
        best: dict[tuple[int, int], tuple[float, int]] = {}
        for (n, c, k), s in zip(owners, support):
            if (n, c) not in best or s > best[(n, c)][0]:
                best[(n, c)] = (float(s), k)
        results: list[Verdicts | None] = []
        for n, plan in enumerate(plans):
            if plan is None:
                results.append(None)
                continue
            claims, _, chunks = plan
            picks = [best[(n, c)] for c in range(len(claims))]
            results.append(Verdicts(claims=claims, chunks=chunks, unsupported=np.array([1.0 - s for s, _ in picks]),
                                    best_chunk=[k for _, k in picks]))
        return results
