"""Clean-up of Presidio's raw results (tuned on the training split of pii-presidio-synth only).

spaCy's sm model tags bare numbers and ages as DATE_TIME, address parts and multi-line runs as
PERSON, and finds one name of a list ("Torpy and Salinas"); a domain inside an e-mail address is
not a separate URL; overlapping results are merged or the weaker one dropped.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import RecognizerResult

from spyglass.evaluators.pii_cues import EXACT_RECOGNIZERS
from spyglass.evaluators.pii_names import retype

_DATE_SHAPE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}|^(?:1[89]|20)\d{2}s?$")
_LETTER = re.compile(r"[^\W\d_]")
_NAMED_DAY = re.compile(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
                        r"oct|nov|dec)[a-z]*\b")
# a whole span that is only a weekday's name, or (for a place or a group) a month's: never a person's
# ("April" and "June" may be) or a place's name
_WEEKDAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WEEKDAY = re.compile(rf"(?i){_WEEKDAYS}$")
_DAY_OR_MONTH = re.compile(rf"(?i)(?:{_WEEKDAYS}|january|february|march|april|june|july|august|september|october|"
                           r"november|december)$")
# one "word" holding a digit: a short code, version, ticket or model name ("a395", "v2.3.1",
# "PR-1234", "gpt-4o"), never a person or a place on its own
_CODE = re.compile(r"^\S*\d\S*$")
# "the card ends in 1977": a card's or an account's last digits, not a year
_LAST_DIGITS = re.compile(r"(?i)\bend(?:s|ing|ed)?\s+(?:in|with)\s+$")
_AGE = re.compile(r"(?i)\bold\b|\bage\b|\d(?:st|nd|rd|th) year|\bturn")
# a person or place never is a bare function word ("Deploy it to the Greifswald region": "the")
_FUNCTION_WORDS = frozenset("the a an of to in at on and or for from by with into via per".split())
# a legal form after (or at the end of) a name makes it a company: "Lemaire SARL", "Moss and Sons"
_LEGAL_FORM = regex.compile(
    r"^[ \t,]*(?:(?:and|&|e|y|és|et|og|och)\s+(?:Sons|Hijos|Filhos|Figli|Söhne|Fils|Sønner|Söner|társa|Asociados|"
    r"Partners?|Cie\.?|Co\.?)\b|"
    r"(?:AG|KG|GmbH|mbH|OHG|SE|SA|S\.A\.?|SAS|SARL|S\.L\.|S\.C\.|SpA|S\.p\.A\.?|Srl|S\.r\.l\.?|Ltd|Ltda|LLC|LLP|Inc|"
    r"Corp|PLC|plc|Pty|BV|B\.V\.?|NV|N\.V\.?|ApS|A/S|AS|ASA|AB|HB|KB|Oy|Oyj|(?:\(Persero\)\s+)?Tbk|Bt|Kft|Kht|Kkt|"
    r"Nyrt|Zrt|"
    r"s\.r\.o|a\.s|k\.s|v\.o\.s|s\.p|d\.o\.o|j\.d\.o\.o|d\.d|sp\.\s?z\s?o\.o|Group|Groep|Gruppe|Gruppen|Holding|"
    r"KGaA|GbR|Lda|Ky|VOF|CommV|SNC|Sàrl|A\.Ş|Şti|Corporation|Incorporated|Limited)"
    r"(?![\p{L}\d]))")
# Indonesian legal forms come first: "PT Najmudin", "Perum Sitorus"
_LEGAL_PREFIX = frozenset({"PT", "CV", "UD", "PD", "Perum"})
# "Berner & Tauber AG": names joined before a legal form are one company's name
_PARTNERS = regex.compile(r"^(?:\s*(?:,|&|and|und|et|e|y|og|och)\s+\p{Lu}[\p{L}'-]+)+")
# legal forms that are also US, Canadian or Australian region codes: after a place, the region
_REGION_CODES = frozenset({"AB", "AS", "SA", "NV", "SE"})
# identifiers a pattern finds: one glued to a letter or digit is part of a longer code, not an
# identifier ("HG0031245" of the change ticket "CHG0031245")
_WHOLE_TOKEN_TYPES = frozenset({"MEDICAL_LICENSE", "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "US_SSN",
                                "US_ITIN", "UK_NHS", "CREDIT_CARD", "IBAN_CODE"})
# below these scores a result is dropped (tuned on the training split)
MIN_SCORES = {"US_DRIVER_LICENSE": 0.5, "CREDIT_CARD": 0.4, "US_BANK_NUMBER": 0.5, "LOCATION": 0.3}
DEFAULT_MIN_SCORE = 0.3


def refine_results(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Drop implausible results (number-only dates, persons with digits, codes as names or places,
    URLs inside e-mails, low scores)."""
    results = [r for r in results if r.score >= MIN_SCORES.get(r.entity_type, DEFAULT_MIN_SCORE)]
    results = carve_head_results(text, results)
    emails = [(r.start, r.end) for r in results if r.entity_type == "EMAIL_ADDRESS"]
    kept = []
    for r in results:
        value = text[r.start:r.end]
        calendar_word = _WEEKDAY if r.entity_type == "PERSON" else _DAY_OR_MONTH
        if r.entity_type in ("PERSON", "LOCATION", "NRP") and calendar_word.match(value.strip()):
            r = RecognizerResult("DATE_TIME", r.start, r.end, r.score)  # "moved to Thursday": a day, not a place
        r = retype(text, r)  # a full name typed as a place, a country as a person
        if r.entity_type in ("PERSON", "LOCATION", "NRP") and (_CODE.match(value.strip()) or not _LETTER.search(value)):
            continue
        if r.entity_type == "DATE_TIME" and (not _plausible_date(value.strip())
                                             or _LAST_DIGITS.search(text[max(0, r.start - 20):r.start])):
            continue
        if r.entity_type == "PERSON":
            if any(ch.isdigit() for ch in value):
                continue
            if "\n" in value.strip():  # "Anđa Tomić\nAddress": a name does not run across lines
                first_line = value.strip().split("\n")[0]
                start = r.start + value.index(first_line)
                r = RecognizerResult("PERSON", start, start + len(first_line), r.score)
        if r.entity_type == "URL" and any(s <= r.start and r.end <= e for s, e in emails):
            continue
        if r.entity_type == "URL" and text[r.end:r.end + 1].isalnum():
            continue  # a cut-off match inside a word: "m5.la" of "m5.large"
        if r.entity_type in _WHOLE_TOKEN_TYPES and (text[r.end:r.end + 1].isalnum()
                                                    or text[max(0, r.start - 1):r.start].isalnum()):
            continue
        if r.entity_type in ("PERSON", "LOCATION", "NRP"):
            r = _strip_function_words(text, r)
            if r is None:
                continue
        if r.entity_type in ("PERSON", "LOCATION") and _is_company(text, r):
            continue
        kept.append(r)
    added = [r for r in _coordinated_names(text, kept) if not _is_company(text, r)]
    return _drop_nested(text, kept + added)


def carve_head_results(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """A guessed name, place, group or date (the token head's, or a loose address pattern's) loses the
    characters of an exact pattern result of another type it overlaps ("October 09" inside a place,
    "Alice Johansson" at the head of an address block); what is left stays only if it still reads
    as a name or place: it starts with a capital or a digit and holds a letter."""
    exact = [r for r in results if _recognizer(r) in EXACT_RECOGNIZERS]
    if not exact:
        return results
    out = []
    for r in results:
        if r.entity_type in _GUESSED_TYPES and _recognizer(r) not in EXACT_RECOGNIZERS:
            for e in exact:
                if r is None:
                    break
                # an address pattern's block keeps a country word inside it ("... Hungary 34796"):
                # only the head's guesses give way to NRP words
                if e.entity_type == "NRP" and _recognizer(r) is not None:
                    continue
                if e.entity_type != r.entity_type and e.start < r.end and r.start < e.end:
                    r = _what_is_left(text, r, e)
            if r is None:
                continue
        out.append(r)
    return out


_GUESSED_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "DATE_TIME"})


def _recognizer(r: RecognizerResult) -> str | None:
    return (r.recognition_metadata or {}).get("recognizer_name")


def _what_is_left(text: str, r: RecognizerResult, cut: RecognizerResult) -> RecognizerResult | None:
    pieces = [(r.start, cut.start), (cut.end, r.end)]
    best = None
    for start, end in pieces:
        piece = text[start:end] if start < end else ""
        stripped = piece.strip(" \t\n,;:-–—|/>()")
        if stripped and _LETTER.search(stripped) and regex.match(r"[\p{Lu}\d]", stripped):
            start += piece.index(stripped)
            if best is None or len(stripped) > best[1] - best[0]:
                best = (start, start + len(stripped))
    return None if best is None else RecognizerResult(r.entity_type, best[0], best[1], r.score)


_NAME_WORD = r"\p{Lu}[\p{Ll}'-]+(?:\s\p{Lu}[\p{Ll}'-]+)?"
_AFTER = regex.compile(rf"^(?:,\s*|\s+and\s+|\s*&\s*)({_NAME_WORD})")
_BEFORE = regex.compile(rf"({_NAME_WORD})(?:,\s*|\s+and\s+|\s*&\s*)$")


def _coordinated_names(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Names listed with a found name ("Torpy and Salinas", "Monjeau, Graves and Reed") are names too."""
    found = [r for r in results if r.entity_type == "PERSON"]
    added: list[RecognizerResult] = []
    seen = {(r.start, r.end) for r in found}
    while found:
        r = found.pop()
        candidate = None
        after = _AFTER.match(text[r.end:r.end + 60])
        before = None if after else _BEFORE.search(text[max(0, r.start - 60):r.start])
        if after:
            candidate = (r.end + after.start(1), r.end + after.end(1))
        elif before:
            offset = max(0, r.start - 60)
            candidate = (offset + before.start(1), offset + before.end(1))
        if candidate and candidate not in seen:
            seen.add(candidate)
            new = RecognizerResult("PERSON", candidate[0], candidate[1], r.score * 0.8)
            added.append(new)
            found.append(new)
    return added


def _strip_function_words(text: str, r: RecognizerResult) -> RecognizerResult | None:
    """Drop leading function words ("the Greifswald" -> "Greifswald"); None when nothing else is left."""
    start = r.start
    while True:
        word = re.match(r"\s*(\S+)\s+", text[start:r.end])
        if not word or word.group(1).lower() not in _FUNCTION_WORDS:
            break
        start += word.end()
    if text[start:r.end].strip().lower() in _FUNCTION_WORDS:
        return None
    return r if start == r.start else RecognizerResult(r.entity_type, start, r.end, r.score)


def _is_company(text: str, r: RecognizerResult) -> bool:
    """A name followed by a legal form ("Steiger AG", "Vora and Sons", "Berner & Tauber AG"), ending in one
    ("Neveu et Fils") or after an Indonesian one ("PT Najmudin").

    After a place, a form that is also a region code is the region ("Reno, NV 89501", "Calgary AB").
    """
    def legal_form(after: str) -> bool:
        form = _LEGAL_FORM.match(after)
        return bool(form) and not (r.entity_type == "LOCATION" and after[:form.end()].strip(" \t,") in _REGION_CODES)

    after = text[r.end:r.end + 80]
    partners = _PARTNERS.match(after)
    if legal_form(after) or (partners and legal_form(after[partners.end():])):
        return True
    words = text[r.start:r.end].split()
    before = text[max(0, r.start - 8):r.start].split()
    if (len(words) > 1 and words[0] in _LEGAL_PREFIX) or (before and before[-1] in _LEGAL_PREFIX):
        return True
    return len(words) > 1 and (legal_form(" " + words[-1]) or (len(words) > 2 and legal_form(" " + " ".join(words[-2:]))))


def _plausible_date(value: str) -> bool:
    """A date or time a person could be identified by: digits in date shape, or a named day / month."""
    if _AGE.search(value):
        return False  # ages ("69 years old") are not dates
    if _LETTER.search(value):
        return bool(_NAMED_DAY.search(value) or re.search(r"\d", value))
    return bool(_DATE_SHAPE.search(value))


def _drop_nested(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Merge overlapping results of one type; a result inside another type's longer one goes
    (a name inside an address block is part of the address); other overlaps keep the best score."""
    merged: list[RecognizerResult] = []
    for r in sorted(results, key=lambda r: (r.entity_type, r.start)):
        last = merged[-1] if merged else None
        # overlapping, or split by a space only ("New" + "Uldisville" is one place)
        if last is not None and last.entity_type == r.entity_type and (
                r.start < last.end or (r.start > last.end and text[last.end:r.start] == " ")):
            merged[-1] = RecognizerResult(r.entity_type, last.start, max(last.end, r.end), max(last.score, r.score))
        else:
            merged.append(RecognizerResult(r.entity_type, r.start, r.end, r.score))
    outer = [r for r in merged
             if not any(o is not r and o.start <= r.start and r.end <= o.end and (o.end - o.start) > (r.end - r.start)
                        for o in merged)]
    chosen: list[RecognizerResult] = []
    for r in sorted(outer, key=lambda r: (-r.score, -(r.end - r.start))):
        if all(r.end <= c.start or r.start >= c.end for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda r: r.start)
