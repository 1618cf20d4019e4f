"""Recognizers for what the token head reads least reliably: written-out dates, nationalities,
religions and political groups (NRP), names after a form label, phone numbers in more shapes.

Written from general knowledge of how these are written, not from any evaluation set. The head
learnt dates and NRP words from our own templates only, and on template families it never saw
it tagged "July 16" or "Vietnamese" as places. These patterns are exact where the head guesses;
``pii_refine`` lets them cut what a head result wrongly took of them.
"""

from __future__ import annotations

import re
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
# a bare year is a date only after a word that introduces one, and not before a unit ("in 2048 bytes")
_YEAR_CUE = (r"(?:[Ii]n|[Dd]uring|[Ss]ince|[Uu]ntil|[Tt]ill|[Bb]efore|[Aa]fter|[Ff]rom|[Oo]f|[Bb]orn|[Ff]ounded|"
             r"[Ee]stablished|[Yy]ear|a|[Tt]he)")
_UNIT = (r"(?!\s*(?:ms|s|sec|secs|seconds|minutes|bytes|[kKmMgG]i?[bB]|rows|records|lines|users|items|requests|"
         r"tokens|px|pixels|points|dollars|euros|times|x|%|\+|[-*/=]\s*\d))")
DATE_PATTERNS = [
    # "July 16", "October 09, 1960", "Dec. 3rd 2004", "September 2024"
    Pattern("month day year", rf"\b{_MONTH}\.?\s+(?:{_DAY}\b(?:,?\s+{_YEAR}\b)?|{_YEAR}\b)(?![:.]?\d)", 0.85),
    # "15 Oct 1991", "20 September 2024", "3rd of March"
    Pattern("day month year", rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b\.?(?:,?\s+{_YEAR}\b)?", 0.85),
    # not a card's last four digits: "the card ends in 1977"
    Pattern("year after cue", rf"(?<=\b{_YEAR_CUE}\s)(?<!\bend(?:s|ing|ed)?\sin\s){_YEAR}s?\b(?![.,:]?\d){_UNIT}", 0.5),
]

# NRP: nationalities and peoples, religions, political groups. Matched in any case with a
# plural ("saudis", "Englishmen"), except the words below, which are ordinary words in lower case.
_PEOPLES = """
Afghan Albanian Algerian American Andorran Angolan Argentine Argentinian Armenian Australian Austrian
Azerbaijani Bahamian Bahraini Bangladeshi Barbadian Belarusian Belgian Belizean Beninese Bhutanese
Bolivian Bosnian Botswanan Brazilian British Bruneian Bulgarian Burkinabe Burmese Burundian Cambodian
Cameroonian Canadian Chadian Chilean Chinese Colombian Congolese Croatian Cuban Cypriot Czech Danish
Djiboutian Dominican Dutch Ecuadorian Ecuadorean Egyptian Emirati English Englishman Englishwoman
Eritrean Estonian Ethiopian Fijian Filipino Filipina Finnish French Frenchman Frenchwoman Gabonese
Gambian Georgian German Ghanaian Greek Grenadian Guatemalan Guinean Guyanese Haitian Honduran
Hungarian Icelandic Icelander Indian Indonesian Iranian Iraqi Irish Irishman Israeli Italian Ivorian
Jamaican Japanese Jordanian Kazakh Kazakhstani Kenyan Korean Kosovar Kuwaiti Kyrgyz Laotian Latvian
Lebanese Liberian Libyan Liechtensteiner Lithuanian Luxembourger Macedonian Malagasy Malawian
Malaysian Maldivian Malian Maltese Mauritanian Mauritian Mexican Moldovan Monegasque Mongolian
Montenegrin Moroccan Mozambican Namibian Nepali Nepalese Nicaraguan Nigerian Nigerien Norwegian Omani
Pakistani Palestinian Panamanian Paraguayan Peruvian Polish Portuguese Qatari Romanian Russian Rwandan
Salvadoran Samoan Saudi Scottish Scots Senegalese Serbian Seychellois Singaporean Slovak Slovakian
Slovenian Somali Somalian Spanish Spaniard Sudanese Surinamese Swazi Swedish Swede Swiss Syrian
Taiwanese Tajik Tanzanian Thai Togolese Tongan Trinidadian Tunisian Turkish Turk Turkmen Ugandan
Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian Zimbabwean Greenlander Faroese
Basque Catalan Flemish Walloon Cornish Breton Corsican Sicilian Bavarian Kurdish Kurd Chechen Uyghur
Tibetan Tamil Sinhalese Punjabi Bengali Gujarati Pashtun Hazara Tatar Roma Romani Inuit Maori
Aboriginal Hispanic Latino Latina Latinx Arab Arabian Berber Bedouin Persian Hausa Yoruba Igbo Zulu
Xhosa Amhara Oromo Maasai Cherokee Navajo Sioux Apache Hawaiian Texan Californian Quebecer
Quebecois European African Asian Caucasian Scandinavian Nordic Balkan Slavic Anglo Celtic
Muslim Moslem Islamic Christian Catholic Protestant Jewish Jew Hindu Buddhist Sikh Jain Mormon Amish
Evangelical Lutheran Baptist Methodist Anglican Presbyterian Pentecostal Adventist Quaker Orthodox
Shia Shiite Shii Sunni Sufi Taoist Zoroastrian Rastafarian Atheist Agnostic
Democrat Republican Tory Tories Labourite Libertarian Socialist Communist Marxist Leninist Maoist
Fascist Nazi Anarchist Zionist Conservative Liberal Progressive
"""
# ordinary words in lower case ("polish the UI", "a liberal amount", "a turkey"): these only capitalized
_CASED = {"Polish", "Conservative", "Liberal", "Progressive", "Democrat", "Republican", "Orthodox",
          "Evangelical", "Baptist", "Scots", "Roma", "Turk", "Swede", "Atheist", "Agnostic",
          "Nordic", "Celtic", "Anglo", "Balkan", "Persian", "Arabian", "Socialist", "Communist", "Anarchist"}


def _alternatives(words: list[str]) -> str:
    # longest first, so "Englishman" wins over "English"; a plural may follow ("Saudis", "Englishmen")
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _plural(words: list[str]) -> str:
    return rf"(?:{_alternatives(words)})(?:e?s|men|women)?"


_FLAGS = re.DOTALL | re.MULTILINE  # no IGNORECASE: "[A-Z]" means capitals here
_ALL = _PEOPLES.split()
_ANY_CASE = [w for w in _ALL if w not in _CASED]
NRP_PATTERN = Pattern("nationality, religion or political group",
                      rf"(?<![\w-])(?:(?i:{_plural(_ANY_CASE)})|{_plural(sorted(_CASED))})(?![\w-])", 0.85)

# Form labels that put a person's name next ("Card holder: Aleksei Saveljev", "SHIP TO Alice
# Johansson", "Full name - Ilona Kovács"): the name is capitalized words on the same line, up to
# the next label ("Contact: Elizabeth Taylor Site: ..." stops before "Site").
_LABELS = (r"(?:full\s+name|first\s+name|last\s+name|surname|name|customer(?:\s+name)?|client|contact(?:\s+person)?|"
           r"recipient|addressee|ship\s+to|bill\s+to|sold\s+to|attn|attention|account\s+holder|"
           r"card\s*holder|policy\s*holder|holder|patient(?:\s+name)?|passenger|guest|tenant|applicant|employee|"
           r"beneficiary|insured|member|driver|signed|signature|sender|owner|assignee|assigned\s+to|"
           r"requested\s+by|reported\s+by|approved\s+by|prepared\s+by|witness|emergency\s+contact|"
           r"next\s+of\s+kin|spouse|guardian|parent|author)")
_NAME_WORD = r"\p{Lu}[\p{L}'’-]*\p{Ll}[\p{L}'’-]*"
_PARTICLE = r"(?:de|da|del|van|von|der|den|di|du|dos|das|la|le|bin|ibn|al)"
_NAME = rf"{_NAME_WORD}(?:[ ]\p{{Lu}}\.)?(?:[ ](?:{_PARTICLE}[ ])?{_NAME_WORD}(?!:)){{0,3}}"
FORM_NAME_PATTERN = Pattern("name after a form label",
                            rf"(?<=(?i:\b{_LABELS})[ \t]*[:\-–—]?[ \t]*){_NAME}(?![\p{{L}}:])", 0.7)


class NrpWordRecognizer(PatternRecognizer):
    """NRP words, except inside a longer proper name: "Czech Republic", "French Guiana", "United Arab
    Emirates", "Jain Nagar", "Dear Hunter French" (a capitalized neighbour that is not an NRP word
    itself: "Greek Cypriot" stays; "The French" at a sentence's start stays)."""

    def __init__(self) -> None:
        super().__init__(supported_entity="NRP", name="NrpWordRecognizer", patterns=[NRP_PATTERN],
                         global_regex_flags=_FLAGS)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: Any = None) -> list:  # noqa: D102
        if _NRP_FORMS.isdisjoint(_ASCII_WORDS.findall(text.lower())):
            return []  # most texts: a set lookup per word instead of the long alternation (~15x faster)
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in found if not _in_proper_name(text, r.start, r.end)]


_NRP_FORMS = frozenset(w.lower() + end for w in _ALL for end in ("", "s", "es", "men", "women"))
_ASCII_WORDS = re.compile(r"[a-z]+")
_NRP_WORD = regex.compile(rf"(?i:{_plural(_ALL)})")
_NEXT_WORD = regex.compile(r"[ ]([\p{L}][\p{L}'’-]*)")
_PREVIOUS_WORD = regex.compile(r"(?:^|(.)\s*?)\b([\p{L}][\p{L}'’-]*)[ ]$", regex.DOTALL)


def _in_proper_name(text: str, start: int, end: int) -> bool:
    after = _NEXT_WORD.match(text, end)
    if after and after.group(1)[0].isupper() and not _NRP_WORD.fullmatch(after.group(1)):
        return True
    before = _PREVIOUS_WORD.search(text[max(0, start - 40):start])
    if before and before.group(2)[0].isupper() and not _NRP_WORD.fullmatch(before.group(2)):
        return before.group(1) is not None and before.group(1) not in ".!?\n\"'(“‘"  # not a sentence's first word
    return False


class PhoneShapeRecognizer(PatternRecognizer):
    """Phone numbers when a phone word is near, in shapes Presidio's regions miss: "+(370) 74060915",
    "06-80/039 3552", "00241706966". 7 to 15 digits (E.164's longest); not a date or an IP address,
    not a postal code (followed by its town: "50-939 Starachowice"), not an identifier that a word
    before it names ("license number 6940579")."""

    PATTERN = Pattern("phone shape", r"(?<![\w+])(?!\d{4}-\d{2}-\d{2}\b)(?:\+?\(?\+?\d{1,4}\)?[ .-]?)?"
                      r"(?:\(\d{1,5}\)[ .-]?)?\d{1,12}(?:[ ./-]\d{1,8}){0,5}"
                      r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w-])", 0.1)
    CONTEXT = ["phone", "mobile", "cell", "office", "fax", "desk", "call", "tel", "telephone", "answering", "reach",
               "number", "contact", "whatsapp", "sms"]

    def __init__(self) -> None:
        super().__init__(supported_entity="PHONE_NUMBER", name="PhoneShapeRecognizer", patterns=[self.PATTERN],
                         context=self.CONTEXT)

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        digits = sum(ch.isdigit() for ch in pattern_text)
        if not 7 <= digits <= 15 or _DATE_OR_IP.fullmatch(pattern_text):
            return False
        return None  # no opinion: the context words decide

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: Any = None) -> list:  # noqa: D102
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in found if not _TOWN_AFTER.match(text, r.end)
                and not _OTHER_ID_BEFORE.search(text[max(0, r.start - 40):r.start])]


_DATE_OR_IP = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}|\d{1,3}(?:\.\d{1,3}){3}")
_TOWN_AFTER = regex.compile(r"[ ]\p{Lu}\p{Ll}")
_OTHER_ID_BEFORE = regex.compile(r"(?i)\b(?:licen[cs]e|passport|account|acct|card|order|invoice|ticket|ssn|social "
                                 r"security|tax|vat|iban|policy|member(?:ship)?|employee|customer|tracking|serial|"
                                 r"routing|id)\b[^.\n]{0,20}$")


def cue_recognizers() -> list[PatternRecognizer]:
    """The recognizers of this module, for ``pii_analyzer.build_analyzer``."""
    return [
        PatternRecognizer(supported_entity="DATE_TIME", name="WrittenDateRecognizer", patterns=DATE_PATTERNS,
                          global_regex_flags=_FLAGS),
        NrpWordRecognizer(),
        PatternRecognizer(supported_entity="PERSON", name="FormNameRecognizer", patterns=[FORM_NAME_PATTERN],
                          global_regex_flags=_FLAGS),
        PhoneShapeRecognizer(),
    ]


# recognizers whose results cut a token-head result of another type they overlap (pii_refine)
# (phone numbers do not: one found only through a nearby word may be a postal code or an identifier)
EXACT_RECOGNIZERS = frozenset({"WrittenDateRecognizer", "NrpWordRecognizer", "FormNameRecognizer", "DateRecognizer",
                               "CreditCardRecognizer", "IbanRecognizer", "UsSsnRecognizer", "IpRecognizer",
                               "NameCueRecognizer"})
