"""Hashed character and word n-gram features for the toxicity head (stateless: no vocabulary)."""

from __future__ import annotations

from typing import Any, Sequence

NGRAM_CONFIG: dict[str, Any] = {
    "char": {"analyzer": "char_wb", "ngram_range": [2, 5], "n_features": 2**18},
    "word": {"analyzer": "word", "ngram_range": [1, 2], "n_features": 2**17},
    "mask_identity": True,  # group names -> one placeholder (toxicity_text.mask_identity_terms)
}


def _vectorizer(cfg: dict[str, Any]):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer=cfg["analyzer"], ngram_range=tuple(cfg["ngram_range"]),
                             n_features=cfg["n_features"], alternate_sign=False, lowercase=True,
                             norm="l2")


def ngram_features(texts: Sequence[str], config: dict[str, Any] = NGRAM_CONFIG):
    """A sparse (n_texts, char + word features) matrix; same columns for any input, no fitting."""
    from scipy.sparse import hstack

    if config.get("mask_identity"):  # absent from models trained before it: texts as written
        from spyglass.evaluators.toxicity_text import mask_identity_terms

        texts = [mask_identity_terms(t) for t in texts]
    parts = [_vectorizer(config[k]).transform(list(texts)) for k in ("char", "word")]
    return hstack(parts, format="csr")
