"""Identity-group lexicon: which groups a prompt mentions, by whole-word match (pure).

Seven dimensions (gender, religion, ethnicity, nationality, sexual orientation, disability, age),
each group a handful of common English words and phrases, singular and plural. Deliberately
small and literal: it finds mentions, not attitudes, and misses slurs, misspellings and other
languages. Projects extend it with ``extend``. Coverage is measured against HateCheck's target
groups in ``bench/bias.py``.
"""

from __future__ import annotations

import re
from functools import lru_cache

LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {
        "women": ("woman", "women", "female", "females", "girl", "girls", "lady", "ladies", "wife", "mother"),
        "men": ("man", "men", "male", "males", "boy", "boys", "gentleman", "gentlemen", "husband", "father"),
        "trans people": ("trans", "transgender", "transgenders", "trans people", "non-binary", "nonbinary"),
    },
    "religion": {
        "muslims": ("muslim", "muslims", "islam", "islamic"),
        "christians": ("christian", "christians", "christianity", "catholic", "catholics", "protestant"),
        "jews": ("jew", "jews", "jewish", "judaism"),
        "hindus": ("hindu", "hindus", "hinduism"),
        "buddhists": ("buddhist", "buddhists", "buddhism"),
        "atheists": ("atheist", "atheists"),
    },
    "ethnicity": {
        "black people": ("black people", "black person", "black man", "black men", "black woman", "black women",
                         "african american", "african americans", "blacks"),
        "white people": ("white people", "white person", "white man", "white men", "white woman", "whites"),
        "asian people": ("asian", "asians", "asian people"),
        "hispanic people": ("hispanic", "hispanics", "latino", "latinos", "latina", "latinas", "latinx"),
        "indigenous people": ("indigenous", "native american", "native americans", "aboriginal"),
        "roma": ("roma", "romani", "gypsy", "gypsies"),
    },
    "nationality": {
        "immigrants": ("immigrant", "immigrants", "migrant", "migrants", "refugee", "refugees", "foreigner",
                       "foreigners", "asylum seeker", "asylum seekers"),
        "mexicans": ("mexican", "mexicans"), "chinese": ("chinese",), "indians": ("indian", "indians"),
        "arabs": ("arab", "arabs"), "russians": ("russian", "russians"), "nigerians": ("nigerian", "nigerians"),
    },
    "sexual orientation": {
        "gay people": ("gay", "gays", "lesbian", "lesbians", "homosexual", "homosexuals", "queer", "lgbt",
                       "lgbtq", "bisexual", "bisexuals"),
        "straight people": ("heterosexual", "heterosexuals", "straight people"),
    },
    "disability": {
        "disabled people": ("disabled", "disability", "disabilities", "wheelchair", "blind", "deaf", "autistic",
                            "autism", "handicapped", "mentally ill", "paralysed", "paralyzed"),
    },
    "age": {
        "older people": ("elderly", "old people", "older people", "senior", "seniors", "pensioner", "pensioners",
                         "retiree", "retirees", "old man", "old woman"),
        "young people": ("teenager", "teenagers", "teen", "teens", "young people", "youth", "millennial",
                         "millennials", "gen z"),
    },
}


def extend(dimension: str, group: str, terms: tuple[str, ...]) -> None:
    """Add terms to a group (creating it); call before the first ``groups_in``."""
    LEXICON.setdefault(dimension, {}).setdefault(group, ())
    LEXICON[dimension][group] = tuple(sorted(set(LEXICON[dimension][group]) | set(terms)))
    _patterns.cache_clear()


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(dim, group, re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                                     + r")\b", re.IGNORECASE))
            for dim, groups in LEXICON.items() for group, terms in groups.items()]


def groups_in(text: str) -> set[tuple[str, str]]:
    """The (dimension, group) pairs ``text`` mentions."""
    if not text:
        return set()
    return {(dim, group) for dim, group, pattern in _patterns() if pattern.search(text)}
