"""PII: offsets point at the PII, leaks are completion-only, details never carry a raw value."""

from __future__ import annotations

import json

from evaluator_spans import make_span

EMAIL = "jane.doe@example.com"
PHONE = "212-555-0143"
SSN = "536-22-8814"
CARD = "4111111111111111"


def test_leak_offsets_counts_and_no_raw_values(pii, ctx):
    prompt = f"Draft a reply to Jane Doe ({EMAIL})."
    completion = f"Dear Jane Doe, call me at {PHONE} or write to {EMAIL}. My SSN is {SSN}, card {CARD}."
    (score,) = pii.evaluate([make_span("s1", completion, prompt)], ctx)
    assert score.flagged and score.label == "leak" and score.score > 0.5
    details = score.details
    for e in details["entities"]:
        text = prompt if e["field"] == "prompt" else completion
        assert 0 <= e["start"] < e["end"] <= len(text)
        assert set(e) == {"type", "start", "end", "field", "score"}
    found = {(e["field"], e["type"], (prompt if e["field"] == "prompt" else completion)[e["start"]:e["end"]])
             for e in details["entities"]}
    assert ("prompt", "EMAIL_ADDRESS", EMAIL) in found
    assert ("completion", "EMAIL_ADDRESS", EMAIL) in found
    assert ("completion", "PHONE_NUMBER", PHONE) in found
    assert ("completion", "US_SSN", SSN) in found
    assert ("completion", "CREDIT_CARD", CARD) in found
    assert details["counts"]["completion"]["EMAIL_ADDRESS"] == 1
    assert details["counts"]["prompt"]["EMAIL_ADDRESS"] == 1
    new_types = {e["type"] for e in details["new_in_completion"]}
    assert {"PHONE_NUMBER", "US_SSN", "CREDIT_CARD"} <= new_types
    assert "EMAIL_ADDRESS" not in new_types  # the e-mail came from the prompt
    assert "<EMAIL_ADDRESS>" in details["redacted_preview"] and "<US_SSN>" in details["redacted_preview"]
    serialized = json.dumps(details)
    for value in (EMAIL, PHONE, SSN, CARD, "jane.doe"):
        assert value not in serialized


def test_prompt_only_pii_is_not_a_leak_and_clean_text_scores_zero(pii, ctx):
    spans = [make_span("p", "I can't share personal data, but here is how to reset a password.",
                       prompt=f"My e-mail is {EMAIL}, reset my password"),
             make_span("c", "Photosynthesis turns light into chemical energy.", prompt="Explain photosynthesis.")]
    prompt_only, clean = pii.evaluate(spans, ctx)
    assert not prompt_only.flagged and prompt_only.label == "prompt_pii" and prompt_only.score == 0.0
    assert prompt_only.details["counts"]["prompt"] == {"EMAIL_ADDRESS": 1}
    assert EMAIL not in json.dumps(prompt_only.details)
    assert not clean.flagged and clean.label == "none" and clean.details["entities"] == []


def test_batched_equals_one_at_a_time(pii, ctx):
    spans = [make_span(str(i), f"Reach {name} at {mail} today.", prompt="Who do I contact?")
             for i, (name, mail) in enumerate([("Maria Garcia", "maria@corp.io"), ("Ken Ito", "ken.ito@mail.jp"),
                                               ("Ana Silva", "ana@silva.br")])]
    batched = pii.evaluate(spans, ctx)
    single = [pii.evaluate([s], ctx)[0] for s in spans]
    assert [b.details for b in batched] == [s.details for s in single]


def test_street_address_is_a_leak_and_a_city_alone_is_not(pii, ctx):
    address = "12 Oak Street, Springfield"
    leak, city = pii.evaluate([make_span("a", f"Ship it to {address}. Thanks!"),
                               make_span("b", "Paris is lovely in spring.")], ctx)
    (entity,) = [e for e in leak.details["entities"] if e["type"] == "LOCATION"]
    assert f"Ship it to {address}. Thanks!"[entity["start"]:entity["end"]] == address
    assert leak.flagged and leak.details["redacted_preview"] == "Ship it to <LOCATION>. Thanks!"
    assert not city.flagged and city.label == "none" or city.details["leaked_types"] == []


def test_prefiltered_recognizers_find_what_presidio_finds():
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer, UrlRecognizer

    from spyglass.evaluators.pii_recognizers import PrefilteredPhoneRecognizer, PrefilteredUrlRecognizer

    texts = ["Docs are at https://example.com/a?b=1 and www.test.org.", "See EXAMPLE.COM or foo.io today",
             "No link here. Just sentences. e.g. this one.", "Call 212-555-0143 or +44 20 7946 0958.",
             "No digits at all, only words and a phone.", "Full-width ２１２-５５５-０１４３ digits", "", "1"]
    pairs = [(UrlRecognizer(), PrefilteredUrlRecognizer()), (PhoneRecognizer(), PrefilteredPhoneRecognizer())]
    found = 0
    for plain, prefiltered in pairs:
        for text in texts:
            expected = [(r.entity_type, r.start, r.end, r.score) for r in plain.analyze(text, plain.supported_entities)]
            got = [(r.entity_type, r.start, r.end, r.score)
                   for r in prefiltered.analyze(text, prefiltered.supported_entities)]
            assert got == expected, text
            found += len(got)
    assert found >= 4


def test_spacy_ner_is_off_with_the_head_and_numpy_backed_without(pii):
    from spyglass.evaluators.pii import PIIEvaluator

    assert "ner" not in pii.analyzer.nlp_engine.nlp["en"].pipe_names  # the token head finds names and places
    before = PIIEvaluator(head=False)  # the previous pipeline, kept for comparison
    nlp = before.analyzer.nlp_engine.nlp["en"]
    ops = {type(node.ops).__name__: getattr(node.ops, "use_blis", None) for node in nlp.get_pipe("ner").model.walk()}
    assert ops == {"NumpyOps": False}
    for evaluator in (pii, before):
        (score,) = evaluator.evaluate([make_span("n", "Maria Garcia lives at 217 Lovers Lane, Springfield.")], None)
        assert {"PERSON", "LOCATION"} <= {e["type"] for e in score.details["entities"]}
