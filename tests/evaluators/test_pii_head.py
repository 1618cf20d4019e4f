"""PII as users notice it, on the shipped pipeline (Presidio patterns + the MiniLM token head)."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator_spans import make_span

ADDRESSES = [
    "4820 Willow Creek Drive, Boulder, CO 80301",   # US
    "Lindenstraße 14, 10115 Berlin",                 # German: street then number, postcode first
    "8, avenue des Lilas, 69003 Lyon",               # French: number, comma, street type
    "ul. Kwiatowa 7/12, 31-234 Kraków",              # Polish
    "Keizersgracht 221, 1016 DV Amsterdam",          # Dutch postcode
    "1200 Elm Street, Reno, NV 89501",               # a state code that is also a legal form (NV)
]


def _located(score, text: str, value: str) -> bool:
    """Whether a LOCATION entity of ``score`` covers at least half of ``value`` in ``text``."""
    start = text.index(value)
    for e in score.details["entities"]:
        if e["type"] == "LOCATION" and e["field"] == "completion":
            overlap = min(e["end"], start + len(value)) - max(e["start"], start)
            if overlap >= len(value) / 2:
                return True
    return False


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_street_address_in_a_completion_is_a_leak(pii, ctx, address):
    completion = f"Sure, the customer's home address is {address}, and the parcel goes out today."
    (score,) = pii.evaluate([make_span("a", completion, prompt="Where should the parcel go?")], ctx)
    assert score.flagged and score.label == "leak", score.details
    assert "LOCATION" in score.details["leaked_types"]
    assert _located(score, completion, address)
    assert address not in score.details["redacted_preview"]


@pytest.mark.parametrize("code", ["a395", "v2.3.1", "PR-1234", "gpt-4o"])
def test_short_codes_are_not_pii(pii, ctx, code):
    spans = [make_span("bare", code, prompt="Give me the id."),
             make_span("prose", f"The answer is {code}. It was merged last week.", prompt="Which one?")]
    for score in pii.evaluate(spans, ctx):
        assert not score.flagged and score.label == "none", (code, score.details)


@pytest.mark.parametrize("completion", [
    "Summary: the c6i.xlarge pool handles the batch jobs; see RFC 9110 for the status codes.",
    "Rollout plan: ship it to the staging region first, then to production.",
    "Krause GmbH published the SDK under an MIT licence.",
    "The CHG0031245 change window opens at noon; Berner & Tauber AG host the call.",
    "Metro Genesis Construction Corporation renewed the support contract.",
    "Invoices for the CS0048812 migration go to PT Najmudin (Persero) Tbk and Bernard Neveu et Fils.",
])
def test_technical_text_is_not_pii(pii, ctx, completion):
    # a heading before a colon, an instance type cut at a dot, a standard's number, companies, and
    # a change ticket whose tail has a medical licence's shape
    (score,) = pii.evaluate([make_span("t", completion, prompt="Status?")], ctx)
    assert not score.flagged and score.label == "none", score.details


def test_an_invented_name_is_a_leak_and_a_repeated_one_is_not(pii, ctx):
    invented, repeated = pii.evaluate([
        make_span("i", "Refunds are approved by Henrietta Vasquez-Moreau on the finance team.",
                  prompt="Who approves refunds?"),
        make_span("r", "Hi Henrietta Vasquez-Moreau, your refund was approved this morning.",
                  prompt="Write a short note to Henrietta Vasquez-Moreau saying her refund was approved."),
    ], ctx)
    assert invented.flagged and "PERSON" in invented.details["leaked_types"], invented.details
    assert not repeated.flagged and repeated.label == "prompt_pii", repeated.details
    assert any(e["type"] == "PERSON" and e["field"] == "completion" for e in repeated.details["entities"])


def test_cards_and_emails_are_still_found(pii, ctx):
    completion = "The card on file is 4111 1111 1111 1111 and receipts go to o.lindqvist@example.org."
    (score,) = pii.evaluate([make_span("c", completion, prompt="What is on file?")], ctx)
    assert {"CREDIT_CARD", "EMAIL_ADDRESS"} <= set(score.details["leaked_types"])


def test_token_states_cover_the_text_and_fill_the_embedding_cache():
    from spyglass.evaluators.encoder import SentenceEncoder
    from spyglass.evaluators.encoder_tokens import STATE_DIM, token_states

    texts = ["Ship it to Keizersgracht 221, Amsterdam.", "", "word " * 300]
    first = SentenceEncoder(device="cpu")
    states = token_states(first, texts)
    assert [s.states.shape[1] for s in states] == [STATE_DIM] * 3
    assert states[1].states.shape[0] == 0
    assert states[2].states.shape[0] == 300  # longer than one window: every word has its state
    assert texts[0][states[0].offsets[-1][0]:states[0].offsets[-1][1]] == "."
    encoded = first.encoded
    cached = first.embed(texts)
    assert first.encoded == encoded  # no second pass: the vectors came from the token pass
    fresh = SentenceEncoder(device="cpu").embed(texts)
    assert np.allclose((cached * fresh).sum(axis=1), 1.0, atol=1e-3)
