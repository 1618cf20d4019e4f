"""Check sets written after a round of PII rules, never used to tune them.

    python -m spyglass.training.pii_check tech    # technical text, written after the gen:tech rules
    python -m spyglass.training.pii_check cues    # dates, NRP, form labels, phones: after pii_cues.py

Prints each false positive on stderr, then span P / R / F2 as JSON. Templates below share no
wording with ``pii_templates.py``; slots are filled by the same Faker generator (38 locales,
seeded). The shipped head was trained without them.
"""

from __future__ import annotations

import json
import random
import sys

from spyglass.training.pii_data import Entity, score_entities

TECH_TEMPLATES = [
    "Changelog: {tech} drops support for the legacy API; migration notes by {person}.",
    "Incident review: the outage in {city} started when {tech} ran out of file handles.",
    "Owner: {person}\nService: {tech}\nRegion: {city}",
    "TODO(jdoe): replace {tech} with {tech2} once the vendor fixes the memory leak.",
    "Latency p99 went from 120 ms to 480 ms after {tech}; {person} is bisecting.",
    "{org} maintains the {tech} fork we vendor in third_party/.",
    "Root cause: {tech} cached DNS for the {country} endpoint longer than its TTL.",
    "Pair with {person} on the {tech} upgrade next sprint.",
    "Note: build {tech} fails on ARM; the {city} lab has the only test runner.",
    "Release train: {tech} freezes Friday, then {tech2} goes to canary.",
    "Alerts for {tech} now page {person} instead of the whole team.",
    "Docs: set TIMEOUT to 30 and restart {tech} before filing a bug with {org}.",
]
# written after pii_cues.py (2026-11-30); "{card_tail}" is an unlabelled 4-digit number
CUES_TEMPLATES = [
    "Hi, this is {person} from {city}; please move my appointment to {date}.",
    "Passenger list:\n1. {person} ({nrp}), born {date}\n2. {person2}",
    "Emergency contact: {person}, mobile {phone}.",
    "Our new hire {person} is {nrp} and starts on {date} in the {city} office.",
    "Shipping label\nAttn: {person}\n{address_block}",
    "Beneficiary: {person} | IBAN {iban} | payout date {date}",
    "Can you translate this note for my {nrp} neighbour {person}? She moved here on {date}.",
    "Guest {person} checked out on {date}; the deposit goes back to the card ending {card_tail}.",
    "The tenant, {person}, can be reached at {phone} or {email}.",
    "Minutes: {person} and {person2} agreed to ship the {city} pilot by {date}.",
    "Reminder: the visa appointment of {person} in {city} is on {date}; bring the passport.",
    "Policy holder - {person}; DOB - {date}; Phone - {phone}",
    "Flights to {country} resume next week, the airline told {person}.",
    "Please update the recipient to {person}, {address}.",
    "Signed,\n{person}\n{city}, {date}",
    "Two {nrp} engineers joined the {city} team in {month}.",
]
CODES = ["c6i.xlarge", "ISO 8601", "RFC 9110", "libssl3", "v4.0.0-rc.2", "JIRA-4410", "sha256:9f2c", "ubuntu-22.04",
         "ap-south-1", "t3.medium", "HTTP 429", "OPS-1187", "py3.12", "cuda12.1", "build #5521", "grpc-go",
         "PEP 8", "ECMAScript 2023", "qwen2-7b", "nginx/1.25", "0x7ffe", "CHG0031245", "arm64", "LTS 20"]


SETS = {"tech": TECH_TEMPLATES, "cues": CUES_TEMPLATES}


def generate(name: str = "tech", n: int = 240, seed: int = 7) -> list[tuple[str, tuple[Entity, ...]]]:
    """``n`` sentences, each template in turn, codes from ``CODES``, other slots from the Faker generator."""
    from spyglass.training import pii_generate

    templates = SETS[name]
    rng = random.Random(f"{seed}:check-{name}")
    for locale in pii_generate.LOCALES:
        pii_generate._faker(locale).seed_instance(rng.randrange(2**32))
    out = []
    for i in range(n):
        template = templates[i % len(templates)]
        template = template.replace("{tech}", rng.choice(CODES)).replace("{tech2}", rng.choice(CODES))
        text, ents = pii_generate.render(template, rng.choice(pii_generate.LOCALES), rng)
        out.append((text, tuple(e for e in ents if e.type != "ORGANIZATION")))
    return out


def main() -> int:
    """Score the shipped PII pipeline (patterns, token head, clean-up) on the check set named by argv[1]."""
    from spyglass.evaluators.pii import PIIEvaluator

    name = sys.argv[1] if len(sys.argv) > 1 else "tech"
    if name not in SETS:
        print(f"usage: python -m spyglass.training.pii_check {{{','.join(SETS)}}}", file=sys.stderr)
        return 2
    rows = generate(name)
    evaluator = PIIEvaluator(tuned=True, head=True)
    found = evaluator.analyze_texts([t for t, _ in rows])
    # every type the pipeline reports counts: in technical text any of them is a false alarm
    predicted = [[Entity(r.entity_type, r.start, r.end) for r in f] for f in found]
    counts = score_entities([g for _, g in rows], predicted)
    total = counts["ALL"]
    for (text, gold), pred in zip(rows, predicted):
        for p in pred:
            if not any(g.type == p.type and min(g.end, p.end) - max(g.start, p.start) >= (p.end - p.start) / 2
                       for g in gold):
                print(f"FP {p.type}: {text[p.start:p.end]!r} in {text!r}", file=sys.stderr)
    print(json.dumps({"set": name, "n": len(rows), "precision": round(total.precision, 4),
                      "recall": round(total.recall, 4), "f2": round(total.f_beta(2), 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
