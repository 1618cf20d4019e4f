"""The evaluator plugin interface: a name, a version, which spans it applies to, one batched call.

Spans are the normalized rows of the ``spans`` table (``spyglass.sdk.wire.validate_span``'s
output): plain dicts with ``prompt``, ``completion``, ``context``, ``model`` and so on.
Scores follow one convention: higher is worse (more toxic, more PII, less grounded), in [0, 1].
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class Score:
    """One evaluator's verdict on one span."""

    score: float
    label: str
    flagged: bool
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "label": self.label, "flagged": self.flagged, "details": self.details}


def error_score(exc: BaseException) -> Score:
    """The score recorded when an evaluator raised: label "error", never flagged."""
    return Score(score=float("nan"), label="error", flagged=False,
                 details={"error": f"{type(exc).__name__}: {exc}"})


class TextEncoder(Protocol):
    """The shared sentence encoder: one embedding per distinct text, computed once, cached by hash."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized embeddings, one row per text, in input order."""
        ...


@dataclass
class EvalContext:
    """What the engine hands every evaluator: the shared encoder and the torch device."""

    encoder: TextEncoder
    device: str = "cpu"


class Evaluator(ABC):
    """Subclass, set ``name`` and ``version``, implement ``evaluate``.

    Third-party evaluators register under the entry-point group ``spyglass.evaluators``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    # started before the others: its encoder pass fills the shared cache they read (PII's token pass)
    encodes_first: ClassVar[bool] = False

    def applies_to(self, span: dict[str, Any]) -> bool:
        """Whether this evaluator scores the span at all (default: LLM spans with a completion)."""
        return bool(span.get("completion"))

    @abstractmethod
    def evaluate(self, spans: list[dict[str, Any]], ctx: EvalContext) -> list[Score]:
        """Score a batch; one ``Score`` per span, in order. May raise: the engine records an error."""
