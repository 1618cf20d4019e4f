"""The shared encoder: packed, threaded and bf16 runs give the embeddings of plain fp32 MiniLM."""

from __future__ import annotations

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

    assert pick_precision("cuda") == "fp16"
    assert pick_precision("cpu") == ("bf16" if bf16_is_faster() else "fp32")
    assert pick_precision("cpu", "fp32") == "fp32"
