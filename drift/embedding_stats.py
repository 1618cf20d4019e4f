"""Embedding drift: can a classifier tell the reference window's texts from the current window's?

Takes two arrays of L2-normalized embeddings (rows) and subsamples each side to ``max_n`` so a run
costs the same on 1,000 or 1,000,000 spans. (MMD with a permutation test was tried: at p-values
small enough for a Bonferroni threshold it needs thousands of permutations, and its gamma
approximation raised false alarms on templated prompts; see drift/README.md.)
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from spyglass.drift.stats import TestResult, _histogram


def _subsample(rows: np.ndarray, max_n: int, rng: np.random.Generator) -> np.ndarray:
    if len(rows) <= max_n:
        return rows
    return rows[rng.choice(len(rows), max_n, replace=False)]


def _duplicate_groups(x: np.ndarray) -> np.ndarray:
    """One id per distinct row: identical texts must fall in the same fold, or the classifier
    memorises a repeated prompt and "detects" drift in stationary traffic."""
    _, ids = np.unique(np.round(x, 5), axis=0, return_inverse=True)
    return ids.ravel()


def _projected(x: np.ndarray, dims: int, rng: np.random.Generator) -> np.ndarray:
    """Top principal components of the pooled rows, standardised (a better-posed, faster fit).

    Randomized subspace iteration (Halko et al.): a full eigendecomposition of the 384x384
    covariance costs ten times more on a busy 2-core machine and changes nothing here.
    """
    centred = x - x.mean(axis=0)
    basis = rng.normal(size=(x.shape[1], min(dims + 8, x.shape[1])))
    for _ in range(3):
        basis, _ = np.linalg.qr(centred.T @ (centred @ basis))
    reduced = centred @ basis
    _, vectors = np.linalg.eigh(reduced.T @ reduced)  # ascending eigenvalues
    z = reduced @ vectors[:, ::-1][:, :dims]
    return z / (z.std(axis=0) + 1e-9)


def _out_of_fold_scores(x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Logistic-regression decision scores, each row scored by a model that never saw its group."""
    fold_of_group = rng.permutation(groups.max() + 1) % folds
    fold = fold_of_group[groups]
    scores = np.empty(len(y))
    for k in range(folds):
        test = fold == k
        if not test.any():
            continue
        if len(np.unique(y[~test])) < 2:  # a degenerate split: no signal to learn from
            scores[test] = 0.0
            continue
        model = LogisticRegression(C=0.1, max_iter=300).fit(x[~test], y[~test])
        scores[test] = model.decision_function(x[test])
    return scores


def domain_auc(reference: np.ndarray, current: np.ndarray, max_n: int = 1000, folds: int = 5,
               dims: int = 32, tail: float = 0.1, seed: int = 0) -> TestResult:
    """Can a classifier tell the windows apart? Statistic: its out-of-fold ROC AUC.

    Logistic regression on the top ``dims`` principal components, cross-validated with identical
    texts kept in one fold. Two one-sided tests of the out-of-fold scores, Bonferroni-combined:
    Mann-Whitney (AUC is U/(n1*n2); catches a broad shift) and a hypergeometric test of the
    current window's share of the top ``tail`` of scores (catches a small new cluster, e.g. a
    10% new topic, which moves the AUC by 0.05 at most).

    Effect size: the larger of AUC - 0.5 (a broad shift) and the current window's excess share of
    the top ``tail`` of scores (its share there minus its share overall; 0.25 when a 10% new topic
    fills half the top decile). Both are 0 without drift and 0.5 when the windows separate.
    """
    rng = np.random.default_rng(seed)
    ref, cur = _subsample(reference, max_n, rng), _subsample(current, max_n, rng)
    x = np.vstack([ref, cur]).astype(np.float64)
    y = np.concatenate([np.zeros(len(ref)), np.ones(len(cur))])
    # small matrices: one BLAS thread is ~15x faster than two fighting other work on 2 busy cores
    with threadpool_limits(limits=1, user_api="blas"):
        scores = _out_of_fold_scores(_projected(x, min(dims, x.shape[1]), rng), y, _duplicate_groups(x), folds, rng)
    auc = float(roc_auc_score(y, scores))
    p_rank = float(stats.mannwhitneyu(scores[y == 1], scores[y == 0], alternative="greater").pvalue)
    top = np.argsort(-scores, kind="stable")[: max(int(len(scores) * tail), 1)]
    in_top = int(y[top].sum())
    p_tail = float(stats.hypergeom.sf(in_top - 1, len(y), len(cur), len(top)))
    excess = in_top / len(top) - len(cur) / len(y)
    return TestResult("domain_auc", auc, min(1.0, 2 * min(p_rank, p_tail)), max(auc - 0.5, excess), {
        "test": "mann_whitney+top_tail", "p_rank": p_rank, "p_tail": p_tail, "auc_minus_half": auc - 0.5, "top_excess_share": excess,
        "current_share_of_top": in_top / len(top), "folds": folds, "dims": dims,
        "reference_sampled": len(ref), "current_sampled": len(cur),
        "histogram": _histogram(scores[y == 0], scores[y == 1]), "histogram_of": "classifier score"})
