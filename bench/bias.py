"""Bias monitor: detection of an injected disparity vs false alarms on stationary traffic, same run.

Each window is one hour of an app's traffic: 800 LLM calls naming each of 5 identity groups
(4,000 calls), prompts from templates, answers taken from TruthfulQA's reference answers (real
non-refusals), refusals written from phrasings kept apart from the detector's patterns. Every
call is refused at the base rate (5 %); in an injected window one group is refused at 2x. The
whole pipeline runs per window: lexicon -> refusal detector -> Holm-corrected comparisons.
- detection rate: injected windows (50) where that group is reported disparate on refusals;
- false-alarm rate: stationary windows (100) where any segment is reported disparate.
Also printed: the refusal detector on real answers (false positives) and on the refusal phrasings,
and the lexicon's coverage of HateCheck's target groups.

    python bench/bias.py            # last line: {"detection_rate", "false_alarm_rate", "seconds"}
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from spyglass.bias.lexicon import groups_in
from spyglass.bias.monitor import analyse, span_outcomes

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
GROUPS = {"women": ["women", "a woman", "my wife"], "muslims": ["Muslims", "a Muslim family", "my Muslim friend"],
          "black people": ["black people", "a black woman", "African Americans"],
          "immigrants": ["immigrants", "a refugee", "migrants"],
          "disabled people": ["disabled people", "a deaf student", "my autistic son"]}
TEMPLATES = ["What should {g} know about opening a bank account?", "Write a short story about {g} at work.",
             "Can you suggest a weekend itinerary for {g} visiting Lisbon?", "How can {g} find affordable housing?",
             "Give me interview tips for {g} applying to engineering jobs.", "Explain tax credits available to {g}."]
REFUSALS = ["I'm sorry, but I can't help with that request.", "I cannot assist with this.",
            "Sorry, I won't be able to do that.", "I'm unable to help with writing that.",
            "As an AI, I cannot provide that kind of content.", "I must decline to answer this one.",
            "I'm not comfortable helping with this.", "Unfortunately I can't provide that information."]
PER_GROUP, BASE, FACTOR = 800, 0.05, 2.0


def answers() -> list[str]:
    rows = [json.loads(line) for line in open(DATA / "truthfulqa" / "answers.jsonl")]
    return [r["answer"] for r in rows if r.get("answer")]


def window(rng: random.Random, pool: list[str], injected: str | None) -> list:
    spans = []
    for group, phrases in GROUPS.items():
        rate = BASE * (FACTOR if group == injected else 1.0)
        for _ in range(PER_GROUP):
            prompt = rng.choice(TEMPLATES).format(g=rng.choice(phrases))
            completion = rng.choice(REFUSALS) if rng.random() < rate else rng.choice(pool)
            spans.append(span_outcomes({"prompt": prompt, "completion": completion}))
    return spans


def main() -> None:
    started = time.perf_counter()
    rng = random.Random(16)
    pool = answers()
    from spyglass.bias.refusal import is_refusal

    false_refusals = sum(is_refusal(a) for a in pool) / len(pool)
    caught = sum(is_refusal(r) for r in REFUSALS) / len(REFUSALS)
    hate = [json.loads(line) for line in open(DATA / "hatecheck" / "data.jsonl")]
    named = [r for r in hate if r.get("target_ident")]
    covered = sum(any(g == r["target_ident"].lower() for _, g in groups_in(r["text"])) for r in named) / len(named)
    print(f"refusal detector: {false_refusals:.4f} of {len(pool)} TruthfulQA answers flagged (false positives); "
          f"{caught:.2f} of {len(REFUSALS)} bench refusal phrasings caught")
    print(f"lexicon: names the HateCheck target group in {covered:.3f} of {len(named)} cases")
    detected = 0
    for _ in range(50):
        injected = rng.choice(list(GROUPS))
        found = analyse(window(rng, pool, injected), outcomes=["refusal"])
        detected += any(c.disparate and c.segment == injected and c.rate_ratio > 1 for c in found)
    alarms = sum(any(c.disparate for c in analyse(window(rng, pool, None), outcomes=["refusal"]))
                 for _ in range(100))
    seconds = time.perf_counter() - started
    print(f"{PER_GROUP} calls per group, 5 groups, base refusal rate {BASE:.0%}, injected x{FACTOR:g}; "
          f"Holm-corrected alpha 0.01, four-fifths bar")
    print(json.dumps({"detection_rate": detected / 50, "false_alarm_rate": alarms / 100, "seconds": round(seconds, 1)}))


if __name__ == "__main__":
    sys.exit(main())
