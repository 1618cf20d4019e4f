"""MiniLM on CPU in int8: ONNX Runtime with weights quantized per output channel (precision "int8").

The shared encoder's transformer is exported from the loaded PyTorch model to ONNX once, its
linear layers' weights quantized to int8 (one scale per output channel; activations quantized at
run time, per tensor), and the file kept under the user's cache folder, keyed by the weights and
the library versions, so later starts load it in ~0.2 s. One graph gives both what the sentence
embeddings need (the last layer) and what the token heads read (``encoder_tokens.LAYERS``).

Measured on 2 cores (``bench/encoder_precision.py``, LLM-style answers): 2.0x the fp32 PyTorch
throughput, cosine to the fp32 sentence embeddings 0.993 on average (0.981 the lowest); ONNX
Runtime in fp32 was no faster than PyTorch, so the gain is the int8 products and a graph written
for one text (``_one_text_module``: 1.7x with the library's traced forward). The shipped heads,
trained on fp32, score the same through it (README, "Encoder precision"). The session runs one
thread per call, on the encoder's worker threads (one per core), one text at a time (see
``Int8Encoder.layers``). Where the export fails, the encoder stays fp32 (``SentenceEncoder``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_LAYERS = (3, 6)  # hidden_states indices returned, in this order (encoder_tokens.LAYERS)
EXPORT_FORM = "one text, constant head shapes"  # in the file's key: a changed graph is exported anew


def onnx_available() -> bool:
    """Whether ONNX Runtime and the ONNX exporter's package are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def cache_folder() -> Path:
    """Where exported models are kept: the ``model_cache`` setting (SPYGLASS_MODEL_CACHE), else ~/.cache/spyglass."""
    from spyglass.core.settings import EvaluatorSettings

    configured = EvaluatorSettings().model_cache
    return Path(configured) if configured else Path.home() / ".cache" / "spyglass"


def _fingerprint(model: Any) -> str:
    """A digest of the weights and of the versions that shape the exported file."""
    import onnxruntime
    import torch

    digest = hashlib.sha1(f"{torch.__version__} {onnxruntime.__version__} {EXPORT_LAYERS} {EXPORT_FORM}".encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _one_text_module(bert: Any) -> Any:
    """``bert`` as a module of one text's token ids (1, tokens) returning the ``EXPORT_LAYERS`` states.

    The same weights and operations as the Hugging Face forward, written for a batch of one with
    no padding: no attention mask, and head reshapes with constant shapes. Traced, the library's
    forward computes every shape from the input at run time (Shape, Gather, Concat nodes: 839
    nodes, 327 run per text); this graph runs 161: 10-13% less time per short text, and the int8
    encoder went from 1.7x to 2.0x fp32 (``bench/encoder_precision.py``).
    ``tests/evaluators/test_encoder_int8.py`` checks that its fp32 states equal the library's.
    """
    import torch

    if not hasattr(bert, "encoder") or not hasattr(bert.encoder.layer[0].attention, "self"):
        raise TypeError(f"the int8 export knows BERT-style encoders, not {type(bert).__name__}")
    heads = bert.config.num_attention_heads
    size = bert.config.hidden_size // heads

    class OneText(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any) -> tuple[Any, ...]:
            hidden = self.bert.embeddings(input_ids=input_ids)
            states = [hidden]
            for layer in self.bert.encoder.layer:
                attention = layer.attention.self
                q, k, v = (linear(hidden).view(1, -1, heads, size).transpose(1, 2)
                           for linear in (attention.query, attention.key, attention.value))
                weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(size), dim=-1)
                context = (weights @ v).transpose(1, 2).reshape(1, -1, heads * size)
                out = layer.attention.output
                hidden = out.LayerNorm(out.dense(context) + hidden)
                out = layer.output
                hidden = out.LayerNorm(out.dense(layer.intermediate(hidden)) + hidden)
                states.append(hidden)
            return tuple(states[layer] for layer in EXPORT_LAYERS)

    return OneText().eval()


def _export(model: Any, path: Path) -> None:
    """Write the int8 ONNX file of a Hugging Face BERT-style ``model`` (atomically: tmp + rename)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_suffix(f".fp32.{os.getpid()}.onnx")
    tmp = path.with_suffix(f".tmp.{os.getpid()}.onnx")
    outputs = [f"layer{layer}" for layer in EXPORT_LAYERS]
    axes = {name: {1: "tokens"} for name in ["input_ids", *outputs]}
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(_one_text_module(model), (torch.ones((1, 8), dtype=torch.long),), str(fp32),
                              input_names=["input_ids"], output_names=outputs,
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        root = logging.getLogger()
        level, root.level = root.level, logging.ERROR  # its advice to pre-process goes to the root logger
        try:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        tmp.replace(path)
    finally:
        fp32.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


_EXPORT_LOCK = threading.Lock()


class Int8Encoder:
    """The transformer of a sentence-transformers MiniLM as an int8 ONNX Runtime session."""

    def __init__(self, model: Any, folder: Path | None = None) -> None:
        import onnxruntime as ort

        path = (folder or cache_folder()) / f"minilm-int8-{_fingerprint(model)}.onnx"
        with _EXPORT_LOCK:
            if not path.exists():
                _export(model, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # runs come from the encoder's worker threads, one per core
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def layers(self, ids: list[int]) -> list[np.ndarray]:
        """Hidden states of ``EXPORT_LAYERS``, each (tokens, 384) float32, of one text's token ids.

        One text per run, never a padded batch: activations are quantized with one range per
        tensor, so in a batch a text's vector would depend on its batch-mates (a borderline
        insult scored 0.36 or 0.45 by the company it came in). Alone, a text always gets the
        same vector, and without padding the runs are no slower (4.6 s vs 5.0 s for 800 texts).
        """
        row = np.asarray([ids], dtype=np.int64)
        return [layer[0] for layer in self.session.run(None, {"input_ids": row})]

    def sentence_embeddings(self, texts_ids: list[list[int]]) -> np.ndarray:
        """L2-normalized mean of the last layer over each text's tokens (MiniLM's pooling)."""
        return np.stack([text_vector(self.layers(ids)[-1]) for ids in texts_ids])


def text_vector(last: np.ndarray) -> np.ndarray:
    """Normalized mean of one text's last-layer states (tokens, 384)."""
    mean = last.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)

