"""Behaviour users notice, on the shipped offline model: paraphrases pass, contradictions are flagged.

Known misses of this model are listed in evaluators/hallucination/ACCURACY.md (heavier rewordings
of a generic sentence, one swapped name inside a list of right ones).
"""

from __future__ import annotations

import pytest

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.hallucination import HallucinationEvaluator

DOCUMENT = ("Acme Cloud refunds unused prepaid credit within 30 days of purchase. Refunds go back to the original "
            "payment method and take 5 to 7 business days to appear. Usage that was already billed is not refundable.")
REGIONS = ("Acme Cloud runs in three regions: Frankfurt, Virginia and Singapore. Data stays in the region you choose "
           "when you create a project. Moving a project between regions requires a support ticket.")
EIFFEL = ("The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889 as the entrance "
          "to the World's Fair and was designed by the company of Gustave Eiffel.")


def _span(completion: str, document: str) -> dict:
    return {"span_id": "s", "prompt": "Question from a customer.", "completion": completion,
            "context": [document], "context_sources": ["kb://help"]}


@pytest.mark.parametrize("completion, document", [
    ("Unused prepaid credit can be refunded within 30 days after you buy it.", DOCUMENT),
    ("A refund is paid back to the payment method you originally used, which takes 5 to 7 business days.",
     DOCUMENT),
    ("Usage that has already been billed cannot be refunded.", DOCUMENT),
    ("Acme Cloud is available in three regions, namely Frankfurt, Virginia and Singapore.", REGIONS),
    ("The tower in Paris was finished in 1889 for the World's Fair.", EIFFEL),
    ("The company of Gustave Eiffel designed the tower, which was completed in 1889.", EIFFEL),
])
def test_a_faithful_paraphrase_is_not_flagged(evaluator: HallucinationEvaluator, eval_context: EvalContext,
                                               completion: str, document: str) -> None:
    [score] = evaluator.evaluate([_span(completion, document)], eval_context)
    assert score.label == "grounded" and not score.flagged, score.details["claims"]


@pytest.mark.parametrize("completion, document, kind", [
    ("Acme Cloud refunds unused prepaid credit within 90 days of purchase.", DOCUMENT, "changed number"),
    ("Refunds take 25 to 30 business days to appear.", DOCUMENT, "changed number"),
    ("It was designed by the company of Thomas Edison.", EIFFEL, "swapped entity"),
    ("Acme Cloud runs in Tokyo.", REGIONS, "swapped entity"),
    ("Usage that was already billed is refundable.", DOCUMENT, "negation dropped"),
    ("Moving a project between regions does not require a support ticket.", REGIONS, "negation added"),
])
def test_a_claim_contradicting_its_context_is_flagged(evaluator: HallucinationEvaluator, eval_context: EvalContext,
                                                      completion: str, document: str, kind: str) -> None:
    grounded, contradicted = evaluator.evaluate([_span(_faithful(document), document), _span(completion, document)],
                                                eval_context)
    assert contradicted.flagged and contradicted.label == "hallucinated", (kind, contradicted.details["claims"])
    assert contradicted.score > grounded.score


def _faithful(document: str) -> str:
    return document.split(". ")[0] + "."


def test_no_context_is_not_evaluable_and_never_flagged(evaluator: HallucinationEvaluator,
                                                       eval_context: EvalContext) -> None:
    [score] = evaluator.evaluate([{"span_id": "s", "prompt": "How long do refunds take?",
                                   "completion": "Refunds take 90 days.", "context": []}], eval_context)
    assert score.label == "not_evaluable" and not score.flagged


def test_abuse_is_not_a_factual_claim(evaluator: HallucinationEvaluator, eval_context: EvalContext) -> None:
    insult, insult_and_claim = evaluator.evaluate([
        _span("What an idiotic thing to ask. You are clearly too stupid to run anything in the cloud.", DOCUMENT),
        _span("You people are pathetic and dumb. Refunds take 90 days to appear.", DOCUMENT),
    ], eval_context)
    assert insult.label == "no_factual_claims" and not insult.flagged
    assert all(c["factual"] is False for c in insult.details["claims"])
    assert insult_and_claim.flagged  # the factual part is still checked
    assert [c["claim"] for c in insult_and_claim.details["unsupported_claims"]] == ["Refunds take 90 days to appear."]
