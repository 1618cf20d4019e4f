"""Claim splitting and context chunking: pure functions, no model."""

from spyglass.evaluators.hallucination.chunking import approx_token_counts, chunk_context, chunk_document
from spyglass.evaluators.hallucination.claims import decontextualize, split_claims, split_sentences


def test_sentences_respect_abbreviations_and_glued_periods() -> None:
    text = "Dr. Smith lives in Paris. He moved there in 1999!Is it nice? J. K. Rowling agrees."
    assert split_sentences(text) == ["Dr. Smith lives in Paris.", "He moved there in 1999!", "Is it nice?",
                                     "J. K. Rowling agrees."]


def test_claims_split_at_independent_clauses_but_keep_short_pieces() -> None:
    claims = split_claims("Paris is the capital of France, and it has about two million residents; "
                          "the tower opened in 1889. Yes, really.")
    assert claims == ["Paris is the capital of France", "and it has about two million residents",
                      "the tower opened in 1889.", "Yes, really."]
    assert split_claims("Delhi") == ["Delhi"]
    assert split_claims("   ") == []


def test_fragment_claims_are_read_with_the_question() -> None:
    assert decontextualize("Delhi", "Intro. Which city hosts the head office?") == \
        "Which city hosts the head office? Delhi"
    assert decontextualize("The head office is in Delhi.", "Which city?") == "The head office is in Delhi."


def test_chunks_cover_every_sentence_within_the_budget() -> None:
    sentences = [f"Sentence number {i} talks about topic {i * 7} in some detail." for i in range(200)]
    chunks = chunk_document(" ".join(sentences), budget=64)
    assert len(chunks) > 10
    assert max(approx_token_counts(chunks)) <= 64
    joined = " ".join(chunks)
    assert all(s in joined for s in sentences)
    assert sentences[-1] in chunks[-1]


def test_an_overlong_sentence_is_cut_not_truncated() -> None:
    words = " ".join(f"w{i}" for i in range(500))
    chunks = chunk_document(words, budget=50)
    assert " ".join(chunks).split() == words.split()
    assert max(approx_token_counts(chunks)) <= 50


def test_chunks_carry_document_and_source() -> None:
    chunks = chunk_context(["First doc.", "Second doc. More."], ["kb://a", ""], budget=100)
    assert [(c.doc_index, c.source) for c in chunks] == [(0, "kb://a"), (1, "context[1]")]
