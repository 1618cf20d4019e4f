"""The given-name and country lists settle the token head's person-vs-place confusions."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from spyglass.evaluators.pii_names import retype


def _retyped(text: str, value: str, entity_type: str) -> str:
    start = text.index(value)
    return retype(text, RecognizerResult(entity_type, start, start + len(value), 0.8)).entity_type


@pytest.mark.parametrize("text, name", [
    ("In the documents, the contract was signed by Viktória Lakatos on 26 August 2006 in Pécs.", "Viktória Lakatos"),
    ("The new office in Tarnaveni opens next spring, led by Eftimie Barbu.", "Eftimie Barbu"),
    ("Your meeting with Hortense Ledoux de la Noël is confirmed.", "Hortense Ledoux de la Noël"),
])
def test_a_full_name_typed_as_a_place_is_a_person(text, name):
    assert _retyped(text, name, "LOCATION") == "PERSON"


@pytest.mark.parametrize("text, place", [
    ("I'm staying in Mar del Plata for a week.", "Mar del Plata"),       # a particle after the given name
    ("Why does my account still show 39 Hazel Meadows as my address?", "Hazel Meadows"),  # a house number
    ("We drove on to Alice Springs.", "Alice Springs"),                  # a place's word
    ("Flights to Portugal resume next week.", "Portugal"),               # one word: never a full name
    ("Meet me at 518 Lee Tunnel, next to the bakery.", "Lee Tunnel"),
])
def test_places_stay_places(text, place):
    assert _retyped(text, place, "LOCATION") == "LOCATION"


def test_a_country_typed_as_a_person_is_a_place_unless_it_is_also_a_given_name():
    assert _retyped("Yes, Kiribati requires a visa for stays longer than a month.", "Kiribati", "PERSON") == "LOCATION"
    assert _retyped("The new office opens next spring, led by Georgia.", "Georgia", "PERSON") == "PERSON"
