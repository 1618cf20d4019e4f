"""Hallucination (groundedness) evaluator: claims of the completion checked against the span's context.

Public names: ``HallucinationEvaluator`` and its two backends, ``FeatureBackend`` (the offline
default: shared encoder + lexical features + a shipped logistic regression) and
``CrossEncoderBackend`` (an NLI / groundedness cross-encoder from a local path or the hub).
"""

from spyglass.evaluators.hallucination.evaluator import GroundednessBackend, HallucinationEvaluator
from spyglass.evaluators.hallucination.nli import CrossEncoderBackend
from spyglass.evaluators.hallucination.offline import FeatureBackend

__all__ = ["CrossEncoderBackend", "FeatureBackend", "GroundednessBackend", "HallucinationEvaluator"]
