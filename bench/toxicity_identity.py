"""The toxicity evaluator's own bias: false positives on non-hateful sentences naming identity groups.

HateCheck's ``ident_neutral_nh`` ("I am a Muslim.") and ``ident_pos_nh`` ("I love women.") cases
are not hateful; any flag on them is a false positive. Printed per target group, with the goal
of issue 16: every group at or below 10 %, and none above twice the lowest. Whatever model the
configured toxicity evaluator uses is measured (it was not tuned on these cases by this script).

    python bench/toxicity_identity.py     # last line: JSON per group and the verdict
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "hatecheck" / "data.jsonl"
FUNCTIONALITIES = ("ident_neutral_nh", "ident_pos_nh")


def main() -> None:
    from spyglass.evaluators.base import EvalContext
    from spyglass.evaluators.encoder import SentenceEncoder, pick_device
    from spyglass.core.settings import EvaluatorSettings
    from spyglass.evaluators.registry import load_evaluators

    started = time.perf_counter()
    cases = [r for r in map(json.loads, open(DATA)) if r["functionality"] in FUNCTIONALITIES]
    device = pick_device("auto")
    ctx = EvalContext(encoder=SentenceEncoder(device=device), device=device)
    (toxicity,) = load_evaluators(["toxicity"], EvaluatorSettings())
    scores = toxicity.evaluate([{"completion": r["text"], "prompt": ""} for r in cases], ctx)
    flagged: dict[str, list[int]] = defaultdict(list)
    for case, score in zip(cases, scores):
        flagged[case["target_ident"]].append(int(score.flagged))
    rates = {group: sum(v) / len(v) for group, v in sorted(flagged.items())}
    for group, rate in rates.items():
        print(f"{group:<18} n={len(flagged[group]):>3}  false-positive rate {rate:.3f}")
    lowest, highest = min(rates.values()), max(rates.values())
    verdict = {"all_at_most_10pct": highest <= 0.10, "max_within_2x_min": highest <= 2 * lowest if lowest else highest == 0}
    print(f"{toxicity.name} {toxicity.version}: max {highest:.3f}, min {lowest:.3f}; goals met: {verdict}")
    print(json.dumps({"false_positive_rate": rates, **verdict, "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    sys.exit(main())
