"""Toxicity figures: in-domain test split, leave-one-source-out, and HateCheck per functionality.

- in-domain: the shipped model on every source's test split (never trained or tuned on);
- leave-one-source-out: for each public source, the model is refit (same recipe as
  ``training/train_toxicity.py``) on the other sources' train splits, its stacker and
  threshold on their validation splits, and measured on every row of the left-out source;
  the headline is the worst ROC AUC;
- HateCheck (a behavioural test suite, never trained or tuned on): the shipped model's accuracy
  per functionality, overall without ``profanity_nh`` and ``target_*_nh`` (abuse a toxicity
  evaluator may rightly flag), and the false-positive rate on neutral / positive statements
  about each target group.
Embeddings come from the training cache (``training/toxicity_cache.py``): the same shared
encoder, computed once per text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

LENIENT = ("profanity_nh", "target_obj_nh", "target_indiv_nh", "target_group_nh")


class _CachedEncoder:
    """The shared encoder's embeddings through the training cache (same model, each text once)."""

    def embed(self, texts):
        from spyglass.training.toxicity_cache import cached_embeddings

        return cached_embeddings(list(texts))

    def token_states(self, texts):
        from spyglass.training.toxicity_token_head import cached_token_states

        table = cached_token_states(list(texts))
        return [table.of(i) for i in range(len(texts))]


def _metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    flags = p >= threshold
    prec, rec, f1, _ = precision_recall_fscore_support(y, flags, average="binary", zero_division=0)
    return {"n": int(len(y)), "positives": int(y.sum()),
            "roc_auc": round(float(roc_auc_score(y, p)), 4) if 0 < y.sum() < len(y) else None,
            "precision": round(float(prec), 4), "recall": round(float(rec), 4), "f1": round(float(f1), 4)}


def in_domain(evaluator: Any, rows: list) -> dict[str, Any]:
    """The shipped model on each source's test split, and on the public sources pooled."""
    from spyglass.evaluators.base import EvalContext

    test = [r for r in rows if r.split == "test"]
    probs = evaluator.probabilities([r.text for r in test], EvalContext(encoder=_CachedEncoder()))
    y = np.array([r.toxic for r in test])
    source = np.array([r.source for r in test])
    out = {name: _metrics(y[source == name], probs[source == name], evaluator.threshold)
           for name in dict.fromkeys(source)}
    public = source != "benign_llm"
    out["pooled (not benign_llm)"] = _metrics(y[public & (source != "generated")],
                                              probs[public & (source != "generated")], evaluator.threshold)
    out["benign_llm"]["flagged"] = round(float((probs[source == "benign_llm"] >= evaluator.threshold).mean()), 4)
    return out


def leave_one_source_out(rows: list, sources: tuple[str, ...] | None = None,
                         held_out_precision: str | None = None) -> dict[str, Any]:
    """Per public source (or those given): refit without it, measure on all of its rows; 'worst_roc_auc' is the headline.

    ``held_out_precision`` (e.g. int8): the left-out rows are embedded at that precision while the
    refit reads the training precision's, as a running Spyglass scores with heads trained on fp32.
    """
    from spyglass.evaluators.toxicity_model import predict, sentence_pieces, with_sentences
    from spyglass.evaluators.toxicity_ngrams import ngram_features
    from spyglass.evaluators.toxicity_spans import SpanModel
    from spyglass.evaluators.toxicity_text import normalize_text
    from spyglass.training.toxicity_cache import cached_embeddings
    from spyglass.training.toxicity_fit import span_training_words
    from spyglass.training.toxicity_sources import PUBLIC_SOURCES
    from spyglass.training.toxicity_token_head import cached_token_states, table_logits
    from spyglass.training.train_toxicity import fit_rows

    # features of every row once; each fold takes its rows' slices
    texts = [normalize_text(r.text) for r in rows]
    states = cached_token_states(texts)  # first: the same pass fills the embedding cache
    emb, ng = cached_embeddings(texts), ngram_features(texts)
    words, labels, row_of = span_training_words(rows)
    source = np.array([r.source for r in rows])
    split = np.array([r.split for r in rows])
    out: dict[str, Any] = {}
    for left_out in sources or PUBLIC_SOURCES:
        tr = np.flatnonzero((source != left_out) & (split == "train"))
        va = np.flatnonzero((source != left_out) & (split == "validation"))
        in_tr = np.zeros(len(rows), dtype=bool)
        in_tr[tr] = True
        keep = in_tr[row_of]
        parts, meta = fit_rows([rows[i] for i in tr], [rows[i] for i in va], emb[tr], emb[va], ng[tr], ng[va],
                               (words[keep], labels[keep]), states.take(tr), states.take(va))
        held = np.flatnonzero(source == left_out)
        held_texts = [texts[i] for i in held]
        if held_out_precision:
            held_tokens = table_logits(parts, cached_token_states(held_texts, precision=held_out_precision))
            held_emb = cached_embeddings(held_texts, precision=held_out_precision)
        else:
            held_tokens, held_emb = table_logits(parts, states, held), emb[held]
        spans = SpanModel(parts["span_coef"], parts["span_bias"])
        probs = predict(parts, spans, held_emb, ng[held], held_texts, held_tokens)
        # as the evaluator does: each sentence of a longer text scored too (toxicity_model.with_sentences)
        pieces, owner, count = sentence_pieces(held_texts)
        if pieces:
            piece_tokens = table_logits(parts, cached_token_states(pieces, precision=held_out_precision))
            piece_probs = predict(parts, spans, cached_embeddings(pieces, precision=held_out_precision),
                                  ngram_features(pieces), pieces, piece_tokens)
            probs = with_sentences(probs, piece_probs, owner, count)
        out[left_out] = {**_metrics(np.array([rows[i].toxic for i in held]), probs, meta["threshold"]),
                         "threshold": round(meta["threshold"], 4)}
    out["worst_roc_auc"] = min(m["roc_auc"] for m in out.values())
    return out


def hatecheck(evaluator: Any, datasets_dir: Path) -> dict[str, Any]:
    """Accuracy per functionality, the overall figures and per-target false positives on identity statements."""
    from sklearn.metrics import roc_auc_score

    from spyglass.evaluators.base import EvalContext
    from spyglass.training.toxicity_sources import load_hatecheck

    cases = load_hatecheck(datasets_dir)
    probs = evaluator.probabilities([c.text for c in cases], EvalContext(encoder=_CachedEncoder()))
    flags = probs >= evaluator.threshold
    right = flags == np.array([bool(c.toxic) for c in cases])
    func = np.array([c.functionality for c in cases])
    per = {f: {"n": int((func == f).sum()), "hateful": bool(cases[int(np.flatnonzero(func == f)[0])].toxic),
               "accuracy": round(float(right[func == f].mean()), 4)} for f in sorted(set(func))}
    counted = ~np.isin(func, LENIENT)
    ident = np.isin(func, ("ident_neutral_nh", "ident_pos_nh"))
    targets = np.array([c.target or "" for c in cases])
    fpr = {t: round(float(flags[ident & (targets == t)].mean()), 4) for t in sorted(set(targets[ident]))}
    # implicit derogation vs neutral / positive statements about the same groups: how well the model
    # ranks what is said about a group rather than which group is named (threshold-free)
    about = np.isin(func, ("derog_impl_h", "ident_neutral_nh", "ident_pos_nh"))
    return {"implicit_vs_identity_auc": round(float(roc_auc_score(func[about] == "derog_impl_h", probs[about])), 4),
            "accuracy_without_lenient": round(float(right[counted].mean()), 4),
            "accuracy_all": round(float(right.mean()), 4),
            "threat_dir_h": per["threat_dir_h"]["accuracy"],
            "lenient_flagged": round(float(flags[~counted].mean()), 4),
            "identity_statement_fpr_by_target": fpr, "by_functionality": per}


LONG_ANSWER_SOURCES = ("civil", "stormfront", "wikipedia", "hatexplain", "davidson", "generated")


def long_answers(evaluator: Any, rows: list, seed: int = 0, per_length: int = 400) -> dict[str, Any]:
    """A toxic test text (5-25 words) inside a long benign answer made of 2, 4 or 8 benign LLM-style
    test answers (15-60 words each), against the same number of benign answers alone: ROC AUC,
    recall and false positives at the threshold, per length. Test splits only."""
    import random

    from sklearn.metrics import roc_auc_score

    from spyglass.evaluators.base import EvalContext

    test = [r for r in rows if r.split == "test"]
    benign = [r.text for r in test if r.source == "benign_llm" and 15 <= len(r.text.split()) <= 60]
    toxic = [r.text for r in test if r.source in LONG_ANSWER_SOURCES and r.toxic and 5 <= len(r.text.split()) <= 25]
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    for parts in (0, 2, 4, 8):
        texts, labels = [], []
        for i in range(per_length):
            chosen = rng.sample(benign, max(parts, 1) if i % 2 == 0 else parts)
            if i % 2:
                chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(toxic))
            texts.append(" ".join(chosen))
            labels.append(i % 2)
        probs = evaluator.probabilities(texts, EvalContext(encoder=_CachedEncoder()))
        y, flags = np.array(labels), probs >= evaluator.threshold
        out[f"benign_answers_{parts}"] = {"roc_auc": round(float(roc_auc_score(y, probs)), 4),
                                          "recall": round(float(flags[y == 1].mean()), 4),
                                          "false_positive_rate": round(float(flags[y == 0].mean()), 4)}
    return out


def toxicity_report(datasets_dir: Path, loso: bool = True, held_out_precision: str | None = None) -> dict[str, Any]:
    """All three figures for the shipped offline model (the JSON the accuracy command prints)."""
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity
    from spyglass.training.toxicity_sources import load_sources

    evaluator = EmbeddingHeadToxicity()
    rows = load_sources(datasets_dir)
    out: dict[str, Any] = {"evaluator": "toxicity", "backend": evaluator.version,
                           "threshold": round(evaluator.threshold, 4), "in_domain_test": in_domain(evaluator, rows),
                           "hatecheck": hatecheck(evaluator, datasets_dir),
                           "long_answers": long_answers(evaluator, rows)}
    if loso:
        out["leave_one_source_out"] = leave_one_source_out(rows, held_out_precision=held_out_precision)
    out["roc_auc"] = out["in_domain_test"]["pooled (not benign_llm)"]["roc_auc"]
    return out


def print_tables(result: dict[str, Any]) -> None:
    """The report as tables on stderr."""
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    sections = [("in-domain test split", result["in_domain_test"])]
    if "leave_one_source_out" in result:
        sections.append(("leave one source out (measured on all rows of the source left out)",
                         {k: v for k, v in result["leave_one_source_out"].items() if k != "worst_roc_auc"}))
    for title, block in sections:
        table = Table(title=f"toxicity ({result['backend']}): {title}")
        for col in ("source", "n", "toxic", "ROC AUC", "precision", "recall", "F1"):
            table.add_column(col)
        for name, m in block.items():
            auc = "-" if m["roc_auc"] is None else f"{m['roc_auc']:.4f}"
            table.add_row(name, str(m["n"]), str(m["positives"]), auc, f"{m['precision']:.3f}",
                          f"{m['recall']:.3f}", f"{m['f1']:.3f}")
        console.print(table)
    hc = result["hatecheck"]
    table = Table(title="HateCheck per functionality (never trained or tuned on)")
    for col in ("functionality", "n", "hateful", "accuracy"):
        table.add_column(col)
    for name, m in hc["by_functionality"].items():
        table.add_row(name, str(m["n"]), "yes" if m["hateful"] else "no", f"{m['accuracy']:.3f}")
    table.caption = (f"accuracy without profanity_nh / target_*_nh: {hc['accuracy_without_lenient']:.3f}; "
                     f"direct threats {hc['threat_dir_h']:.3f}; implicit derogation vs identity statements ROC AUC "
                     f"{hc['implicit_vs_identity_auc']:.3f}; identity-statement FPR by target: "
                     + ", ".join(f"{k} {v:.0%}" for k, v in hc["identity_statement_fpr_by_target"].items()))
    console.print(table)
    table = Table(title="a toxic test text inside a long benign answer (test splits)")
    for col in ("benign answers around it", "ROC AUC", "recall", "false positives"):
        table.add_column(col)
    for name, m in result.get("long_answers", {}).items():
        table.add_row(name.rsplit("_", 1)[1], f"{m['roc_auc']:.3f}", f"{m['recall']:.3f}",
                      f"{m['false_positive_rate']:.3f}")
    console.print(table)
