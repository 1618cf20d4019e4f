"""Generate labelled PII sentences from this project's templates with Faker, across many locales.

Every slot filled is recorded as a typed character span, so the sentences carry exact gold
spans. Seeded: the same seed gives the same sentences. Addresses, names, cities and phone
numbers come from the locale picked for each sentence (German street order, French
"8, avenue ...", Polish "ul. ...", Indian "76 / Chandra Ganj"), which is the gap the
Presidio-only pipeline had on foreign addresses.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any

from spyglass.training.pii_data import Entity, PIIExample
from spyglass.training.pii_templates import FAMILIES, NRP, TECH

# it_IT is left out: its city() draws from a set, so the sentences would change between runs
LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "en_IN", "en_IE", "en_NZ", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_CH", "es_ES", "es_MX", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL", "cs_CZ", "sk_SK",
           "sv_SE", "da_DK", "no_NO", "fi_FI", "tr_TR", "ro_RO", "hu_HU", "hr_HR", "sl_SI", "id_ID", "fil_PH",
           "es_CO", "es_AR", "en_PH", "lt_LT", "lv_LV", "et_EE"]
SLOT_TYPES = {"person": "PERSON", "person2": "PERSON", "address": "LOCATION", "address_block": "LOCATION",
              "street": "LOCATION", "city": "LOCATION", "city2": "LOCATION", "country": "LOCATION",
              "date": "DATE_TIME", "nrp": "NRP", "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER",
              "card": "CREDIT_CARD", "iban": "IBAN_CODE", "ssn": "US_SSN", "ip": "IP_ADDRESS", "org": "ORGANIZATION"}
DATE_FORMATS = ["%d %B %Y", "%B %d, %Y", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%B %d", "%d %b %Y"]
_SLOT = re.compile(r"\{(\w+)\}")
_LATIN = re.compile(r"^[\x00-\u024f\u1e00-\u1eff’'–-]*$")


@lru_cache(maxsize=None)
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


def _latin(value: str) -> bool:
    return bool(_LATIN.match(value))


def _call(fake: Any, us: Any, method: str) -> str:
    """``fake.method()``, or the US provider's where the locale lacks one."""
    try:
        return getattr(fake, method)()
    except AttributeError:
        return getattr(us, method)()


def _person(fake: Any, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return fake.first_name()
    if roll < 0.3:
        return fake.name()  # sometimes with a title ("Dr.") or a suffix
    return f"{fake.first_name()} {fake.last_name()}"


def _fill(slot: str, fake: Any, us: Any, rng: random.Random) -> str:
    """One value for ``slot`` (identifiers use US / generic formats Presidio's recognizers cover)."""
    if slot in ("person", "person2"):
        return _person(fake, rng)
    if slot == "address":
        return ", ".join(line.strip() for line in _call(fake, us, 'address').split("\n") if line.strip())
    if slot == "address_block":
        return "\n".join(line.strip() for line in _call(fake, us, 'address').split("\n") if line.strip())
    if slot == "street":
        return _call(fake, us, 'street_address')
    if slot in ("city", "city2"):
        return _call(fake, us, 'city')
    if slot == "country":
        return _call(fake, us, 'country')
    if slot == "date":
        return fake.date_of_birth(minimum_age=1, maximum_age=90).strftime(rng.choice(DATE_FORMATS))
    if slot == "nrp":
        return rng.choice(NRP)
    if slot == "email":
        return _call(fake, us, 'email')
    if slot == "phone":
        return _call(fake, us, 'phone_number')
    if slot == "card":
        return us.credit_card_number()
    if slot == "card_tail":
        return str(rng.randint(1000, 9999))
    if slot == "expiry":
        return us.credit_card_expire()
    if slot == "iban":
        return us.iban()
    if slot == "ssn":
        return us.ssn()
    if slot == "ip":
        return us.ipv4() if rng.random() < 0.8 else us.ipv6()
    if slot == "org":
        return _call(fake, us, 'company')
    if slot in ("tech", "tech2"):
        return rng.choice(TECH)
    if slot == "month":
        return _call(fake, us, 'month_name')
    raise KeyError(f"unknown template slot {slot!r}")


def render(template: str, locale: str, rng: random.Random) -> tuple[str, list[Entity]]:
    """``template`` with its slots filled from ``locale``; the text and the typed spans of the slots."""
    fake, us = _faker(locale), _faker("en_US")
    parts, entities, pos, cursor = [], [], 0, 0
    for m in _SLOT.finditer(template):
        literal = template[cursor:m.start()]
        parts.append(literal)
        pos += len(literal)
        value = _fill(m.group(1), fake, us, rng)
        for _ in range(5):  # the sentences are English: keep values in Latin script
            if _latin(value):
                break
            value = _fill(m.group(1), fake, us, rng)
        parts.append(value)
        kind = SLOT_TYPES.get(m.group(1))
        if kind:
            entities.append(Entity(kind, pos, pos + len(value)))
        pos += len(value)
        cursor = m.end()
    parts.append(template[cursor:])
    return "".join(parts), entities


def generate_family(family: str, n: int, seed: int = 0) -> list[PIIExample]:
    """``n`` sentences from one template family, each from a random locale; split "gen:<family>"."""
    rng = random.Random(f"{seed}:{family}")
    for locale in LOCALES:
        _faker(locale).seed_instance(rng.randrange(2**32))
    _faker("en_US").seed_instance(seed)
    out = []
    templates = FAMILIES[family]
    for i in range(n):
        text, ents = render(templates[i % len(templates)], rng.choice(LOCALES), rng)
        if family == "chat" and rng.random() < 0.15:
            text = text.lower()  # people type in lower case; spans are unchanged
        out.append(PIIExample(text, tuple(ents), f"gen:{family}"))
    return out


def generate_all(n_per_family: int = 700, seed: int = 0) -> dict[str, list[PIIExample]]:
    """Every family's sentences, keyed by family name."""
    return {family: generate_family(family, n_per_family, seed) for family in FAMILIES}
