"""Recognizers added to Presidio's defaults, and the clean-up applied to its raw results.

Added (tuned on the training split of pii-presidio-synth only): an offline e-mail validator,
street / military addresses as LOCATION, 12-19 digit card numbers that fail the Luhn check
(the e-mail recognizer's sibling keeps only Luhn-valid ones) when a card word is near.
Clean-up: spaCy's sm model tags bare numbers as DATE_TIME and digits as PERSON; a domain
inside an e-mail address is not a separate URL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer


@lru_cache(maxsize=1)
def _offline_tld_extract() -> Any:
    import tldextract

    # no URLs: use the suffix list snapshot bundled with tldextract, never the network
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating domains with the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
        return _offline_tld_extract()(pattern_text).fqdn != ""


_STREET_WORDS = (r"(?:St|Street|Str|Ave|Avenue|Av|Road|Rd|Lane|Ln|Way|Drive|Dr|Blvd|Boulevard|Court|Ct|"
                 r"Place|Pl|Square|Sq|Terrace|Parkway|Pkwy|Circle|Highway|Hwy|Alley|Row|Crescent|Close)")
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'.-]*"
# following lines of an address block: "Suwałki", "Poland 11248", ", NI" (no colons, e-mails, phones)
_LINES = (r"(?:[ \t]*(?:,|\n)[ \t]*(?:>+|\?+)?[ \t]*,?[ \t]*"
          r"[^\W\d_](?:[^\n\d:;@!?]{0,29}[^\s\d:;@!?])?(?:[ \t]+\d{4,6})?){0,3}")
_UNIT = r"(?:[ \t]*(?:,|\n)?[ \t]*(?:Apt\.?|Suite|Unit)\s*\d+)?"
ADDRESS_PATTERNS = [
    # "217 Lovers Lane", "1987 74 Diakou Street Suite 680", then up to three short lines
    Pattern("street address", rf"\b\d{{1,5}}(?:\s\d{{1,4}})?\s+(?:{_CAP}\s+){{0,4}}{_STREET_WORDS}\b\.?"
            + _UNIT + _LINES, 0.6),
    # "3037 ul. Północna 73", "Tylova 285" (European order: name then number)
    Pattern("street then number", rf"\b(?:\d{{1,5}}\s)?{_CAP}(?:\s(?:[a-zà-ÿ]{{1,3}}\.?|{_CAP})){{0,5}}\s\d{{1,4}}[a-z]?\b\.?"
            + r"(?=\s*(?:,|\n|Apt|Suite|$))" + _UNIT + _LINES, 0.3),
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
    Pattern("speaker", r"(?m)^\p{Lu}[\p{L}'-]+(?=:\s)(?<!Name|Phone|Date|Mobile|Desk|Email|E-mail|Website|Fax|Note)", 0.4),
]
PHONE_CONTEXT = ["phone", "mobile", "cell", "office", "fax", "desk", "call", "tel", "telephone", "answering",
                 "reach", "number", "contact"]
# international shapes Presidio's phonenumbers regions miss: "+46 (0)179 459 33", "71-33-52-22";
# weak alone, a phone word nearby lifts it over the threshold; ISO dates are excluded
PHONE_PATTERN = Pattern("phone with context", r"(?<![\w+])(?!\d{4}-\d{2}-\d{2})(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
                        r"\d{2,4}(?:[ .-]\d{2,6}){1,4}(?:x\d{1,5})?(?![\w-])", 0.1)
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
        PatternRecognizer(supported_entity="PHONE_NUMBER", name="PhoneContextRecognizer",
                          patterns=[PHONE_PATTERN], context=PHONE_CONTEXT),
    ]


_DATE_SHAPE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}|^(?:1[89]|20)\d{2}s?$")
_LETTER = re.compile(r"[^\W\d_]")
_NAMED_DAY = re.compile(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
                        r"oct|nov|dec)[a-z]*\b")
_AGE = re.compile(r"(?i)\bold\b|\bage\b|\d(?:st|nd|rd|th) year|\bturn")
# below these scores a result is dropped (tuned on the training split)
MIN_SCORES = {"US_DRIVER_LICENSE": 0.5, "CREDIT_CARD": 0.4, "US_BANK_NUMBER": 0.5, "LOCATION": 0.3}
DEFAULT_MIN_SCORE = 0.3


def refine_results(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Drop implausible results (number-only dates, persons with digits, URLs inside e-mails, low scores)."""
    emails = [(r.start, r.end) for r in results if r.entity_type == "EMAIL_ADDRESS"]
    kept = []
    for r in results:
        value = text[r.start:r.end]
        if r.score < MIN_SCORES.get(r.entity_type, DEFAULT_MIN_SCORE):
            continue
        if r.entity_type == "DATE_TIME" and not _plausible_date(value.strip()):
            continue
        if r.entity_type == "PERSON" and any(ch.isdigit() for ch in value):
            continue
        if r.entity_type == "URL" and any(s <= r.start and r.end <= e for s, e in emails):
            continue
        kept.append(r)
    return _drop_nested(kept)


def _plausible_date(value: str) -> bool:
    """A date or time a person could be identified by: digits in date shape, or a named day / month."""
    if _AGE.search(value):
        return False  # ages ("69 years old") are not dates
    if _LETTER.search(value):
        return bool(_NAMED_DAY.search(value) or re.search(r"\d", value))
    return bool(_DATE_SHAPE.search(value))


def _drop_nested(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Merge overlapping results of one type (union span, best score); across types keep the best."""
    merged: list[RecognizerResult] = []
    for r in sorted(results, key=lambda r: (r.entity_type, r.start)):
        last = merged[-1] if merged else None
        if last is not None and last.entity_type == r.entity_type and r.start < last.end:
            merged[-1] = RecognizerResult(r.entity_type, last.start, max(last.end, r.end), max(last.score, r.score))
        else:
            merged.append(RecognizerResult(r.entity_type, r.start, r.end, r.score))
    ordered = sorted(merged, key=lambda r: (-r.score, -(r.end - r.start)))
    chosen: list[RecognizerResult] = []
    for r in ordered:
        if all(r.end <= c.start or r.start >= c.end for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda r: r.start)
