"""Dates, NRP words, names after form labels and phone shapes, through the shipped PII pipeline
(patterns, token head, clean-up): what a reviewer reading the entities would notice."""

from __future__ import annotations

import pytest


def found(pii, text: str) -> set[tuple[str, str]]:
    (results,) = pii.analyze_texts([text])
    return {(r.entity_type, text[r.start:r.end]) for r in results}


@pytest.mark.parametrize("text, date", [
    ("According to the record, Aistis Gailys was born on July 16 and holds Greek citizenship.", "July 16"),
    ("Your meeting is confirmed for October 09, 1960 at our Bjelovar office.", "October 09, 1960"),
    ("SSN: 210-71-7816 DOB: 19 Mar 2004 Name: Nojus Sakalauskas", "19 Mar 2004"),
    ("Called Raden Hakim re: late payment, promised to pay by February 20.", "February 20"),
])
def test_a_written_date_is_a_date_and_not_part_of_a_place(pii, text, date):
    entities = found(pii, text)
    assert ("DATE_TIME", date) in entities
    assert not any(kind == "LOCATION" and date.split()[0] in value for kind, value in entities)


def test_years_only_after_a_word_that_introduces_a_date(pii):
    assert ("DATE_TIME", "1971") in found(pii, "The Garmin Orchestra was founded in 1971.")
    for text in ("We processed 2048 rows in 2019 ms.", "The card on file ends in 1977.",
                 "Set the limit to 2000 tokens."):
        assert not any(kind == "DATE_TIME" for kind, _ in found(pii, text)), text


def test_nationalities_religions_and_parties_are_nrp_in_any_case_and_number(pii):
    entities = found(pii, "The Vietnamese delegation met saudis, shiis and Ecuadoreans; a Catholic priest and "
                          "two Republicans joined.")
    for word in ("Vietnamese", "saudis", "shiis", "Ecuadoreans", "Catholic", "Republicans"):
        assert ("NRP", word) in entities, word


def test_an_nrp_word_inside_a_place_or_a_name_is_not_nrp(pii):
    for text in ("Last summer I spent two weeks in Czech Republic.", "We crossed into French Guiana by boat.",
                 "Dear Hunter French, thank you for your order.", "Please polish the UI before the release."):
        assert not any(kind == "NRP" for kind, _ in found(pii, text)), text


@pytest.mark.parametrize("text, name", [
    ("Card holder: Aleksei Saveljev, card 180086742385249, expiry 06/35", "Aleksei Saveljev"),
    ("SHIP TO Alice Johansson\nBäckstigen 8\n85630 Örebro", "Alice Johansson"),
    ("Company: Mahoney Holdings Inc. Contact: Elizabeth Taylor Site: 2305 Polaris Street", "Elizabeth Taylor"),
    ("Full name - Ilona Kovács; Date of birth - December 13; Place of birth - Miskolc", "Ilona Kovács"),
])
def test_a_name_after_a_form_label_is_a_person_and_stops_at_the_line_or_next_label(pii, text, name):
    entities = found(pii, text)
    assert ("PERSON", name) in entities
    assert not any(kind == "LOCATION" and name in value for kind, value in entities)


def test_phone_shapes_near_a_phone_word_and_not_postal_codes_or_other_numbers(pii):
    assert ("PHONE_NUMBER", "+(370) 74060915") in found(
        pii, "my email is dominykas02@example.org and my number is +(370) 74060915, call me after 5")
    assert ("PHONE_NUMBER", "06-80/039 3552") in found(pii, "Call me on 06-80/039 3552 tomorrow.")
    for text in ("Our office is at aleja Grzybowa 57, 50-939 Starachowice, call ahead.",
                 "My driver's license number is 6940579"):
        assert not any(kind == "PHONE_NUMBER" for kind, _ in found(pii, text)), text
