"""The toxicity evaluator: probability that a completion is toxic (higher = worse).

Two backends behind one name:
- ``embedding-head`` (the offline default): an MLP head on the shared MiniLM embeddings, a
  hashed n-gram model, a word-level span model and an attention head over the encoder's token
  states (``toxicity_tokens.py``), stacked (``toxicity_model.py``), trained by
  ``training/train_toxicity.py``; its files ship in ``models/``. Flagged texts get typed
  ``spans`` (insult / threat / identity_attack / profanity);
- ``detoxify``: Detoxify's ``original`` / ``unbiased`` / ``multilingual`` checkpoints, run
  through our own length-sorted, token-budget batching (see ``toxicity_detoxify.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from spyglass.core.settings import EvaluatorSettings
from spyglass.evaluators.base import EvalContext, Evaluator, Score
from spyglass.evaluators.toxicity_spans import SpanModel, typed_spans
from spyglass.evaluators.toxicity_text import normalize_text
from spyglass.evaluators.toxicity_tokens import token_logits

MODELS_DIR = Path(__file__).resolve().parent / "models"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class EmbeddingHeadToxicity(Evaluator):
    """Offline toxicity: MLP on MiniLM embeddings + n-gram model + word-level span model + token head, stacked."""

    name = "toxicity"
    version = "embedding-head"  # replaced by the artifact's version on load

    def __init__(self, model_dir: str | Path = MODELS_DIR, threshold: float | None = None,
                 cascade: bool = False) -> None:
        model_dir = Path(model_dir)
        with np.load(model_dir / "toxicity_head.npz") as weights:
            self.parts: dict[str, np.ndarray] = {k: weights[k] for k in weights.files}
        self.parts["ngram_coef"] = self.parts["ngram_coef"].astype(np.float32)
        self.span_model = SpanModel(self.parts["span_coef"], self.parts["span_bias"])
        self.meta: dict[str, Any] = json.loads((model_dir / "toxicity_head.json").read_text())
        self.threshold = float(self.meta["threshold"] if threshold is None else threshold)
        # cascade: texts the n-gram model finds clearly benign skip the encoder (see training);
        # only while a skipped text cannot reach the threshold (a lowered threshold turns it off).
        # Off by default: mixing n-gram-only scores with stacked ones cost 0.02 ROC AUC on
        # wikipedia_talk and stormfront, and with the PII head on, every completion is encoded anyway.
        self.gate = float(self.meta["gate_ngram_logit"])
        self.gate_coef, self.gate_bias = float(self.parts["gate_coef"]), float(self.parts["gate_bias"])
        self.cascade = cascade and float(_sigmoid(np.float64(self.gate_coef * self.gate + self.gate_bias))) < self.threshold
        self.version = f"embedding-head-{self.meta.get('version', '1')}"
        # the token head's values kept by the encoder, per model: two models loaded at once keep theirs apart
        # (None: a model file from before the token head, `-7` and earlier, as the benchmarks load them)
        self._reducer_key = ("toxicity-" + hashlib.sha1(self.parts["tok_w1"].tobytes()).hexdigest()[:12]
                             if "tok_w1" in self.parts else None)
        self._reducer = functools.partial(token_logits, self.parts)  # token states of some texts -> logits

    def probabilities(self, texts: list[str], ctx: EvalContext) -> np.ndarray:
        """P(toxic) per text; embeddings come from (and are cached in) the shared encoder.

        A text of several sentences also has each sentence scored (``toxicity_model.with_sentences``):
        one insult inside a long helpful answer is not averaged away. With the cascade on, a text
        whose n-gram logit is at or below the gate is not embedded and gets the n-gram-only
        probability (the cascade is off whenever that could reach the threshold, so a skipped text
        is never flagged).
        """
        from spyglass.evaluators.toxicity_model import sentence_pieces, with_sentences

        cleaned = [normalize_text(t) for t in texts]
        pieces, owner, count = sentence_pieces(cleaned)
        probs = self._text_probabilities(cleaned + pieces, ctx)  # one encoder batch for both
        return with_sentences(probs[:len(cleaned)], probs[len(cleaned):], owner, count)

    def _text_probabilities(self, cleaned: list[str], ctx: EvalContext) -> np.ndarray:
        """P(toxic) of each (normalized) text as a whole."""
        from spyglass.evaluators.toxicity_model import predict
        from spyglass.evaluators.toxicity_ngrams import ngram_features

        ngrams = ngram_features(cleaned, self.meta["ngrams"])
        ngram_logit = np.asarray(ngrams @ self.parts["ngram_coef"] + self.parts["ngram_bias"], dtype=np.float64)
        ngram_logit = np.clip(ngram_logit, -13.8, 13.8)
        probs = _sigmoid(self.gate_coef * ngram_logit + self.gate_bias)
        embed = ngram_logit > self.gate if self.cascade else np.ones(len(cleaned), dtype=bool)
        if embed.any():
            keep = np.flatnonzero(embed)
            kept = [cleaned[i] for i in keep]
            token_logit = self._token_logits(kept, ctx) if self._reducer_key else None  # first: it embeds them too
            vectors = ctx.encoder.embed(kept)
            probs[keep] = predict(self.parts, self.span_model, vectors, ngrams[keep], kept, token_logit)
        return probs

    def _token_logits(self, texts: list[str], ctx: EvalContext) -> np.ndarray:
        """The token head's logit per text. A training cache offers token states itself; otherwise
        the head is a reducer of the shared encoder's token passes (``encoder_tokens.reduced``):
        computed in the PII head's pass over the same completion, remembered for texts seen again."""
        from spyglass.evaluators.encoder_tokens import reduced

        own = getattr(ctx.encoder, "token_states", None)
        if own is not None:
            return self._reducer(own(texts))
        return reduced(ctx.encoder, self._reducer_key, self._reducer, texts)

    def spans_of(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """Typed toxic spans (character offsets into each text as given) per text."""
        # offsets must point into the original text, so the span model reads it unnormalized
        probs = self.span_model.probabilities(texts)
        return [typed_spans(t, p) for t, p in zip(texts, probs)]

    def evaluate(self, spans: list[dict[str, Any]], ctx: EvalContext) -> list[Score]:
        """One score per span: P(completion is toxic), flagged above the validation-tuned threshold.

        Flagged scores carry ``details["spans"]``: the toxic words' character offsets and type.
        """
        texts = [s["completion"] for s in spans]
        probs = self.probabilities(texts, ctx)
        flagged = [i for i, p in enumerate(probs) if p >= self.threshold]
        typed = dict(zip(flagged, self.spans_of([texts[i] for i in flagged]))) if flagged else {}
        return [_score(float(p), self.threshold, {"backend": self.version, **({"spans": typed[i]} if i in typed else {})})
                for i, p in enumerate(probs)]


def _score(p: float, threshold: float, details: dict[str, Any]) -> Score:
    flagged = p >= threshold
    return Score(score=p, label="toxic" if flagged else "ok", flagged=flagged,
                 details={**details, "threshold": threshold})


def build_toxicity_evaluator(settings: EvaluatorSettings) -> Evaluator:
    """The configured backend: Detoxify when chosen (or 'auto' with a checkpoint set), else the head."""
    backend, checkpoint = settings.toxicity_backend, settings.detoxify_checkpoint
    if backend == "detoxify" or (backend == "auto" and checkpoint):
        from spyglass.evaluators.encoder import pick_device
        from spyglass.evaluators.toxicity_detoxify import DetoxifyToxicity

        return DetoxifyToxicity(model_type=settings.detoxify_model, checkpoint=checkpoint,
                                device=pick_device(settings.device), token_budget=settings.token_budget)
    return EmbeddingHeadToxicity()
