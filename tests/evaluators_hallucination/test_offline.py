"""The offline evaluator end to end through its public interface, with the real encoder."""

import math

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.hallucination import HallucinationEvaluator

CONTEXT = ("The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889 "
           "as the entrance to the World's Fair and was designed by the company of Gustave Eiffel.")


def _span(completion: str, context: list[str] | None = None, prompt: str = "Tell me about the Eiffel Tower.") -> dict:
    return {"span_id": "s", "prompt": prompt, "completion": completion, "context": context or [],
            "context_sources": ["wiki/eiffel"] * len(context or [])}


def test_no_context_is_not_evaluable(evaluator: HallucinationEvaluator, eval_context: EvalContext) -> None:
    span = _span("The Eiffel Tower is in Rome.")
    assert evaluator.applies_to(span)
    [score] = evaluator.evaluate([span], eval_context)
    assert score.label == "not_evaluable" and not score.flagged and math.isnan(score.score)
    assert score.details["reason"] == "no context documents on the span"


def test_a_long_prompt_carries_the_context(evaluator: HallucinationEvaluator, eval_context: EvalContext) -> None:
    prompt = f"Answer from this document only. Document: {CONTEXT} Question: when was it completed?"
    [score] = evaluator.evaluate([_span("It was completed in 1889.", prompt=prompt)], eval_context)
    assert score.label == "grounded"
    assert score.details["documents"] == 1


def test_unsupported_claim_is_flagged_with_its_evidence(evaluator: HallucinationEvaluator,
                                                        eval_context: EvalContext) -> None:
    supported, unsupported = evaluator.evaluate([
        _span("The Eiffel Tower is in Paris and was completed in 1889.", [CONTEXT]),
        _span("The Eiffel Tower is in Paris. It was built in 1925 by Napoleon Bonaparte.", [CONTEXT]),
    ], eval_context)
    assert supported.label == "grounded" and not supported.flagged
    assert supported.details["unsupported_claims"] == []
    assert unsupported.label == "hallucinated" and unsupported.flagged
    assert unsupported.score > supported.score
    [claim_row] = unsupported.details["unsupported_claims"]
    assert claim_row["claim"] == "It was built in 1925 by Napoleon Bonaparte."
    assert "1889" in claim_row["evidence"] and claim_row["source"] == "wiki/eiffel"
    assert [c["unsupported"] for c in unsupported.details["claims"]] == [False, True]


def test_evidence_past_the_model_limit_is_found(evaluator: HallucinationEvaluator,
                                                eval_context: EvalContext) -> None:
    topics = ["budget", "transport", "housing", "schools", "parks", "water", "waste", "libraries"]
    filler = " ".join(f"Section {i} of the report reviews the {topics[i % 8]} policy of the regional council."
                      for i in range(300))
    fact = "The Zorblat Observatory was founded in 1923 by the astronomer Mira Quell."
    context = [f"{filler} {fact}"]
    grounded, wrong = evaluator.evaluate([
        _span("The Zorblat Observatory was founded in 1923 by Mira Quell.", context),
        _span("The Zorblat Observatory was founded in 1961 by Mira Quell.", context),
    ], eval_context)
    assert grounded.details["chunks_checked"] > 20  # ~4,000 tokens: far past MiniLM's 256
    assert grounded.label == "grounded"
    assert wrong.flagged
    [claim_row] = wrong.details["unsupported_claims"]
    assert "Zorblat" in claim_row["evidence"] and "1923" in claim_row["evidence"]
