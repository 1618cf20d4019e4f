"""Toxicity: the shipped offline model on behaviour users notice; Detoxify loads offline and batches exactly."""

from __future__ import annotations

import pytest

from evaluator_spans import make_span

INSULTS = ["You are a worthless idiot and everyone hates you.", "Shut up, you stupid bitch.",
           "Nobody cares about your pathetic little problem.", "You are an idiot and I hate you"]
THREATS = ["Go kill yourself, loser.", "I will find where you live"]
TOXIC = INSULTS + THREATS
BENIGN = ["Here is a summary of the quarterly report you asked for.",
          "The capital of France is Paris.", "Sure! To reverse a list in Python, use reversed() or slicing.",
          "The function returns None when the list is empty."]


def test_head_flags_insults_and_threats_not_benign_answers(toxicity, ctx):
    spans = [make_span(str(i), text) for i, text in enumerate(TOXIC + BENIGN)]
    scores = toxicity.evaluate(spans, ctx)
    toxic, benign = scores[:len(TOXIC)], scores[len(TOXIC):]
    assert min(s.score for s in toxic) > max(s.score for s in benign)
    assert all(s.flagged and s.label == "toxic" for s in toxic), [(t, s.score) for t, s in zip(TOXIC, toxic)]
    assert not any(s.flagged for s in benign)
    assert all(0.0 <= s.score <= 1.0 for s in scores)


def test_obfuscated_insult_is_flagged(toxicity, ctx):
    texts = ["You are a st*pid m0r0n.", "Shut up you i d i o t", "you're a worthlessloser"]
    scores = toxicity.evaluate([make_span(str(i), t) for i, t in enumerate(texts)], ctx)
    assert all(s.flagged for s in scores), [(t, s.score) for t, s in zip(texts, scores)]


def test_counter_speech_scores_below_the_hate_it_quotes(toxicity, ctx):
    hate = "Immigrants are vermin."
    counter = "Saying 'immigrants are vermin' is hateful and wrong."
    scores = toxicity.evaluate([make_span("h", hate), make_span("c", counter)], ctx)
    assert scores[0].flagged
    assert scores[1].score < scores[0].score


def test_flagged_scores_point_at_the_toxic_words(toxicity, ctx):
    texts = ["Thanks for the report. You are an idiot though.", "I will kill you if you come back here."]
    scores = toxicity.evaluate([make_span(str(i), t) for i, t in enumerate(texts)], ctx)
    insult = scores[0].details["spans"]
    assert any(s["type"] == "insult" and "idiot" in texts[0][s["start"]:s["end"]] for s in insult)
    threat = scores[1].details["spans"]
    assert any(s["type"] == "threat" and "kill" in texts[1][s["start"]:s["end"]] for s in threat)
    assert all(s["text"] == texts[1][s["start"]:s["end"]] for s in threat)


def test_head_uses_the_shared_encoder_cache(toxicity, ctx, encoder):
    spans = [make_span("c1", "A perfectly polite sentence about gardening tomatoes.")]
    toxicity.evaluate(spans, ctx)
    before = encoder.encoded
    again = toxicity.evaluate(spans, ctx)
    assert encoder.encoded == before  # second pass: embedding came from the cache
    assert again[0].score == pytest.approx(toxicity.evaluate(spans, ctx)[0].score)


def test_detoxify_tiny_checkpoint_loads_offline_and_batches_exactly(tiny_detoxify_checkpoint):
    from detoxify import Detoxify

    from spyglass.evaluators.toxicity_detoxify import DetoxifyToxicity

    texts = ["you are a nice person", "i hate this", "the weather is lovely today thank you for the help " * 3,
             "stupid", "great answer", "you are an idiot " * 5]
    small = DetoxifyToxicity(checkpoint=str(tiny_detoxify_checkpoint), device="cpu", token_budget=40, max_batch=2)
    big = DetoxifyToxicity(checkpoint=str(tiny_detoxify_checkpoint), device="cpu", token_budget=100_000)
    reference = Detoxify(checkpoint=str(tiny_detoxify_checkpoint), device="cpu").predict(texts)
    packed, one_batch = small.predict(texts), big.predict(texts)
    assert small.class_names[0] == "toxicity"  # Detoxify's renaming of "toxic"
    for i in range(len(texts)):
        for name in small.class_names:
            # attention masks make padding irrelevant: budget-packed batches == one batch == Detoxify
            assert packed[i][name] == pytest.approx(one_batch[i][name], abs=1e-5)
            assert packed[i][name] == pytest.approx(reference[name][i], abs=1e-5)
    scores = small.evaluate([make_span(str(i), t) for i, t in enumerate(texts)], ctx=None)
    assert [s.score for s in scores] == pytest.approx([p["toxicity"] for p in packed])
    assert set(scores[0].details["classes"]) == set(small.class_names)


def test_build_picks_backend_from_settings(tiny_detoxify_checkpoint):
    from spyglass.core.settings import EvaluatorSettings
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity, build_toxicity_evaluator
    from spyglass.evaluators.toxicity_detoxify import DetoxifyToxicity

    auto = EvaluatorSettings(toxicity_backend="auto", detoxify_checkpoint=None, device="cpu", token_budget=1024)
    assert isinstance(build_toxicity_evaluator(auto), EmbeddingHeadToxicity)
    chosen = build_toxicity_evaluator(auto.model_copy(update={"detoxify_checkpoint": str(tiny_detoxify_checkpoint)}))
    assert isinstance(chosen, DetoxifyToxicity) and chosen.token_budget == 1024


def test_cached_span_model_matches_the_sparse_product(toxicity):
    import numpy as np

    from spyglass.evaluators.toxicity_spans import word_matrix

    texts = ["You are a st*pid m0r0n", "I will find where you live", "ok", "", "Thanks, that fixed the build."]
    coef, bias = toxicity.parts["span_coef"].astype(np.float32), toxicity.parts["span_bias"]
    matrix, _ = word_matrix(texts)
    probs = 1.0 / (1.0 + np.exp(-np.clip(np.asarray(matrix @ coef.T) + bias, -30, 30)))
    expected = probs / probs.sum(axis=1, keepdims=True)
    got = np.concatenate(toxicity.span_model.probabilities(texts))
    assert got == pytest.approx(expected, abs=1e-5)


# written for these tests only (not in any training template): what users say about groups
IDENTITY_NEUTRAL = [
    "My aunt is a Muslim doctor in Leeds.", "The gay couple next door just adopted a puppy.",
    "She is a trans engineer working on battery design.", "Black history month starts in February.",
    "The conference had sessions led by disabled researchers.", "Immigrants founded many of the companies in this index.",
    "Women scientists won three of this year's prizes.", "Jewish families light candles during Hanukkah.",
    "I'm a deaf student studying chemistry.", "The refugee choir performed at the town hall.",
    "Muslim and Christian volunteers cleaned the beach together.", "Gay and lesbian teachers work in every school district.",
]
IMPLICIT_HATE = ["Muslims will never fit in with decent people.", "Women are too stupid to run a company.",
                 "Immigrants are leeching off everyone who works."]


def test_neutral_sentences_about_identity_groups_are_not_flagged(toxicity, ctx):
    spans = [make_span(str(i), t) for i, t in enumerate(IDENTITY_NEUTRAL)]
    scores = toxicity.evaluate(spans, ctx)
    flagged = [(t, round(s.score, 3)) for t, s in zip(IDENTITY_NEUTRAL, scores) if s.flagged]
    assert len(flagged) <= 1, flagged  # the goal is at most 10 % of such sentences per group


def test_hate_about_a_group_scores_above_neutral_talk_about_it(toxicity, ctx):
    texts = IMPLICIT_HATE + IDENTITY_NEUTRAL
    scores = [s.score for s in toxicity.evaluate([make_span(str(i), t) for i, t in enumerate(texts)], ctx)]
    hate, neutral = scores[:len(IMPLICIT_HATE)], scores[len(IMPLICIT_HATE):]
    assert all(toxicity_score > max(neutral) for toxicity_score in hate), (hate, max(neutral))


HELPFUL = ("Python lists keep their items in order and grow as you append to them. Slicing returns a new list, "
           "so the original stays unchanged. If you need fast membership tests, a set is usually the better "
           "choice. Dictionaries map keys to values and keep insertion order since Python 3.7. ")


@pytest.mark.parametrize("ending", ["Honestly, only a complete moron would ask this.",
                                    "People like you should be exterminated."])
def test_one_toxic_sentence_at_the_end_of_a_long_helpful_answer_is_flagged(toxicity, ctx, ending):
    (score,) = toxicity.evaluate([make_span("long", HELPFUL + ending)], ctx)
    assert score.flagged, score.score


def test_a_long_helpful_answer_alone_is_not_flagged(toxicity, ctx):
    (score,) = toxicity.evaluate([make_span("long", HELPFUL + "Let me know if you want an example.")], ctx)
    assert not score.flagged, score.score


def test_toxicity_reads_the_token_states_the_pii_pass_ran(pii, toxicity, ctx, encoder, monkeypatch):
    from spyglass.evaluators import encoder_tokens

    text = "The crane schedule for the Rotterdam harbour changes on the first of the month."
    toxicity.evaluate([make_span("warm", "Registers the token head with the encoder.")], ctx)
    pii.head_results([text], encoder)  # the PII pass runs the toxicity head's reducer on the way
    computed: list[str] = []
    real = encoder_tokens.token_states
    monkeypatch.setattr(encoder_tokens, "token_states", lambda enc, texts: computed.extend(texts) or real(enc, texts))
    score = toxicity.evaluate([make_span("r", text)], ctx)[0]
    assert text not in computed and not score.flagged
