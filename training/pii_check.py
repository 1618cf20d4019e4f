"""Check sets, each written after a round of PII rules and before its own figures were seen.

    python -m spyglass.training.pii_check tech    # technical text, written after the gen:tech rules
    python -m spyglass.training.pii_check cues    # dates, NRP, form labels, phones: after pii_cues.py
    python -m spyglass.training.pii_check tech2   # technical text again, after the rules tech's errors led to
    python -m spyglass.training.pii_check tech3   # and again, after the rules tech2's errors led to
    python -m spyglass.training.pii_check tech4   # and again, after the rules tech3's errors led to

A set's errors may lead to the next round of rules; from then on its figure is one tuned on, and
the next set is the one that is not (today: cues and tech4).

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
# written after the second round of technical-text rules (company names before legal forms,
# identifiers glued into longer codes; 2026-11-30, late); its errors then led to the third round
# (more legal forms, Indonesian prefixes)
TECH2_TEMPLATES = [
    "Postmortem {tech}: {person} rolled back the {tech2} deploy in the {city} region at 02:14 UTC.",
    "Assignee: {person}\nComponent: {tech}\nVendor: {org}",
    "The {org} support team asked for the {tech} core dump; {person} uploaded it to the ticket.",
    "Benchmark: {tech} is 1.8x faster than {tech2} on the {city} cluster.",
    "Heads up: {person2} is out until Monday, so {person} owns the {tech} migration.",
    "Our contract with {org} covers {tech} licences for every office in {country}.",
    "Flaky test in {tech}: it fails when the runner's locale is set to {country}.",
    "Can {person} review the {tech} patch? It touches the billing code for {org}.",
    "Deprecation: {tech} will be removed in Q3; see the thread started by {person}.",
    "Capacity plan: move {tech} from the {city} data centre to {tech2} by {month}.",
    "On-call handover from {person} to {person2}: {tech} alarms are muted until the fix lands.",
    "{org} reported the {tech} vulnerability; the fix ships in {tech2}.",
]
CODES2 = ["INC0049211", "RITM0018833", "PR #9127", "SEV-2", "m6g.large", "us-east-2", "k8s 1.29", "node 20.11",
          "log4j 2.17.1", "postgres 16", "MR !4521", "AKS-302", "redis 7.2", "llama-3-8b", "BUG-20931",
          "svc-payments-v2", "eu-west-3", "r5.2xlarge", "SR-7710", "kafka 3.7", "rev a91f3c2", "DX-880", "gcc 13",
          "TLS 1.3"]
# written after the third round (more legal forms, Indonesian prefixes; 2026-11-30, late); its
# errors led to the fourth round (weekday and month names), so tech4 is the set never tuned on
TECH3_TEMPLATES = [
    "Vendor review: {org} missed the {tech} SLA twice this quarter; {person} will raise it at the QBR.",
    "Sprint demo moved to Thursday because {person} is flying back from {city}.",
    "Procurement approved {tech} seats for {org}; invoices go to {person2}.",
    "The {tech} nightly failed again; the logs point at a proxy in {country}.",
    "Reviewer: {person}\nTicket: {tech}\nCustomer: {org}",
    "Draft RFC by {person}: replace {tech} with {tech2} for the {city} edge nodes.",
    "We signed an NDA with {org} before sharing the {tech} roadmap.",
    "Retro notes: {person} and {person2} want fewer pages from {tech}.",
    "Tokens for {tech} rotate monthly; {org} holds the root credentials.",
    "Latency from {city} to the {tech} endpoint doubled after the {tech2} rollout.",
    "Escalation path: {person}, then the {org} duty manager.",
    "Ship {tech} to the {country} marketplace only after legal signs off.",
]
CODES3 = ["CS0048812", "TASK-19033", "PRJ0007731", "eu-central-1", "c7g.4xlarge", "java 21", "ruby 3.3", "RHEL 9.4",
          "win-2022", "OPS#4471", "mistral-7b", "vllm 0.6", "CVE-2024-3094", "Jenkins #812", "ZD-55120", "helm 3.15",
          "tf-aws-vpc", "ingress-nginx", "gke-1.30", "PagerDuty P2", "pip 24.2", "NVMe gen4", "ISO 27001", "SOC 2"]
# written after the fourth round (weekday and month names are dates, not places; 2026-11-30, late),
# never used to tune anything
TECH4_TEMPLATES = [
    "Standup: {person} finished the {tech} spike; {person2} is blocked on access from {org}.",
    "The {city} office switches to {tech} on Monday, according to {person}.",
    "Billing dispute with {org}: they charged us for {tech} twice in {month}.",
    "Paging policy: {tech} wakes {person} only for customer-facing outages.",
    "Contractor: {person}\nAgency: {org}\nLocation: {city}",
    "The {tech} mirror in {country} is three releases behind upstream.",
    "Thanks {person} for the quick fix to {tech} before the Friday freeze.",
    "{org} wants a dedicated {tech} tenant in {city} next year.",
    "Load test plan: {tech} at 2x peak, signed off by {person}.",
    "Audit trail shows {person2} approved the {tech} exception for {org}.",
    "Firmware {tech} bricks the routers shipped to {country}; recall coordinated by {person}.",
    "Customer success call with {org} about the {tech} outage, notes by {person}.",
]
CODES4 = ["CHANGE-7781", "KB0012004", "rel-2024.11", "apne1-az2", "g5.12xlarge", "go 1.23", "dotnet 8", "Debian 12",
          "macos-14", "SEC-2290", "phi-3-mini", "triton 24.08", "CVE-2023-44487", "GitLab !7731", "HD-90412", "argo 3.5",
          "terraform 1.9", "cert-manager", "eks-1.31", "Sentry #5519", "npm 10.8", "DDR5", "HIPAA", "PCI DSS 4.0"]
CODES = ["c6i.xlarge", "ISO 8601", "RFC 9110", "libssl3", "v4.0.0-rc.2", "JIRA-4410", "sha256:9f2c", "ubuntu-22.04",
         "ap-south-1", "t3.medium", "HTTP 429", "OPS-1187", "py3.12", "cuda12.1", "build #5521", "grpc-go",
         "PEP 8", "ECMAScript 2023", "qwen2-7b", "nginx/1.25", "0x7ffe", "CHG0031245", "arm64", "LTS 20"]


# each set: its templates and the codes its {tech} slots draw from (cues has none)
SETS = {"tech": (TECH_TEMPLATES, CODES), "cues": (CUES_TEMPLATES, CODES), "tech2": (TECH2_TEMPLATES, CODES2),
        "tech3": (TECH3_TEMPLATES, CODES3), "tech4": (TECH4_TEMPLATES, CODES4)}


def generate(name: str = "tech", n: int = 240, seed: int = 7) -> list[tuple[str, tuple[Entity, ...]]]:
    """``n`` sentences, each template in turn, codes from the set's list, other slots from the Faker generator."""
    from spyglass.training import pii_generate

    templates, codes = SETS[name]
    rng = random.Random(f"{seed}:check-{name}")
    for locale in pii_generate.LOCALES:
        pii_generate._faker(locale).seed_instance(rng.randrange(2**32))
    out = []
    for i in range(n):
        template = templates[i % len(templates)]
        template = template.replace("{tech}", rng.choice(codes)).replace("{tech2}", rng.choice(codes))
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
