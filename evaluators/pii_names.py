"""Settle the token head's person-vs-place confusions with lists of given names and countries.

The head types about 7 % of the full names in the left-out sources as places ("signed by Viktória
Lakatos on ...") and some countries as persons ("Yes, Kiribati requires a visa"). A place is not a
leak unless it holds digits, so a name typed as a place is a leak missed. Lists: Faker's given and
country names for the 38 locales the templates use (``models/pii_names.json``, built by
``python -m spyglass.training.pii_gazetteer``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from presidio_analyzer import RecognizerResult

NAMES_PATH = Path(__file__).parent / "models" / "pii_names.json"
# name particles written in lower case ("Hortense Ledoux de la Noël")
_PARTICLES = frozenset("de da del della van von der den di du dos das la le bin ibn al y e".split())
# words that make a name-like phrase a place ("Alice Springs", "Lake Charles", "Smith Tower"), besides
# the street words of the lists ("Rita Curve", "Hazel Meadows")
_PLACE_WORDS = frozenset("""city town county north south east west new old saint st san santa sankt bad tower palace
museum station airport hotel hall church cathedral castle university college school hospital stadium arena market
""".split())
_HOUSE_NUMBER = re.compile(r"\d[\w/-]*,?\s*$")  # "39 Hazel Meadows", "518 Lee Tunnel": a street


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(given names, countries, words no person's name holds), case-folded."""
    data = json.loads(NAMES_PATH.read_text(encoding="utf-8"))
    folded = lambda words: frozenset(w.casefold() for w in words)  # noqa: E731
    countries = folded(data["countries"])
    return folded(data["given_names"]), countries, folded(data["street_words"]) | _PLACE_WORDS | countries


def _full_name(words: list[str], given: frozenset[str], places: frozenset[str]) -> bool:
    """A given name, then one to three more capitalized words (particles between them), none of them a
    place's word; a particle right after the given name makes a place ("Mar del Plata")."""
    capitalized = [w for w in words if w not in _PARTICLES]
    if not 2 <= len(capitalized) <= 4 or words[0].casefold() not in given or words[1] in _PARTICLES:
        return False
    for word in words:
        folded = word.casefold()
        if folded in places or any(ch.isdigit() for ch in word):
            return False
        if not (word[:1].isupper() or folded in _PARTICLES):
            return False
    return True


def retype(text: str, r: RecognizerResult) -> RecognizerResult:
    """``r`` as a person when it is a place that reads as a full name, as a place when it is a person
    that is a country (and no given name); otherwise ``r`` itself."""
    if r.entity_type not in ("PERSON", "LOCATION"):
        return r
    given, countries, places = _lists()
    value = text[r.start:r.end].strip()
    if r.entity_type == "LOCATION" and "," not in value and _full_name(value.split(), given, places) \
            and not _HOUSE_NUMBER.search(text[max(0, r.start - 12):r.start]):
        return RecognizerResult("PERSON", r.start, r.end, r.score)
    if r.entity_type == "PERSON" and value.casefold() in countries and value.casefold() not in given:
        return RecognizerResult("LOCATION", r.start, r.end, r.score)
    return r
