"""Build ``evaluators/models/pii_names.json``: given, country and street names from Faker's locales.

    python -m spyglass.training.pii_gazetteer

Given names (male and female, all 38 locales of ``pii_generate``), country names in those
locales' languages and the words English street names end in, Latin script only. ``evaluators/pii_names.py`` reads them to settle the token
head's person-vs-place confusions. Caveat: the template families are filled from the same lists,
so their left-out figures cannot show how far the lists carry to other text; wnut17 (real posts)
and the check sets can.
"""

from __future__ import annotations

import json

from spyglass.evaluators.pii_names import NAMES_PATH
from spyglass.training.pii_generate import LOCALES, _faker, _latin


def gazetteer() -> dict[str, list[str]]:
    given: set[str] = set()
    countries: set[str] = set()
    street_words: set[str] = set()  # "Curve", "Meadows", "Tunnel": the last word of English street names
    for locale in LOCALES:
        for provider in _faker(locale).providers:
            for attr in ("first_names", "first_names_male", "first_names_female"):
                names = getattr(provider, attr, None)
                if names:
                    given.update(names.keys() if isinstance(names, dict) else names)
            if locale.startswith("en_"):
                for suffix in getattr(provider, "street_suffixes", ()):
                    street_words.update(suffix.split())
            places = getattr(provider, "countries", None)
            if isinstance(places, (list, tuple)) and places and isinstance(places[0], str):
                countries.update(places)
    keep = lambda words: sorted({w.strip() for w in words if w.strip() and _latin(w)})  # noqa: E731
    import faker

    return {"source": f"Faker {faker.VERSION}, locales: {' '.join(LOCALES)}",
            "given_names": keep(given), "countries": keep(countries), "street_words": keep(street_words)}


def main() -> int:
    data = gazetteer()
    NAMES_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{NAMES_PATH}: {len(data['given_names'])} given names, {len(data['countries'])} countries, "
          f"{len(data['street_words'])} street words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
