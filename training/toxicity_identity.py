"""Generated statements about identity groups: benign ones (hard negatives) and implicit hate.

A model trained on the public sets learns that naming a group is a sign of hate: most posts there
that name Muslims, women or gay people attack them. These templates teach the opposite case —
neutral facts, first-person identity, praise, and sober talk about discrimination (which uses
words such as "violence" and "hate" without being hateful) — and, as positives, hate that uses
no slur: stereotypes, exclusion and dehumanising comparisons. The model must tell them apart
by what the sentence says about the group, not by the group's name.

Written for this project from general knowledge; not copied from HateCheck, ToxiGen or any
other test suite (HateCheck is only measured, never trained or tuned on).
"""

from __future__ import annotations

import random
from typing import Iterator

# plural group, singular person of that group
GROUP_PAIRS = [
    ("women", "a woman"), ("men", "a man"), ("trans people", "a trans person"), ("trans women", "a trans woman"),
    ("gay people", "a gay man"), ("gay men", "a gay man"), ("lesbians", "a lesbian"), ("bisexual people", "a bisexual person"),
    ("black people", "a black woman"), ("Black Americans", "a Black American"), ("white people", "a white man"),
    ("Asians", "an Asian woman"), ("Asian Americans", "an Asian American"), ("Jews", "a Jew"),
    ("Jewish people", "a Jewish man"), ("Muslims", "a Muslim"), ("Christians", "a Christian"), ("Hindus", "a Hindu"),
    ("immigrants", "an immigrant"), ("refugees", "a refugee"), ("disabled people", "a disabled person"),
    ("people with disabilities", "a wheelchair user"), ("Mexicans", "a Mexican"), ("Arabs", "an Arab"),
    ("Africans", "an African"), ("Latinos", "a Latina"), ("Chinese people", "a Chinese student"),
    ("Indians", "an Indian engineer"), ("Roma", "a Roma man"), ("atheists", "an atheist"),
    ("Catholics", "a Catholic"), ("Sikhs", "a Sikh"), ("deaf people", "a deaf person"),
    ("autistic people", "an autistic person"), ("migrants", "a migrant"), ("Native Americans", "a Native American"),
    ("LGBTQ people", "a queer person"), ("older people", "an elderly woman"), ("Pakistanis", "a Pakistani"),
    ("Buddhists", "a Buddhist"), ("blind people", "a blind person"), ("Hispanic people", "a Hispanic man"),
]
PLACES = ["London", "our street", "my school", "Texas", "the hospital", "our office", "the city council",
          "my university", "Canada", "the neighbourhood", "the team", "Berlin", "the village"]
JOBS = ["doctors", "teachers", "engineers", "nurses", "scientists", "lawyers", "farmers", "artists",
        "small business owners", "soldiers", "programmers", "writers"]
TOPICS = ["housing", "healthcare", "education", "employment", "voting rights", "policing", "pay equity",
          "mental health", "immigration law", "public transport"]

BENIGN = [
    "{G} live in {place}.", "I am {one}.", "I'm {one} and I live in {place}.", "As {one}, I care about {topic}.",
    "My best friend is {one}.", "My sister married {one}.", "Our new manager is {one}.", "We are {g}.",
    "Many {g} work as {job}.", "There are {g} in {place}.", "Some {g} are {job}.", "{G} are people like anyone else.",
    "{G} vote in every election, like everyone else.", "The museum has an exhibition on the history of {g}.",
    "How many {g} live in {place}?", "What holidays do {g} celebrate?", "Is it rude to ask {one} about {topic}?",
    "The article profiles three {g} who became {job}.", "A group of {g} opened a bakery in {place}.",
    "{G} are part of our community.", "I grew up next to {g}.", "I have a lot of respect for {g}.",
    "{G} deserve the same respect as everyone.", "{G} are welcome here.", "I love my {g} neighbours.",
    "{G} make {place} a better place.", "I'm proud to be {one}.", "Being {one} is nothing to be ashamed of.",
    "{G} are smart, kind and hard-working.", "So many talented {job} are {g}.", "I stand with {g}.",
    "We should listen to {g} more.", "{G} have the right to live without fear.", "Thank you to all the {g} who helped.",
    "Hate crimes against {g} rose last year, the report says.", "{G} still face discrimination in {topic}.",
    "Violence against {g} must stop.", "It is wrong to blame {g} for the crisis.",
    "Stereotypes about {g} are unfair and untrue.", "{G} were persecuted for centuries.",
    "Many {g} say they have been harassed online.", "The charity supports {g} who face abuse.",
    "Studies show {g} are underpaid compared with their colleagues.", "Discrimination against {g} is illegal.",
    "The law protects {g} from unfair treatment in {topic}.", "Politicians who attack {g} should be ashamed.",
    "Is it true that {g} are treated worse in {topic}?", "Why do people still hate {g}? It makes no sense.",
    "Not all {g} think alike, and that's fine.", "{G} are no more violent than anyone else.",
    "Anyone who says {g} are inferior is simply wrong.", "{G} are not the problem; poverty is.",
    "We need more {g} in {place}.", "{G} are so inspiring.", "I'd be happy to have {one} as my boss.",
    "Three cheers for the {g} of {place}!", "{G} are fantastic {job}.", "Honestly, {g} are the best.",
    "I'm glad {g} feel at home here.", "Nothing but love for {g}.", "{G} rock!", "I would gladly vote for {one}.",
]
IMPLICIT_HATE = [
    "{G} are only good for cleaning houses.", "{G} should stay in their own countries.", "{G} cannot be trusted with money.",
    "Every time {g} move into a neighbourhood, it goes downhill.", "{G} are naturally less intelligent than us.",
    "{G} just want to live off our taxes.", "{G} are a threat to our way of life.", "I would never let my kids play with {g}.",
    "{G} bring crime wherever they go.", "{G} have no place in a civilised society.", "{G} are born liars.",
    "It's a shame {g} are allowed to have children.", "{G} are ruining this country.", "{G} are all the same: lazy and dishonest.",
    "You can always tell when {one} has been in the room.", "{G} should not be allowed near schools.",
    "{G} are just confused and need to be fixed.", "{G} breed too much and take over.", "Hiring {g} is always a mistake.",
    "{G} would be nothing without us.", "{G} are good at nothing except complaining.", "{G} are a drain on everyone around them.",
    "{G} are more like animals than people.", "Our country was better before the {g} came.", "{G} are incapable of thinking for themselves.",
    "{G} are too emotional to be in charge of anything.", "Don't rent to {g}, they wreck the place.",
    "{G} should know their place.", "If {g} don't like it here they can leave.", "{G} are an infection in our society.",
    "No wonder {g} can't hold down a job.", "{G} only pretend to be victims.", "I don't want {g} anywhere near my family.",
    "{G} should be kept out of public office.", "Of course {one} would steal it.", "{G} are a mistake of nature.",
]


def _slots(rng: random.Random) -> dict[str, str]:
    g, one = rng.choice(GROUP_PAIRS)
    return {"g": g, "G": g[0].upper() + g[1:], "one": one, "place": rng.choice(PLACES), "job": rng.choice(JOBS),
            "topic": rng.choice(TOPICS)}


def generate_identity(seed: int = 1, per_benign: int = 24, per_hate: int = 20) -> Iterator[tuple[str, int, list[tuple[int, int, str]]]]:
    """(text, toxic, spans) for benign and implicitly hateful statements about groups, deterministic for a seed."""
    rng = random.Random(seed)
    for template in BENIGN:
        for _ in range(per_benign):
            text = template.format(**_slots(rng))
            yield text[0].upper() + text[1:], 0, []
    for template in IMPLICIT_HATE:
        for _ in range(per_hate):
            text = template.format(**_slots(rng))
            text = text[0].upper() + text[1:]
            yield text, 1, []  # no slur to point at: the whole sentence is the attack
