"""The shared encoder on CPU: int8 ONNX Runtime beside fp32 PyTorch, same texts, same run.

    nice -n 10 python bench/encoder_precision.py [--texts 1500] [--rounds 3]

Texts are the evaluator benchmark's span completions and prompts (LLM-style answers, some with
PII or rudeness). Each round embeds them with a fresh cache under each precision in turn
(alternating, so both see the same machine load), then runs the token pass the PII head uses.
Prints tokens/s for each and their ratio, the cosine between the two precisions' sentence
embeddings and token states, and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluators import make_spans  # noqa: E402  (bench/evaluators.py)

from spyglass.evaluators.encoder import SentenceEncoder  # noqa: E402
from spyglass.evaluators.encoder_tokens import token_states  # noqa: E402


def timed(encoder: SentenceEncoder, texts: list[str]) -> tuple[float, float, np.ndarray]:
    """Seconds for sentence embeddings and for the token pass, with an emptied cache; and the embeddings."""
    encoder._cache.clear()
    started = time.perf_counter()
    vectors = encoder.embed(texts)
    sentence_s = time.perf_counter() - started
    started = time.perf_counter()
    token_states(encoder, texts)
    return sentence_s, time.perf_counter() - started, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    spans = make_spans(args.texts // 2 + 1, seed=7)
    texts = [t for s in spans for t in (s["completion"], s["prompt"])][:args.texts]
    encoders = {p: SentenceEncoder(device="cpu", precision=p) for p in ("fp32", "int8")}
    tokens = sum(encoders["fp32"].tokenizer_lengths(texts))
    timed(encoders["fp32"], texts[:64]), timed(encoders["int8"], texts[:64])  # warm-up
    times: dict[str, list[tuple[float, float]]] = {p: [] for p in encoders}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for p, encoder in encoders.items():
            sentence_s, token_s, vectors[p] = timed(encoder, texts)
            times[p].append((sentence_s, token_s))
            print(f"round {r + 1} {p}: sentences {tokens / sentence_s:,.0f} tokens/s, "
                  f"token pass {tokens / token_s:,.0f} tokens/s", file=sys.stderr)
    cos = (vectors["fp32"] * vectors["int8"]).sum(1)
    states = {p: token_states(e, texts[:200]) for p, e in encoders.items()}
    state_cos = np.concatenate([
        (a.states * b.states).sum(1) / np.linalg.norm(a.states, axis=1) / np.linalg.norm(b.states, axis=1)
        for a, b in zip(states["fp32"], states["int8"]) if len(a.states)])
    med = {p: tuple(statistics.median(t[i] for t in times[p]) for i in range(2)) for p in times}
    out = {"texts": len(texts), "tokens": tokens,
           "fp32_sentence_tokens_per_s": round(tokens / med["fp32"][0]),
           "int8_sentence_tokens_per_s": round(tokens / med["int8"][0]),
           "sentence_ratio": round(med["fp32"][0] / med["int8"][0], 2),
           "fp32_token_pass_tokens_per_s": round(tokens / med["fp32"][1]),
           "int8_token_pass_tokens_per_s": round(tokens / med["int8"][1]),
           "token_pass_ratio": round(med["fp32"][1] / med["int8"][1], 2),
           "sentence_cosine_mean": round(float(cos.mean()), 4), "sentence_cosine_min": round(float(cos.min()), 4),
           "token_state_cosine_mean": round(float(state_cos.mean()), 4),
           "token_state_cosine_p01": round(float(np.quantile(state_cos, 0.01)), 4)}
    print(f"int8 / fp32: sentences {out['sentence_ratio']}x, token pass {out['token_pass_ratio']}x; cosine "
          f"{out['sentence_cosine_mean']} (min {out['sentence_cosine_min']})", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
