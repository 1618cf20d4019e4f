"""Our own grounded examples: sentences of the shared sets' contexts, restated faithfully or falsified.

Each picked context sentence gives a pair sharing one context: a faithful restatement (synonym
swaps from our own list, a clause cut, a hedge) and a falsified one (a changed number, a swapped
name, an inserted negation, an antonym, or an added invented fact). Half of the falsified
claims are paraphrased too, so "reworded" never means "faithful" on its own. Deterministic for
a given seed; no model and no text from outside ``shared/datasets``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from spyglass.evaluators.hallucination.claims import split_sentences

# faithful rewordings (ours): each pair is interchangeable in most sentences
SYNONYMS = {
    "started": "began", "began": "started", "built": "constructed", "constructed": "built",
    "large": "big", "big": "large", "famous": "well-known", "well-known": "famous", "film": "movie",
    "movie": "film", "created": "made", "located": "situated", "situated": "located", "about": "around",
    "approximately": "about", "also": "as well", "known": "recognized", "often": "frequently",
    "frequently": "often", "small": "little", "begin": "start", "start": "begin", "help": "assist",
    "buy": "purchase", "purchase": "buy", "show": "display", "shows": "displays", "important": "significant",
    "significant": "important", "popular": "widely liked", "people": "persons", "company": "firm",
    "firm": "company", "received": "got", "won": "earned", "earned": "won", "died": "passed away",
    "wrote": "authored", "author": "writer", "writer": "author", "several": "a number of", "many": "numerous",
    "numerous": "many", "usually": "typically", "typically": "usually", "large number": "great number",
    "founded": "established", "established": "founded", "released": "put out", "near": "close to",
    "main": "principal", "principal": "main", "quickly": "rapidly", "rapidly": "quickly", "completed": "finished",
    "finished": "completed", "shortly": "soon", "including": "such as", "such as": "including",
    "consists": "is made up", "is composed": "consists", "used": "employed", "uses": "employs",
    "american": "US", "television": "TV", "TV": "television", "every": "each", "each": "every",
}
# falsifying rewordings (ours): each word turned into one with the opposite meaning
ANTONYMS = {
    "first": "last", "last": "first", "largest": "smallest", "smallest": "largest", "before": "after",
    "after": "before", "increased": "decreased", "decreased": "increased", "north": "south", "south": "north",
    "east": "west", "west": "east", "older": "younger", "younger": "older", "won": "lost", "lost": "won",
    "highest": "lowest", "lowest": "highest", "more": "fewer", "fewer": "more", "early": "late", "late": "early",
    "male": "female", "female": "male", "best": "worst", "worst": "best", "always": "never", "never": "always",
    "private": "public", "public": "private", "modern": "ancient", "ancient": "modern", "inside": "outside",
    "outside": "inside", "above": "below", "below": "above", "longest": "shortest", "shortest": "longest",
    "allowed": "forbidden", "free": "paid", "cheap": "expensive", "expensive": "cheap", "open": "closed",
    "closed": "open", "daily": "yearly", "weekly": "monthly", "monthly": "weekly", "minutes": "hours",
    "hours": "days", "days": "weeks", "same": "different", "different": "same", "true": "false",
}
_INVENTED = ["it was moved to {place} in {year}", "it was funded by {place} until {year}",
             "{place} banned it in {year}", "its first director came from {place} in {year}",
             "it closed for good in {year} after a fire in {place}"]
_PLACES = ["Oslo", "Nairobi", "Lima", "Osaka", "Tbilisi", "Quebec", "Perth", "Lagos", "Bergen", "Valencia"]
_AUXILIARY = re.compile(r"\b(is|are|was|were|has|had|can|will|could|would|does|did)\b")
_NEGATED = re.compile(r"\b(is|are|was|were|has|had|can|will|could|would|does|did) not\b|n't\b|\bnever\b")
_NUMBER = re.compile(r"\b\d{1,4}\b")
_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]{2,}")


@dataclass(frozen=True)
class SyntheticPair:
    """One context sentence's faithful and falsified restatements, and how each was made."""

    context: str
    faithful: str
    falsified: str
    faithful_kind: str
    falsified_kind: str


def _swap_words(sentence: str, table: dict[str, str], rng: random.Random, limit: int = 3) -> tuple[str, int]:
    """Replace up to ``limit`` words (or two-word phrases) found in ``table``; returns text and count."""
    keys = [k for k in table if re.search(rf"\b{re.escape(k)}\b", sentence, re.IGNORECASE)]
    rng.shuffle(keys)
    done = 0
    for key in keys[:limit]:
        replacement = table[key]

        def keep_case(match: re.Match, replacement: str = replacement) -> str:
            word = match.group(0)
            return replacement[:1].upper() + replacement[1:] if word[:1].isupper() else replacement
        sentence, n = re.subn(rf"\b{re.escape(key)}\b", keep_case, sentence, count=1, flags=re.IGNORECASE)
        done += n
    return sentence, done


_FRONTED = re.compile(r"^((?:In|On|At|During|After|Before|Since|By|From|For)\b[^,]{3,60}),\s+(.+?)([.!?]?)$", re.IGNORECASE)
_ASIDE = re.compile(r"\s*\([^)]*\)|,\s+(?:which|who)\b[^,]{3,80},")


def reword(sentence: str, rng: random.Random) -> tuple[str, int]:
    """The same statement in other words: synonyms, a fronted phrase moved to the end, asides dropped."""
    text, changes = _swap_words(sentence, SYNONYMS, rng, limit=6)
    fronted = _FRONTED.match(text)
    if fronted and rng.random() < 0.8:
        head, rest, stop = fronted.groups()
        text = f"{rest[0].upper()}{rest[1:]} {head[0].lower()}{head[1:]}{stop or '.'}"
        changes += 1
    if _ASIDE.search(text) and rng.random() < 0.8:
        text = _ASIDE.sub("", text, count=1)
        changes += 1
    if rng.random() < 0.3:
        text = rng.choice(["In short, ", "Basically, ", "To be clear, "]) + text[0].lower() + text[1:]
        changes += 1
    return text, changes


def faithful_variant(sentence: str, rng: random.Random) -> tuple[str, str]:
    """A restatement the sentence supports, and its kind."""
    options = ["reworded", "reworded", "clause", "hedge", "verbatim"]
    rng.shuffle(options)
    for kind in options:
        if kind == "reworded":
            text, n = reword(sentence, rng)
            if n:
                return text, kind
        elif kind == "clause":
            head = re.split(r",\s+(?:which|who|where|and|but|while)\b|;\s+", sentence)[0].strip()
            if len(head.split()) >= 5 and head != sentence:
                return head.rstrip(".") + ".", kind
        elif kind == "hedge":
            opener = rng.choice(["According to the text, ", "As described, ", "From what I know, "])
            return opener + sentence[0].lower() + sentence[1:], kind
        elif kind == "verbatim":
            return sentence, kind
    return sentence, "verbatim"


def falsified_variant(sentence: str, other_names: list[str], rng: random.Random) -> tuple[str, str] | None:
    """A restatement the sentence contradicts or does not support, and its kind; None if none applies."""
    options = ["number", "name", "negation", "antonym", "invented"]
    rng.shuffle(options)
    for kind in options:
        if kind == "number" and _NUMBER.search(sentence):
            match = rng.choice(list(_NUMBER.finditer(sentence)))
            value = int(match.group(0))
            new = value + rng.choice([-1, 1]) * rng.randint(1, 30 if value > 1000 else max(2, value // 2 + 2))
            if new != value and new >= 0:
                return sentence[:match.start()] + str(new) + sentence[match.end():], kind
        elif kind == "name" and _NAME.search(sentence) and other_names:
            match = rng.choice(list(_NAME.finditer(sentence)))
            replacement = rng.choice([n for n in other_names if n != match.group(0)] or ["Borland"])
            return sentence[:match.start()] + replacement + sentence[match.end():], kind
        elif kind == "negation" and negate(sentence):
            return negate(sentence) or sentence, kind
        elif kind == "antonym":
            text, n = _swap_words(sentence, ANTONYMS, rng, limit=1)
            if n:
                return text, kind
        elif kind == "invented":
            fact = rng.choice(_INVENTED).format(place=rng.choice(_PLACES), year=rng.randint(1890, 2015))
            return sentence.rstrip(". ") + ", and " + fact + ".", kind
    return None


def negate(sentence: str) -> str | None:
    """The sentence with its first auxiliary negated ("was" -> "was not"), or None if it has none."""
    if not _AUXILIARY.search(sentence) or _NEGATED.search(sentence):
        return None
    return _AUXILIARY.sub(lambda m: m.group(0) + " not", sentence, count=1)


def negated_context_pair(context: str, sentence: str, rng: random.Random) -> SyntheticPair | None:
    """The context made to deny ``sentence``: restating the denial is faithful, the sentence itself is not."""
    denial = negate(sentence)
    if denial is None:
        return None
    faithful, kind = faithful_variant(denial, rng)
    return SyntheticPair(context=context.replace(sentence, denial), faithful=faithful, falsified=sentence,
                         faithful_kind=f"negated-{kind}", falsified_kind="negation-dropped")


def make_pairs(contexts: list[str], seed: int = 0, per_context: int = 1) -> list[SyntheticPair]:
    """Faithful / falsified pairs from sentences of 6-40 words of each context.

    A third of the pairs deny the sentence in the context instead (the claim that drops the
    denial is the false one), so a negation may sit on either side of a contradiction.
    """
    rng = random.Random(seed)
    names = sorted({m.group(0) for c in contexts for m in _NAME.finditer(c)})
    pairs = []
    for context in contexts:
        sentences = [s for s in split_sentences(context) if 6 <= len(s.split()) <= 40]
        for sentence in rng.sample(sentences, min(per_context, len(sentences))):
            if rng.random() < 1 / 3:
                pair = negated_context_pair(context, sentence, rng)
                if pair is not None:
                    pairs.append(pair)
                    continue
            faithful, faithful_kind = faithful_variant(sentence, rng)
            falsified = falsified_variant(sentence, names, rng)
            if falsified is None:
                continue
            text, kind = falsified
            if rng.random() < 0.7:  # reworded and false: rewording must not read as support
                text, _ = reword(text, rng)
            pairs.append(SyntheticPair(context=context, faithful=faithful, falsified=text,
                                       faithful_kind=faithful_kind, falsified_kind=kind))
    return pairs
