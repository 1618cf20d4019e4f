"""Session fixtures: the real models (MiniLM, the toxicity head, Presidio + spaCy) load once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

DETOXIFY_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = ["you", "are", "a", "nice", "idiot", "person", "the", "weather", "is", "lovely", "today", "stupid",
         "thank", "for", "help", "i", "hate", "this", "great", "answer"]


@pytest.fixture(scope="session")
def encoder():
    from spyglass.evaluators.encoder import SentenceEncoder

    return SentenceEncoder(device="cpu")


@pytest.fixture(scope="session")
def ctx(encoder):
    from spyglass.evaluators.base import EvalContext

    return EvalContext(encoder=encoder, device="cpu")


@pytest.fixture(scope="session")
def toxicity():
    from spyglass.evaluators.toxicity import EmbeddingHeadToxicity

    return EmbeddingHeadToxicity()


@pytest.fixture(scope="session")
def pii():
    from spyglass.evaluators.pii import PIIEvaluator

    return PIIEvaluator()


@pytest.fixture(scope="session")
def tiny_detoxify_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Detoxify-format checkpoint of a small random BERT whose ``model_type`` is a local folder.

    Detoxify calls ``from_pretrained(model_type)`` for the config and tokenizer even with
    ``checkpoint=``; pointing ``model_type`` at a folder with config.json + vocab loads offline.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    root = tmp_path_factory.mktemp("tiny-detoxify")
    hf_dir = root / "tiny-bert"
    hf_dir.mkdir()
    vocab = hf_dir / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz"]) + "\n")
    BertTokenizer(str(vocab)).save_pretrained(hf_dir)
    config = BertConfig(vocab_size=5 + len(WORDS) + 26, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=len(DETOXIFY_CLASSES))
    config.save_pretrained(hf_dir)
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    checkpoint = {
        "config": {"arch": {"args": {"model_type": str(hf_dir), "model_name": "BertForSequenceClassification",
                                     "tokenizer_name": "BertTokenizer", "num_classes": len(DETOXIFY_CLASSES)}},
                   "dataset": {"args": {"classes": DETOXIFY_CLASSES}}},
        "state_dict": model.state_dict(),
    }
    path = root / "tiny.ckpt"
    torch.save(checkpoint, path)
    return path
