"""Generated toxicity examples: threats, second-person insults, identity attacks and hard negatives.

The public sets have almost no direct threats, few second-person insults, no obfuscated
spellings and no counter-speech. These templates fill those gaps. They were written for this
project from general knowledge of online abuse, not copied from HateCheck or any other test
suite (HateCheck is only ever measured, never trained on).

Markup: ``<...>`` marks the toxic part of a template; the type of the template names it.
``spell_variants`` adds obfuscated spellings (leet, swapped / dropped letters, added or
removed spaces) of the marked part, keeping its span.
"""

from __future__ import annotations

import random
import re
from itertools import product
from typing import Iterator

GROUPS = ["women", "men", "trans people", "gay people", "lesbians", "bisexual people", "black people",
          "white people", "Asians", "Jews", "Muslims", "Christians", "Hindus", "immigrants", "refugees",
          "disabled people", "Mexicans", "Arabs", "Africans", "Latinos", "Chinese people", "Indians",
          "Roma", "foreigners", "atheists", "Catholics", "Sikhs", "deaf people", "autistic people",
          "migrants", "asylum seekers", "feminists"]

BAD_NOUNS = ["vermin", "parasites", "rats", "cockroaches", "animals", "scum", "trash", "garbage", "filth",
             "a disease", "a plague", "a cancer", "savages", "subhuman", "pigs", "monkeys", "leeches",
             "degenerates", "freaks", "worthless", "a waste of space", "maggots", "lice"]
BAD_ADJS = ["disgusting", "stupid", "worthless", "filthy", "evil", "inferior", "pathetic", "repulsive",
            "dirty", "vile", "useless", "brainless", "dangerous", "sick in the head", "primitive", "lazy",
            "revolting", "retarded", "dumb", "gross", "nasty"]
INSULT_NOUNS = ["idiot", "moron", "loser", "imbecile", "clown", "dumbass", "jerk", "fool", "asshole",
                "prick", "dickhead", "scumbag", "piece of shit", "creep", "halfwit", "cretin", "bitch",
                "waste of space", "piece of garbage", "retard", "twat", "dimwit", "lowlife", "bastard"]
INSULT_ADJS = ["stupid", "pathetic", "worthless", "useless", "brainless", "ugly", "disgusting", "clueless",
               "dumb", "idiotic", "miserable", "spineless", "gutless", "fat"]
NAMES = ["Mark", "Sarah", "Tom", "Priya", "Lena", "Jake", "Omar", "Chloe", "Dave", "Nina"]

# (type, template); {g} group, {G} capitalised group, {n} bad noun, {a} bad adjective,
# {i} insult noun, {j} insult adjective, {p} a name
HATEFUL = [
    ("identity_attack", "<I hate {g}>."), ("identity_attack", "<I can't stand {g}>."),
    ("identity_attack", "<{G} make me sick>."), ("identity_attack", "<I despise {g}>."),
    ("identity_attack", "<{G} are {n}>."), ("identity_attack", "<{G} are {a}>."),
    ("identity_attack", "<All {g} are {n}>."), ("identity_attack", "Honestly, <{g} are {a}>."),
    ("identity_attack", "<{G} are nothing but {n}>."), ("identity_attack", "<Every one of those {g} is {a}>."),
    ("identity_attack", "<{G} disgust me>."), ("identity_attack", "I really think <{g} are {a}>."),
    ("identity_attack", "<Why are {g} so {a}?>"), ("identity_attack", "<{G} should not be allowed to vote>."),
    ("identity_attack", "<{G} don't belong in this country>."), ("identity_attack", "<Keep {g} away from our kids>."),
    ("identity_attack", "<The world would be better without {g}>."), ("identity_attack", "<{G} ruin everything they touch>."),
    ("identity_attack", "<{G} should be banned from public life>."), ("identity_attack", "<Never hire {g}, they are {a}>."),
    ("identity_attack", "My new coworkers are {g}. <They are {a}>."), ("identity_attack", "<You can't trust {g}>."),
    ("identity_attack", "<{G} are a burden on society>."), ("identity_attack", "<{G} are not real people>."),
    ("identity_attack", "<Go back where you came from, {g}>."), ("identity_attack", "<{G} like you are {n}>."),
    ("threat", "<{G} should all be killed>."), ("threat", "<Someone should shoot every one of those {g}>."),
    ("threat", "<We need to wipe out {g}>."), ("threat", "<I want to kill all {g}>."),
    ("threat", "<{G} deserve to die>."), ("threat", "<Death to {g}>!"), ("threat", "<Burn down their mosques and churches>."),
    ("threat", "<Hang all the {g}>."), ("threat", "<It's time to exterminate {g}>."),
    ("threat", "<I'm going to hurt the next one of those {g} I see>."),
]
THREATS = ["I will kill you", "I'm going to kill you", "I will find where you live", "I know where you live",
           "I'm coming for you", "I will hurt you", "I'm going to beat you to death", "I will break your legs",
           "go kill yourself", "kill yourself", "I hope you die", "you should die", "I hope someone stabs you",
           "watch your back", "I will burn your house down", "I'll put a bullet in your head",
           "I'm going to make you bleed", "I will end you", "you will pay for this with your life",
           "I'll slit your throat", "I am going to strangle you", "I hope you get cancer and die",
           "you deserve to be shot", "I'll find you and make you suffer", "drink bleach",
           "I will track you down", "sleep with one eye open", "your family won't be safe",
           "I'm going to smash your face in", "nobody would miss you if you died"]
INSULTS = [
    "You are a <{i}>.", "You're such a <{i}>.", "Shut up, you <{i}>.", "You <{j} {i}>!",
    "What a <{i}> you are.", "Nobody cares what you think, <{i}>.", "<You are {j}>.",
    "You are <{j}> and everyone knows it.", "{p} is a <{j} {i}>.", "Only a <{i}> would write this.",
    "You are an <{i}> and I hate you.", "Get lost, <{i}>.", "<Screw you>, {p}.", "<Fuck you>, you <{i}>.",
    "<Shut the fuck up>.", "Are you really this <{j}>?", "Your answer is <{j}>, just like you.",
    "Listen here, <{i}>, nobody asked you.", "Typical <{i}>, always whining.", "<You disgust me>.",
]
NEUTRAL = [
    "{G} live in every country.", "My neighbours are {g}.", "Many {g} work in healthcare.",
    "The report looks at how policy affects {g}.", "There were {g} at the meeting.",
    "I went to a talk by two {g} about engineering.", "Some of my colleagues are {g}.",
    "The survey asked {g} about their commute.", "{G} can apply for the programme from May.",
    "Statistics on {g} were published today.", "We interviewed {g} for the documentary.",
]
POSITIVE = [
    "I love {g}.", "{G} are wonderful people.", "{G} deserve equal rights.", "I admire {g}.",
    "{G} have contributed so much to this city.", "We should welcome {g}.", "{G} are brilliant.",
    "I'm proud to stand with {g}.", "Respect {g}.", "{G} are just as capable as anyone else.",
]
NEGATED = [
    "I don't hate {g}.", "{G} are not {n}.", "{G} are not {a}.", "I would never say {g} are {a}.",
    "It is not true that {g} are {a}.", "No, {g} are not a threat to anyone.", "Nobody should hurt {g}.",
]
COUNTER = [
    "Saying '{G} are {n}' is hateful and wrong.", "He wrote \"I hate {g}\" and got banned, rightly.",
    "Calling {g} {n} is dehumanising and we should call it out.",
    "Statements like \"{g} are {a}\" hurt real people.", "If someone says {g} are {a}, report them.",
    "I was shocked when a stranger told me that {g} are {n}.", "Stop saying {g} are {a}; it is bigotry.",
    "The post claimed {g} should be killed. That is a threat and it was removed.",
    "Comments calling {g} {n} have no place here.", "Hate speech such as \"{g} are {n}\" must be moderated.",
]
BENIGN = [
    "I will find the bug and fix it.", "I will find where the config file lives.", "Kill the process with kill -9.",
    "The child process dies when the parent exits.", "You are right, thanks for pointing that out.",
    "You are a great teacher.", "You're such a kind person.", "This new phone is killer value.",
    "Shoot me a message when you're free.", "The function returns None when the list is empty.",
    "You can kill two birds with one stone here.", "I'm going to beat my personal best tomorrow.",
    "The comedian absolutely killed it last night.", "We need to execute the plan by Friday.",
    "Watch your step on the wet floor.", "I know where you live is a lovely town.",
    "Cut the wire and strip the insulation.", "Attack the problem from the other side.",
    "Hit the button twice to restart.", "Drop the table if it exists, then recreate it.",
    "This bug is driving me crazy.", "You are a lifesaver, thank you!", "Break the task into smaller pieces.",
    "The virus spreads through contaminated water.", "The army retreated after the battle in 1815.",
    "Who shot first in the film is still debated.", "The knife is sharp, so handle it carefully.",
    "I hate Mondays.", "I hate it when my code doesn't compile.", "You are a fast learner.",
]
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"}


def _fill(template: str, slots: dict[str, str]) -> tuple[str, list[tuple[int, int]]]:
    """Format the template, then strip ``<...>`` markers into character spans."""
    text = template.format(**slots)
    spans, out, pos = [], [], 0
    for m in re.finditer(r"<([^<>]*)>", text):
        out.append(text[pos:m.start()])
        start = sum(len(x) for x in out)
        out.append(m.group(1))
        spans.append((start, start + len(m.group(1))))
        pos = m.end()
    out.append(text[pos:])
    result = "".join(out)
    return result[0].upper() + result[1:], spans


def _obfuscate(word: str, rng: random.Random) -> str:
    kind = rng.choice(["leet", "swap", "drop", "space", "star"])
    if len(word) < 4:
        kind = "leet"
    if kind == "leet":
        return "".join(LEET.get(c, c) if c.lower() in LEET and rng.random() < 0.6 else c for c in word)
    i = rng.randrange(1, len(word) - 2)
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "star":
        return word[:i] + "*" + word[i + 1:]
    return " ".join(word) if rng.random() < 0.5 else word[:i] + " " + word[i:]


def spell_variant(text: str, spans: list[tuple[int, int]], rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """Obfuscate one word inside the first span (or drop the spaces inside it); the span stretches to fit."""
    start, end = spans[0]
    part = text[start:end]
    words = part.split(" ")
    if rng.random() < 0.2 and len(words) > 1:
        new = "".join(words)
    else:
        k = max(range(len(words)), key=lambda j: (len(words[j]), rng.random()))
        words[k] = _obfuscate(words[k], rng)
        new = " ".join(words)
    shift = len(new) - len(part)
    moved = [(s + shift, e + shift) if s >= end else (s, e) for s, e in spans[1:]]
    return text[:start] + new + text[end:], [(start, start + len(new))] + moved


def generate(seed: int = 0) -> Iterator[tuple[str, int, list[tuple[int, int, str]]]]:
    """(text, toxic, spans as (start, end, type)) for every generated example, deterministic for a seed."""
    rng = random.Random(seed)

    def slots() -> dict[str, str]:
        g = rng.choice(GROUPS)
        return {"g": g, "G": g[0].upper() + g[1:], "n": rng.choice(BAD_NOUNS), "a": rng.choice(BAD_ADJS),
                "i": rng.choice(INSULT_NOUNS), "j": rng.choice(INSULT_ADJS), "p": rng.choice(NAMES)}

    toxic: list[tuple[str, list[tuple[int, int]], str]] = []
    for kind, template in HATEFUL:
        for _ in range(14):
            text, spans = _fill(template, slots())
            toxic.append((text, spans, kind))
    prefixes = ["", "", "Listen, ", "Seriously, ", "{p}, ", "Hey loser, ", "One more word and "]
    suffixes = [".", ".", "!", ", loser.", ", you {i}.", ". I mean it.", " if you show up again."]
    for threat, pre, suf in product(THREATS, prefixes, suffixes):
        if rng.random() < 0.45:
            text, spans = _fill(pre + "<" + threat + ">" + suf, slots())
            toxic.append((text, spans, "threat"))
    for template in INSULTS:
        for _ in range(22):
            text, spans = _fill(template, slots())
            toxic.append((text, spans, "insult"))
    for text, spans, kind in toxic:
        yield text, 1, [(s, e, kind) for s, e in spans]
        if rng.random() < 0.4:
            v_text, v_spans = spell_variant(text, spans, rng)
            yield v_text, 1, [(s, e, kind) for s, e in v_spans]
    for templates, repeat in ((NEUTRAL, 30), (POSITIVE, 30), (NEGATED, 40), (COUNTER, 40)):
        for template in templates:
            for _ in range(repeat):
                yield _fill(template, slots())[0], 0, []
    for text in BENIGN:
        yield text, 0, []
