"""Lexical evidence features: IDF-weighted token and bigram support, number and entity consistency.

None of these depends on text length by construction (all are fractions or maxima), so a
classifier fed with them cannot learn "long answers are hallucinated" from a count.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

STOPWORDS = frozenset("""a an the and or but if then else of to in on at by for with from as into onto about
over under after before between through during without within is are was were be been being am do does did
has have had having it its it's this that these those there here he she they them his her their we us our
you your i me my mine which who whom whose what when where why how not no nor so than too very can could
will would shall should may might must also just only such own same other some any each few more most all
both up down out off again further once s t yes yeah oh well really think know like got get one however
because although though sure actually maybe perhaps indeed hi hello thanks thank okay ok great wow also""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
                 "hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000"}
# a capitalized word, or a run of them: a crude proper-noun detector. Sentence-initial words count
# too (a bare answer "Delhi" is a name); common sentence openers are in STOPWORDS.
_CAPITALIZED = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def stem(tok: str) -> str:
    """A light suffix stem, so "founded"/"founding"/"founds" and "studies"/"study" meet."""
    if tok[:1].isdigit() or len(tok) <= 4:
        return tok
    if tok.endswith("ies") and len(tok) > 5:
        return tok[:-3] + "y"
    for suffix in ("ing", "ed", "ly", "s"):
        if tok.endswith(suffix) and len(tok) - len(suffix) >= 4 and not tok.endswith("ss"):
            tok = tok[:-len(suffix)]
            break
    # a final "e" goes too, so "create" and "created", "state" and "states" meet
    return tok[:-1] if tok.endswith("e") and len(tok) > 4 else tok


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (numbers keep their separators), lightly stemmed."""
    return [stem(tok) for tok in _TOKEN.findall(text.lower())]


def content_tokens(text: str) -> list[str]:
    """Tokens that are not stop words."""
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def numbers(text: str) -> set[str]:
    """Numbers in the text, separators removed, number words mapped to digits."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found


def proper_nouns(text: str) -> set[str]:
    """Lower-cased capitalized words that are not stop words (names, places, titles)."""
    found: set[str] = set()
    for match in _CAPITALIZED.finditer(text.strip()):
        for word in match.group(0).split():
            word = word.lower().strip("'’")
            if word not in STOPWORDS and len(word) > 1:
                found.add(word)
    return found


def idf_weight(token: str, idf: Mapping[str, float], default: float) -> float:
    """The token's IDF, or ``default`` (rare) when unseen."""
    return idf.get(token, default)


def weighted_recall(claim_tokens: list[str], evidence: set[str], idf: Mapping[str, float],
                    default: float) -> float:
    """IDF-weighted share of the claim's tokens found in the evidence (1.0 when nothing to check)."""
    if not claim_tokens:
        return 1.0
    total = sum(idf_weight(t, idf, default) for t in claim_tokens)
    found = sum(idf_weight(t, idf, default) for t in claim_tokens if t in evidence)
    return found / total if total else 1.0


def bigrams(toks: list[str]) -> set[tuple[str, ...]]:
    """Adjacent token pairs; a one-token text gives its single unigram so it is still checked."""
    return set(zip(toks, toks[1:])) if len(toks) > 1 else {(t,) for t in toks}


def unsupported_share(items: set[str], evidence_text: str, evidence_items: set[str]) -> float:
    """Share of ``items`` (numbers or names) appearing neither as items nor as substrings of the evidence."""
    if not items:
        return 0.0
    lowered = evidence_text.lower()
    missing = [i for i in items if i not in evidence_items and i not in lowered]
    return len(missing) / len(items)


def idf_table(documents: list[str], min_df: int = 2) -> dict[str, float]:
    """Smoothed IDF over documents, keeping tokens seen in at least ``min_df`` of them."""
    df: dict[str, int] = {}
    for doc in documents:
        for tok in set(tokens(doc)):
            df[tok] = df.get(tok, 0) + 1
    n = len(documents)
    return {t: round(math.log((n + 1) / (c + 1)) + 1.0, 3) for t, c in df.items() if c >= min_df}
