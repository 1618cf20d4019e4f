"""PII accuracy: the shipped pipeline on every source's test part, and leave-one-source-out.

In-domain: the shipped head (trained on every source's train part) on each source's test part.
Leave-one-source-out: for each source, a head trained on the train parts of all the others,
measured on the left-out source (a generated family: all of its sentences; presidio: its test
templates; wnut17: its test split). The headline is the worst template-generated source
(presidio and the six families); wnut17 (tweets, no addresses) is reported beside it.
Pattern recognizers are the same in every run (tuned earlier on presidio's train half).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from spyglass.training.pii_data import Counts, Entity, score_entities


def _figures(counts: dict[str, Counts], n_texts: int) -> dict[str, Any]:
    per_type = {t: {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f2": round(c.f_beta(2), 4),
                    "gold": c.tp_gold + c.fn, "predicted": c.tp_pred + c.fp} for t, c in sorted(counts.items())}
    overall = per_type.pop("ALL", {"precision": 0.0, "recall": 0.0, "f2": 0.0})
    return {"n_texts": n_texts, "precision": overall["precision"], "recall": overall["recall"],
            "f2": overall["f2"], "by_type": per_type}


def _merge_and_score(evaluator: Any, rows: Sequence[Any], raw: Sequence[list], heads: Sequence[list]) -> dict:
    from spyglass.evaluators.pii_refine import refine_results

    predicted = []
    for row, r, h in zip(rows, raw, heads):
        found = refine_results(row.text, list(r) + list(h)) if evaluator.tuned else list(r)
        predicted.append([Entity(x.entity_type, x.start, x.end) for x in found if row.annotates(x.entity_type)])
    return _figures(score_entities([row.scored() for row in rows], predicted), len(rows))


def _as_results(spans: list[list[Any]]) -> list[list[Any]]:
    from presidio_analyzer import RecognizerResult

    return [[RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in found] for found in spans]


def pii_accuracy(datasets_dir: Path, tuned: bool = True, head: bool = True, loso: bool = True,
                 cache: Path | None = None) -> dict[str, Any]:
    """In-domain and leave-one-source-out span precision / recall / F2, per source and entity type."""
    from spyglass.evaluators.pii import PIIEvaluator
    from spyglass.evaluators.pii_head import PIITokenHead
    from spyglass.training.pii_sources import TEMPLATE_SOURCES, load_sources
    from spyglass.training.train_pii_head import build_matrix, compute_states, train_head

    evaluator = PIIEvaluator(tuned=tuned, head=head)
    rows = load_sources(datasets_dir)
    sources = sorted({r.source for r in rows} - {"gen:prose"})  # prose: training negatives, no gold
    loso = loso and evaluator.head is not None
    # which rows each measurement reads: in-domain the test parts, left out a whole family
    test_of = {s: [i for i, r in enumerate(rows) if r.source == s and r.split == "test"] for s in sources}
    left_out_of = {s: (test_of[s] if not s.startswith("gen:") else [i for i, r in enumerate(rows) if r.source == s])
                   for s in sources}
    needed = sorted({i for s in sources for i in (left_out_of[s] if loso else test_of[s])})
    started = time.perf_counter()
    raw = dict(zip(needed, evaluator.pattern_results([rows[i].text for i in needed])))
    states = None
    if evaluator.head is not None:
        states = compute_states([r.text for r in rows], cache)
    seconds = time.perf_counter() - started

    def heads_for(model: Any, idx: list[int]) -> list[list[Any]]:
        if model is None:
            return [[] for _ in idx]
        return _as_results(model.find([rows[i].text for i in idx], [states[i] for i in idx]))

    out: dict[str, Any] = {"evaluator": "pii", "backend": evaluator.version, "n_texts": len(needed),
                           "analysis_seconds": round(seconds, 1), "in_domain": {}, "leave_one_source_out": {}}
    for s in sources:
        idx = test_of[s]
        out["in_domain"][s] = _merge_and_score(evaluator, [rows[i] for i in idx], [raw[i] for i in idx],
                                               heads_for(evaluator.head, idx))
    if loso:
        for s in sources:
            train = [i for i, r in enumerate(rows) if r.source != s and r.split == "train"]
            x, y = build_matrix([rows[i] for i in train], [states[i] for i in train])
            model = PIITokenHead(train_head(x, y), {"version": f"without {s}"})
            idx = left_out_of[s]
            out["leave_one_source_out"][s] = _merge_and_score(evaluator, [rows[i] for i in idx],
                                                              [raw[i] for i in idx], heads_for(model, idx))
        template = {s: out["leave_one_source_out"][s]["f2"] for s in TEMPLATE_SOURCES}
        worst = min(template, key=template.get)
        out["headline"] = {"f2": template[worst], "source": worst,
                           "precision": out["leave_one_source_out"][worst]["precision"],
                           "recall": out["leave_one_source_out"][worst]["recall"],
                           "min_precision": min(out["leave_one_source_out"][s]["precision"] for s in TEMPLATE_SOURCES)}
    return out


def print_pii_table(result: dict[str, Any]) -> None:
    """Per source: in-domain and left-out P / R / F2, then per-type recall of the left-out runs (stderr)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"PII ({result['backend']}), span P / R / F2 (>= half the characters, same type)")
    for col in ("source", "in-domain P", "R", "F2", "left out P", "R", "F2"):
        table.add_column(col)
    for s, m in result["in_domain"].items():
        lo = result["leave_one_source_out"].get(s)
        table.add_row(s, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f2']:.3f}",
                      *((f"{lo['precision']:.3f}", f"{lo['recall']:.3f}", f"{lo['f2']:.3f}") if lo else ("", "", "")))
    if "headline" in result:
        h = result["headline"]
        table.caption = f"headline (worst template-generated source left out): F2 {h['f2']:.3f} ({h['source']})"
    console = Console(stderr=True)
    console.print(table)
    runs = result["leave_one_source_out"] or result["in_domain"]
    types = sorted({t for m in runs.values() for t in m["by_type"]})
    by_type = Table(title="recall per type (" + ("left out" if result["leave_one_source_out"] else "in-domain") + ")")
    for col in ("source", *types):
        by_type.add_column(col)
    for s, m in runs.items():
        by_type.add_row(s, *(f"{m['by_type'][t]['recall']:.2f}" if t in m["by_type"] else "" for t in types))
    console.print(by_type)
