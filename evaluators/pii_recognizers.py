"""Recognizers added to Presidio's defaults (tuned on the training split of pii-presidio-synth only).

An offline e-mail validator; street, corner and military addresses as LOCATION; names after a
cue ("my name is", "Dr."); 12-19 digit card numbers (Presidio's card recognizer keeps only Luhn-valid
ones) when a card word is near. Dates, NRP words, form labels and phone shapes: ``pii_cues.py``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer, PhoneRecognizer, UrlRecognizer


@lru_cache(maxsize=1)
def _offline_tld_extract() -> Any:
    import tldextract

    # no URLs: use the suffix list snapshot bundled with tldextract, never the network
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating domains with the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        return _offline_tld_extract()(pattern_text).fqdn != ""


# Cheap necessary conditions, checked before Presidio's two most expensive recognizers (together
# ~30% of analysis time on LLM answers). Skipping a text that fails one finds nothing less:
# every URL pattern needs "x.tld" (a dot between a URL character and a letter, matched with
# the same module and flags), and phonenumbers' candidate pattern needs a decimal digit.
_URL_NEEDS = regex.compile(r"[a-z0-9.\-][.][a-z]", regex.IGNORECASE | regex.DOTALL | regex.MULTILINE)
_PHONE_NEEDS = regex.compile(r"\d")


class PrefilteredUrlRecognizer(UrlRecognizer):
    """Presidio's URL recognizer, skipping texts with no dot followed by a letter."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: Any = None) -> list:  # noqa: D102
        if not _URL_NEEDS.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class PrefilteredPhoneRecognizer(PhoneRecognizer):
    """Presidio's phonenumbers-based recognizer, skipping texts without a digit."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:  # noqa: D102
        if not _PHONE_NEEDS.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts)


_STREET_WORDS = (r"(?:St|Street|Str|Ave|Avenue|Av|Road|Rd|Lane|Ln|Way|Drive|Dr|Blvd|Boulevard|Court|Ct|"
                 r"Place|Pl|Square|Sq|Terrace|Parkway|Pkwy|Circle|Highway|Hwy|Alley|Row|Crescent|Close)")
_CAP = r"\p{Lu}[\w'.-]*"  # Presidio compiles with the `regex` module: \p{Lu} is any capital
# following lines of an address block: "Suwałki", "Poland 11248", ", NI" (no colons, e-mails,
# phones; a full stop ends the address, so "Springfield. Thanks!" stops at "Springfield")
_LINES = (r"(?:[ \t]*(?:,|\n)[ \t]*(?:>+|\?+)?[ \t]*,?[ \t]*"
          r"[^\W\d_](?:[^\n\d:;@!?.]{0,29}[^\s\d:;@!?.])?(?:[ \t]+\d{4,6})?){0,3}")
_UNIT = r"(?:[ \t]*(?:,|\n)?[ \t]*(?:Apt\.?|Suite|Unit)\s*\d+)?"
# "Mandasoft in 2019", "During 2017": prose, not "Tylova 285" or "Via dei Fiorentini 17"
_NOT_PROSE = r"(?!(?:in|at|on|the|and|for|to|from|with|is|was|by|since|until|turn|aged|age)\b)"
# lower-case words inside place names ("Ostrov nad Ohrí", "Via dei Fiorentini"), not "on Saturday"
_PARTICLES = r"(?:de|del|dei|della|da|do|dos|das|van|von|der|den|nad|la|le|di|du|y|e|am|an)"
_NOT_YEAR = r"(?!(?:1[89]|20)\d\d\b)"
# "HTTP 503", "RFC 7231", "ISO 8601": an acronym and a number is a standard or a code, not a street
_NOT_ACRONYM = r"(?!\p{Lu}{2,}\s)"
ADDRESS_PATTERNS = [
    # "217 Lovers Lane", "1987 74 Diakou Street Suite 680", then up to three short lines
    Pattern("street address", rf"\b\d{{1,5}}(?:\s\d{{1,4}})?\s+(?:[\w'.-]+\s+){{0,4}}{_STREET_WORDS}\b\.?"
            + _UNIT + _LINES, 0.6),
    # "3037 ul. Północna 73", "Tylova 285" (European order: name then number)
    Pattern("street then number", rf"\b(?:\d{{1,5}}\s)?{_NOT_ACRONYM}{_CAP}(?:\s(?:{_NOT_PROSE}\p{{Ll}}{{1,5}}\.?|{_CAP})){{0,5}}\s{_NOT_YEAR}\d{{1,4}}[a-z]?\b\.?"
            + r"(?=\s*(?:,|\n|Apt|Suite|street\b|St\b|$))" + _UNIT + _LINES, 0.3),
    # a place right after a cue that introduces one: "lives on Hansinegata 120", "I'm in Den Haag"
    Pattern("place after cue", r"(?<=\b(?:[Ll]ives? (?:on|at|in)|[Ll]ived (?:on|at|in)|[Mm]oved (?:here )?(?:from|to)|"
            r"flew to|travel(?:l?ing)? to|I'm in|I am in|based in|originally from|born in)\s)"
            r"\p{Lu}[\w'.-]*(?:\s(?:" + _PARTICLES + r"\s)?\p{Lu}[\w'.-]*){0,3}(?:\s\d{1,4}\b)?", 0.9),
    Pattern("street corner", r"\bthe corner of [^\n,;:!?]{3,60}? and [^\n,;:!?]{3,40}", 0.6),
    Pattern("apartment", r"\b(?:Apt\.?|Suite|Unit)\s\d{1,5}\b" + _LINES, 0.4),
    Pattern("military", r"\b(?:PSC|Unit)\s\d{4},?\sBox\s\d{4}\s*\n?\s*[AD]PO\s[A-Z]{2}\s\d{5}\b", 0.85),
    Pattern("military ship", r"\b(?:USNS|USNV|USS|USCGC)\s[A-Z][a-z]+\s*\n?\s*FPO\s[A-Z]{2}\s\d{5}\b", 0.85),
]
ADDRESS_CONTEXT = ["address", "live", "lives", "living", "street", "apartment", "office", "located",
                   "ship", "send", "deliver", "billing", "shipping", "mail", "moved"]
# a capitalized name right after a cue that introduces a person ("my name is", "Dr.", "Name:")
_NAME = r"\p{Lu}[\p{L}'-]+(?:\s\p{Lu}\.?)?(?:\s\p{Lu}[\p{L}'-]+){0,2}"
PERSON_PATTERNS = [
    Pattern("name after cue", r"(?<=\b(?:[Mm]y name is|[Nn]amed|[Nn]ame:|calls? me|[Mm]aiden name is|Mr\.?|Mrs\.?|"
            r"Ms\.?|Dr\.?|Miss|Prof\.?|[Dd]ear|[Ff]ollow up with|[Cc]ontact|[Aa]sk|[Tt]ell)\s{1,3})" + _NAME, 0.6),
]
# No "Word:" speaker pattern: on every template source it found more labels and headings
# ("Address:", "Benchmarks:", "Bot:") than speakers; the token head finds names in transcripts.
# phone numbers in other shapes, when a phone word is near: pii_cues.PhoneShapeRecognizer
CARD_CONTEXT = ["card", "cc", "credit", "debit", "visa", "mastercard", "amex", "expiring", "payment"]


# Presidio's default flags include IGNORECASE, which would let "[A-Z]" match any word
_FLAGS = re.DOTALL | re.MULTILINE


def extra_recognizers() -> list[PatternRecognizer]:
    """Pattern recognizers beyond Presidio's predefined set (English)."""
    return [
        PatternRecognizer(supported_entity="LOCATION", name="StreetAddressRecognizer",
                          patterns=ADDRESS_PATTERNS, context=ADDRESS_CONTEXT, global_regex_flags=_FLAGS),
        PatternRecognizer(supported_entity="CREDIT_CARD", name="CardNumberContextRecognizer",
                          patterns=[Pattern("12-19 digits", r"\b\d{12,19}\b", 0.05)], context=CARD_CONTEXT),
        PatternRecognizer(supported_entity="PERSON", name="NameCueRecognizer", patterns=PERSON_PATTERNS,
                          global_regex_flags=_FLAGS),
    ]
