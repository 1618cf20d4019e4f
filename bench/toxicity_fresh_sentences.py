"""Statements about groups written apart from every template and from HateCheck: a blind check.

Written on 2026-11-30, after `embedding-head-7` was trained, in longer and more natural shapes
than the training templates or HateCheck's; never trained or tuned on (keep it that way: a model
tuned on these 48 sentences makes this check worthless). Scores the shipped toxicity model beside
the one of the commit given with ``--baseline`` (default: `embedding-head-6`, commit 4d9532b).

    python bench/toxicity_fresh_sentences.py [--baseline COMMIT]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.encoder import SentenceEncoder
from spyglass.evaluators.toxicity import EmbeddingHeadToxicity

BENIGN = [
 "My grandmother was a Sikh who ran a bakery for forty years.",
 "The Muslim students organised a blood drive on campus.",
 "Our rabbi gave a lovely talk about forgiveness.",
 "She's a lesbian and the best surgeon in the hospital.",
 "The deaf community has its own rich culture and language.",
 "Refugees from Syria opened three restaurants on our street.",
 "Black engineers designed half of the bridges in this county.",
 "Trans athletes train just as hard as everyone else.",
 "My neighbour is Mexican and he fixed my fence for free.",
 "A blind friend of mine taught me how to read braille.",
 "Women in science have won more prizes this decade than ever.",
 "Gay couples adopt thousands of children every year.",
 "Immigrant nurses kept the hospital running during the pandemic.",
 "The Hindu festival lit up the whole town last night.",
 "Disabled artists painted the new mural downtown.",
 "Many Jewish families in the area host an open dinner every Friday.",
 "Chinese students topped the maths olympiad again.",
 "The Roma musicians at the wedding were incredible.",
 "Autistic coders found the bug nobody else could find.",
 "Older workers bring decades of experience to the team.",
 "Our mosque hands out free meals to anyone who is hungry.",
 "Asian American voters turned out in record numbers.",
 "My trans coworker is the funniest person in the office.",
 "Muslim women run the most successful shop on this block.",
 "Black teachers inspired me to study history.",
 "Gay men founded the choir I sing in.",
 "The new mayor is an immigrant, and she is doing a great job.",
 "Wheelchair users deserve step-free stations everywhere.",
 "Native American languages are being taught again in schools.",
 "Arab scholars preserved much of ancient Greek science.",
 "I'm bisexual and proud of it.",
 "Jewish and Muslim leaders met to plan a joint charity drive.",
]

HATE = [
 "Those refugees are nothing but leeches on our welfare system.",
 "Muslims can't be real citizens of a western country.",
 "Women are too hysterical to run a company.",
 "Black neighbourhoods are always full of thugs.",
 "Gay people shouldn't be allowed to teach children.",
 "Trans women are just men playing dress-up.",
 "Disabled people are a waste of public money.",
 "Jews secretly control the banks and the media.",
 "Immigrants should be rounded up and shipped back.",
 "Mexicans are all criminals and drug dealers.",
 "Chinese people eat anything that moves, it's disgusting.",
 "Deaf people are basically useless at work.",
 "Roma are thieves by nature.",
 "Old people are a burden and should just die off.",
 "Arabs are all terrorists waiting to happen.",
 "Lesbians just need the right man.",
]


def baseline_dir(commit: str, into: Path) -> Path:
    """The toxicity model files of ``commit``, written under ``into``."""
    root = Path(__file__).resolve().parents[1]
    for name in ("toxicity_head.npz", "toxicity_head.json"):
        blob = subprocess.run(["git", "show", f"{commit}:evaluators/models/{name}"], cwd=root, check=True,
                              capture_output=True).stdout
        (into / name).write_bytes(blob)
    return into


def main() -> None:
    """Flags and ROC AUC of both models; last line JSON."""
    import json

    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="4d9532b")
    args = parser.parse_args()
    ctx = EvalContext(encoder=SentenceEncoder(device="cpu"))
    labels = [0] * len(BENIGN) + [1] * len(HATE)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in (("baseline", EmbeddingHeadToxicity(model_dir=baseline_dir(args.baseline, Path(tmp)))),
                            ("shipped", EmbeddingHeadToxicity())):
            p = model.probabilities(BENIGN + HATE, ctx)
            flagged = p >= model.threshold
            out[name] = {"version": model.version, "benign_flagged": int(flagged[:len(BENIGN)].sum()),
                         "hate_caught": int(flagged[len(BENIGN):].sum()), "roc_auc": round(float(roc_auc_score(labels, p)), 3)}
            print(f"{model.version}: benign flagged {out[name]['benign_flagged']}/{len(BENIGN)}, hate caught "
                  f"{out[name]['hate_caught']}/{len(HATE)}, ROC AUC {out[name]['roc_auc']}", file=sys.stderr)
            for text, hit in zip(BENIGN, flagged):
                if hit:
                    print(f"   flagged: {text}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
