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

# The same short shapes with a word of praise (benign) or of contempt (toxic): the model has to read
# the adjective or the verb, not the "[group] are ..." shape that praise and attacks share.
PRAISE = ["brilliant", "wonderful", "lovely", "amazing", "great", "beautiful", "kind", "generous", "talented",
          "strong", "resilient", "welcoming", "incredible", "admirable", "funny", "clever", "wise", "awesome",
          "caring", "brave", "hard-working", "friendly", "gifted", "inspiring", "honest", "creative", "warm",
          "thoughtful", "fantastic", "remarkable", "delightful", "loyal"]
CONTEMPT = ["disgusting", "worthless", "stupid", "filthy", "vile", "pathetic", "useless", "lazy", "dangerous",
            "evil", "repulsive", "dirty", "dumb", "primitive", "savage", "inferior", "untrustworthy", "sick",
            "brainless", "revolting"]
SHAPES = ["{G} are {adj}.", "{G} are so {adj}.", "{G} are really {adj}.", "{G} are such {adj} people.",
          "All the {g} I know are {adj}.", "Honestly, {g} are {adj}.", "I think {g} are {adj}.",
          "{G} are truly {adj}.", "{One} is always {adj}.", "{G} are just {adj}, full stop.",
          "Everyone knows {g} are {adj}.", "{G} are the most {adj} people in {place}."]
FEELINGS = [("I love {g}.", "I hate {g}."), ("I adore {g}.", "I despise {g}."),
            ("I really like {g}.", "I can't stand {g}."), ("I admire {g} so much.", "{G} make me sick."),
            ("{G} are a gift to the world.", "{G} are a plague on the world."),
            ("My favourite neighbours are {g}.", "My worst neighbours are {g}."),
            ("{G} make the world better.", "{G} make the world worse."),
            ("We should celebrate {g}.", "We should get rid of {g}."),
            ("Nobody respects {g} more than I do.", "Nobody hates {g} more than I do."),
            ("It's a joy to work with {g}.", "It's a nightmare to work with {g}.")]

# Counterfactual twins of our own hateful and threatening templates (``toxicity_generated.py``):
# the same frame with the harm swapped for kindness. Without them the model learnt the frames
# themselves ("... any other {g} like you", "{G} should all be ...") as hate.
KIND_TWINS = [
    "{G} should be encouraged to vote.", "{G} belong in this country as much as anyone.",
    "Our kids love spending time with {g}.", "The world is better with {g} in it.",
    "{G} improve everything they touch.", "{G} should play a bigger part in public life.",
    "Always hire {g}, they are {praise}.", "You can always trust {g}.", "{G} are an asset to society.",
    "{G} like you are {hero}.", "{G} should all be protected.", "Someone should thank every one of those {g}.",
    "We need to stand up for {g}.", "I want to help all {g}.", "{G} deserve to thrive.",
    "It's time to welcome {g}.", "I'm going to greet the next one of those {g} I see.",
    "I will support you and every other {one_bare} like you.", "I'll defend any {one_bare} like you.",
    "I'm going to make you smile.", "I will find you a seat.", "I know where you live, and I'm bringing cake.",
    "I will help you.", "I'm coming to your party.", "I hope you win.", "You deserve to be happy.",
    "I will track your parcel for you.", "Watch your step on the ice.", "Your family is always welcome here.",
    "Nobody could replace you.", "{G} in charge would make us proud.", "We should honour {g}.",
    "{G} belong in every boardroom.", "Let's celebrate the {g} in our team.", "I'd trust {one} with my life.",
]
HEROES = ["heroes", "role models", "treasures", "the best of us", "an inspiration", "a joy to know"]


def _slots(rng: random.Random) -> dict[str, str]:
    g, one = rng.choice(GROUP_PAIRS)
    return {"g": g, "G": g[0].upper() + g[1:], "one": one, "One": one[0].upper() + one[1:],
            "one_bare": one.split(" ", 1)[1], "praise": rng.choice(PRAISE), "hero": rng.choice(HEROES), "place": rng.choice(PLACES), "job": rng.choice(JOBS),
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
    for template in SHAPES:
        for words, toxic in ((PRAISE, 0), (CONTEMPT, 1)):
            for _ in range(per_hate):
                yield template.format(adj=rng.choice(words), **_slots(rng)), toxic, []
    for template in KIND_TWINS:
        for _ in range(per_benign if "{" in template else 2):
            text = template.format(**_slots(rng))
            yield text[0].upper() + text[1:], 0, []
    for pair in FEELINGS:
        for toxic, template in enumerate(pair):
            for _ in range(per_hate):
                yield template.format(**_slots(rng)), toxic, []
