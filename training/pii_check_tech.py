"""A check set of technical text, written after the gen:tech rules and never used to tune them.

    python -m spyglass.training.pii_check_tech        # shipped pipeline: span P / R / F2, false positives

Templates and codes below share no wording with ``pii_templates.py``; slots are filled by the
same Faker generator (38 locales, seeded). The shipped head was trained without them.
"""

from __future__ import annotations

import json
import random
import sys

from spyglass.training.pii_data import Entity, score_entities

TEMPLATES = [
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
CODES = ["c6i.xlarge", "ISO 8601", "RFC 9110", "libssl3", "v4.0.0-rc.2", "JIRA-4410", "sha256:9f2c", "ubuntu-22.04",
         "ap-south-1", "t3.medium", "HTTP 429", "OPS-1187", "py3.12", "cuda12.1", "build #5521", "grpc-go",
         "PEP 8", "ECMAScript 2023", "qwen2-7b", "nginx/1.25", "0x7ffe", "CHG0031245", "arm64", "LTS 20"]


def generate(n: int = 240, seed: int = 7) -> list[tuple[str, tuple[Entity, ...]]]:
    """``n`` sentences, each template in turn, codes from ``CODES``, other slots from the Faker generator."""
    from spyglass.training import pii_generate

    rng = random.Random(f"{seed}:check-tech")
    for locale in pii_generate.LOCALES:
        pii_generate._faker(locale).seed_instance(rng.randrange(2**32))
    out = []
    for i in range(n):
        template = TEMPLATES[i % len(TEMPLATES)]
        template = template.replace("{tech}", rng.choice(CODES)).replace("{tech2}", rng.choice(CODES))
        text, ents = pii_generate.render(template, rng.choice(pii_generate.LOCALES), rng)
        out.append((text, tuple(e for e in ents if e.type != "ORGANIZATION")))
    return out


def main() -> int:
    """Score the shipped PII pipeline (patterns, token head, clean-up) on the check set."""
    from spyglass.evaluators.pii import PIIEvaluator

    rows = generate()
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
    print(json.dumps({"n": len(rows), "precision": round(total.precision, 4), "recall": round(total.recall, 4),
                      "f2": round(total.f_beta(2), 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
