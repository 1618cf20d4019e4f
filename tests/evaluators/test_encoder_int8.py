"""The int8 encoder (ONNX Runtime): close to fp32 MiniLM, the same token offsets, exported once."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

TEXTS = ["Short.", "The capital of France is Paris.", "",
         " ".join(["A long answer about the quarterly report, the refund policy and the shipping delay."] * 40),
         "Call Maria Garcia on 212-555-0142, she lives at 12 Oak Avenue, Springfield.",
         "Shut up and read the manual, moron."]


@pytest.fixture(scope="module")
def encoders(tmp_path_factory, monkeypatch_module):
    from spyglass.evaluators.encoder import SentenceEncoder

    monkeypatch_module.setenv("SPYGLASS_MODEL_CACHE", str(tmp_path_factory.mktemp("models")))
    return SentenceEncoder(device="cpu", precision="fp32"), SentenceEncoder(device="cpu", precision="int8")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_exported_one_text_forward_equals_the_librarys_in_fp32(encoders):
    import torch

    from spyglass.evaluators.encoder_onnx import EXPORT_LAYERS, _one_text_module

    fp32, _ = encoders
    bert = fp32.model[0].auto_model
    for text in (TEXTS[1], TEXTS[4]):
        ids = fp32.model.tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.inference_mode():
            library = bert(input_ids=ids, output_hidden_states=True).hidden_states
            mine = _one_text_module(bert)(ids)
        for layer, states in zip(EXPORT_LAYERS, mine):
            torch.testing.assert_close(states, library[layer], atol=1e-5, rtol=1e-4)


def test_int8_sentence_embeddings_stay_close_to_fp32(encoders):
    fp32, int8 = encoders
    vectors, reference = int8.embed(TEXTS), fp32.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() >= 0.97 and cosine.mean() >= 0.985
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # still an embedding of the text, not of its neighbours: each vector is nearest its own reference
    assert (np.argmax(vectors @ reference.T, axis=1) == np.arange(len(TEXTS))).all()


def test_a_texts_int8_vector_does_not_depend_on_its_batch_mates(encoders):
    _, int8 = encoders
    text = "Thanks for the report. You are an idiot though."
    alone = int8._run_model([text])
    for mates in (TEXTS, TEXTS[3:5], ["Hi."] * 30):
        together = int8._run_model([*mates, text])
        np.testing.assert_array_equal(together[-1], alone[0])


def test_int8_token_states_have_fp32s_tokens_and_offsets(encoders):
    from spyglass.evaluators.encoder_tokens import STATE_DIM, token_states

    fp32, int8 = encoders
    for a, b in zip(token_states(int8, TEXTS), token_states(fp32, TEXTS)):
        assert a.states.shape == b.states.shape and a.states.shape[1:] == (STATE_DIM,)
        np.testing.assert_array_equal(a.offsets, b.offsets)
        if len(a.states):
            cosine = (a.states * b.states).sum(1) / np.linalg.norm(a.states, axis=1) / np.linalg.norm(b.states, axis=1)
            assert cosine.min() >= 0.95
    # the token pass stores each text's sentence vector: the same as embedding it directly
    fresh = TEXTS[4] + " Again."
    token_states(int8, [fresh])
    encoded = int8.encoded
    np.testing.assert_allclose(int8.embed([fresh]), int8._run_model([fresh]), atol=1e-5)
    assert int8.encoded == encoded  # came from the cache the token pass filled


def test_the_exported_model_is_reused_by_later_starts(encoders):
    from spyglass.evaluators.encoder_onnx import Int8Encoder

    fp32, int8 = encoders
    written = int8.int8.path.stat().st_mtime_ns
    again = Int8Encoder(fp32.model[0].auto_model)  # the same weights (the int8 encoder dropped its copy)
    assert again.path == int8.int8.path and again.path.stat().st_mtime_ns == written
    assert list(again.path.parent.glob("*.tmp.*")) == [] and list(again.path.parent.glob("*.fp32.*")) == []


def test_an_int8_export_that_fails_leaves_an_fp32_encoder(tmp_path, monkeypatch, caplog):
    from spyglass.evaluators import encoder_onnx
    from spyglass.evaluators.encoder import SentenceEncoder

    def fail(model, path):
        raise PermissionError(f"{path.parent} is read-only")

    monkeypatch.setenv("SPYGLASS_MODEL_CACHE", str(tmp_path / "empty"))
    monkeypatch.setattr(encoder_onnx, "_export", fail)
    encoder = SentenceEncoder(device="cpu", precision="int8")
    assert encoder.precision == "fp32" and encoder.int8 is None
    assert "int8 encoder unavailable (PermissionError" in caplog.text
    assert encoder.embed(["Still scored."]).shape == (1, 384)
