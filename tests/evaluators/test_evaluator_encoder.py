"""The shared encoder: packed, threaded and bf16 runs give the embeddings of plain fp32 MiniLM."""

from __future__ import annotations

import time

import numpy as np
import pytest

TEXTS = ["Short.", "The capital of France is Paris.", "  Leading and trailing spaces  ", "",
         " ".join(["A long answer about the quarterly report, the refund policy and the shipping delay."] * 12),
         "Shut up and read the manual, moron.", "The capital of France is Paris."]


@pytest.fixture(scope="module")
def fp32_encoder():
    from spyglass.evaluators.encoder import SentenceEncoder

    return SentenceEncoder(device="cpu", precision="fp32", workers=1)


def _reference(encoder, texts):
    """sentence-transformers' own encode: one text at a time, nothing packed or threaded."""
    return np.stack([encoder.model.encode([t], normalize_embeddings=True, convert_to_numpy=True)[0] for t in texts])


def test_packed_threaded_fp32_equals_sentence_transformers(fp32_encoder):
    from spyglass.evaluators.encoder import SentenceEncoder

    # a tiny token budget forces many batches, which two worker threads share
    encoder = SentenceEncoder(device="cpu", precision="fp32", token_budget=64, workers=2)
    vectors = encoder.embed(TEXTS * 3)
    reference = _reference(fp32_encoder, TEXTS * 3)
    assert vectors.shape == (len(TEXTS) * 3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    assert encoder.encoded == len(set(TEXTS))  # duplicates are encoded once


def test_bf16_embeddings_stay_within_cosine_0999_of_fp32(fp32_encoder):
    from spyglass.evaluators.encoder import SentenceEncoder

    encoder = SentenceEncoder(device="cpu", precision="bf16")
    vectors, reference = encoder.embed(TEXTS), _reference(fp32_encoder, TEXTS)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() >= 0.999
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_bf16_linears_keep_fp32_outside_the_feed_forward_block():
    import torch

    from spyglass.evaluators.encoder import use_bf16_linears

    class Intermediate(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = torch.nn.Linear(4, 8)

        def forward(self, x):
            return torch.nn.functional.gelu(self.dense(x))

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), Intermediate(), torch.nn.Linear(8, 4))
    x = torch.randn(3, 4)
    expected = model(x)
    assert use_bf16_linears(model) == 3
    assert model[1].dense.keep_bf16 and not model[0].keep_bf16 and not model[2].keep_bf16
    assert model[1](x).dtype == torch.bfloat16
    out = model(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected, atol=0.05, rtol=0.05)


def test_precision_choice():
    from spyglass.evaluators.encoder import bf16_is_faster, pick_precision
    from spyglass.evaluators.encoder_onnx import onnx_available

    assert pick_precision("cuda") == "fp16"
    assert pick_precision("cpu") == ("int8" if onnx_available() else "bf16" if bf16_is_faster() else "fp32")
    assert pick_precision("cpu", "fp32") == "fp32"


def test_embed_waits_for_a_text_another_thread_is_encoding(fp32_encoder):
    """A claimed text (the PII token pass has it) is not encoded twice: embed waits for its vector."""
    import threading

    encoder = fp32_encoder
    texts = ["Claimed by the token pass while toxicity asks for it.", "Not claimed by anyone."]
    claimed = encoder.claim(texts[:1])
    assert encoder.claim(texts[:1]) == []  # one claimer at a time
    got = {}
    waiter = threading.Thread(target=lambda: got.update(vectors=encoder.embed(texts)))
    encoded = encoder.encoded
    waiter.start()
    deadline = time.monotonic() + 30
    while encoder.encoded == encoded and time.monotonic() < deadline:
        time.sleep(0.01)
    waiter.join(timeout=0.5)
    assert waiter.is_alive() and encoder.encoded == encoded + 1  # its own text done, waiting for the other
    vector = _reference(encoder, texts[:1])
    encoder.remember(texts[:1], vector)
    encoder.release(claimed)
    waiter.join(timeout=30)
    np.testing.assert_allclose(got["vectors"][0], vector[0])
    assert encoder.encoded == encoded + 1  # the claimed text came from the claimer's pass


def test_a_claim_released_without_a_vector_is_encoded_by_the_waiter(fp32_encoder):
    encoder = fp32_encoder
    text = "The claimer failed before it could remember this one."
    claimed = encoder.claim([text])
    encoder.release(claimed)  # as token_states does in its finally when its pass raised
    np.testing.assert_allclose(encoder.embed([text]), _reference(encoder, [text]), atol=1e-5)


def test_lanes_asking_a_fresh_lazy_encoder_at_once_share_one_model():
    from concurrent.futures import ThreadPoolExecutor

    from spyglass.evaluators.engine import LazyEncoder

    lazy = LazyEncoder("cpu", precision="fp32")
    with ThreadPoolExecutor(2) as pool:  # the two evaluator lanes of a fresh `spyglass score`
        first, second = pool.map(lambda _: lazy.encoder, range(2))
    assert first is second
    vector = lazy.embed(["The capital of France is Paris."])
    assert vector.shape == (1, 384) and np.isfinite(vector).all()
