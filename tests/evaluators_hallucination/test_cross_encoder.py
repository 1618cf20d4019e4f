"""The cross-encoder backend's plumbing with a tiny random BERT NLI model built on the spot.

The weights are random, so the test checks what does not depend on them: loading through
sentence-transformers' CrossEncoder, picking the entailment column, chunking to the model's
(tiny) limit, token-budget packing, and a well-formed score per span.
"""

from pathlib import Path

import pytest

from spyglass.evaluators.base import EvalContext
from spyglass.evaluators.hallucination import CrossEncoderBackend, HallucinationEvaluator
from spyglass.evaluators.hallucination.nli import support_column

WORDS = ("the a of in was is by and tower paris france built completed designed company eiffel fair "
         "world report section policy council founded observatory astronomer 1889 1923 it he").split()


@pytest.fixture(scope="module")
def tiny_nli_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 64-position BertForSequenceClassification with NLI labels and a tokenizer."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny_nli")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + list(WORDS)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), model_max_length=64)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=3,
                        id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                        label2id={"contradiction": 0, "entailment": 1, "neutral": 2})
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_support_column_reads_the_label_names() -> None:
    assert support_column({0: "contradiction", 1: "entailment", 2: "neutral"}, 3) == 1
    assert support_column({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, 3) == 0
    assert support_column({0: "LABEL_0", 1: "LABEL_1"}, 2) == 1
    with pytest.raises(ValueError):
        support_column({0: "a", 1: "b", 2: "c"}, 3)


def test_tiny_cross_encoder_end_to_end(tiny_nli_path: Path, eval_context: EvalContext) -> None:
    backend = CrossEncoderBackend(str(tiny_nli_path), device="cpu", top_k=2, token_budget=256)
    assert backend.support == 1 and backend.max_length == 64
    evaluator = HallucinationEvaluator(backend)
    long_doc = " ".join(f"Section {i} of the report was built by the council." for i in range(40))
    spans = [
        {"completion": "The tower was built in 1889. It is in Paris.", "prompt": "q",
         "context": [long_doc + " The eiffel tower was completed in 1889."], "context_sources": ["doc"]},
        {"completion": "It was founded in 1923.", "prompt": "q", "context": ["The observatory was founded in 1923."],
         "context_sources": []},
        {"completion": "No context here.", "prompt": "q", "context": []},
    ]
    first, second, third = evaluator.evaluate(spans, eval_context)
    assert third.label == "not_evaluable"
    for score in (first, second):
        assert 0.0 <= score.score <= 1.0
        assert score.label in ("grounded", "hallucinated") and score.flagged == (score.score >= 0.5)
        assert score.details["backend"] == "cross-encoder"
    assert len(first.details["claims"]) == 2
    assert first.details["chunks_checked"] > 5  # the 40-sentence document does not fit 64 tokens
    assert backend.token_lengths([long_doc])[0] > backend.max_length
    assert backend.pairs_scored == 2 * 2 + 1  # top_k chunks per claim, packed and scored once each
