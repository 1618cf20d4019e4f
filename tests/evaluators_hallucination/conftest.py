"""One shared encoder and one offline evaluator for the whole hallucination test session."""

from __future__ import annotations

import pytest

from spyglass.evaluators.base import EvalContext


@pytest.fixture(scope="session")
def eval_context() -> EvalContext:
    """The real offline MiniLM encoder on CPU, loaded once."""
    from spyglass.evaluators.encoder import SentenceEncoder

    return EvalContext(encoder=SentenceEncoder(device="cpu"), device="cpu")


@pytest.fixture(scope="session")
def evaluator():
    """The hallucination evaluator with its shipped offline backend."""
    from spyglass.evaluators.hallucination import HallucinationEvaluator

    return HallucinationEvaluator()
