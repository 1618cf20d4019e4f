"""Generated LLM traffic with known shifts, for the drift tests and ``bench/drift.py``.

Texts come from a fixed pool (so their embeddings can be computed once and sampled); a window
is a set of indices into the pool plus numeric and categorical columns.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

SHIFTS = ("topic", "length", "latency", "model")
MODELS = ("gpt-4o-mini", "claude-3-5-sonnet")
NEW_MODEL = "gpt-4o-mini-2025-06"
_TOPICS = {
    "billing": ("I was charged twice for my {x} plan", "my invoice for {x} shows the wrong amount",
                "how do I update the payment card on my {x} subscription", "why did my {x} bill go up"),
    "shipping": ("my {x} order has not arrived yet", "the tracking number for my {x} does not work",
                 "can I change the delivery address of my {x} order", "the {x} package arrived damaged"),
    "account": ("I cannot reset the password of my {x} account", "how do I enable two factor login for {x}",
                "please delete my {x} profile and data", "my {x} account was locked after a login attempt"),
    "technical": ("the {x} app crashes when I open settings", "sync between {x} devices keeps failing",
                  "I get a timeout error when exporting from {x}", "the {x} integration returns error 500"),
}
_NEW_TOPIC = ("what is a good recipe for {x} with garlic", "how long should I roast {x} in the oven",
              "which wine goes well with {x} for dinner", "can I replace butter with olive oil when baking {x}")
_PRODUCTS = ("premium", "family", "pro", "starter", "laptop", "headphones", "camera", "router", "desk", "phone")
_DISHES = ("lamb", "salmon", "chicken thighs", "sourdough bread", "vegetable lasagna", "pumpkin soup",
           "beef stew", "lemon cake", "mushroom risotto", "apple pie")
_DETAILS = ("I already tried restarting.", "This is urgent for my team.", "Thanks in advance.",
            "It started yesterday evening.", "Please answer briefly.", "I am on the latest version.",
            "Can you explain step by step?", "My colleague has the same problem.")
_ANSWERS = ("Sorry about that. {s} Let me check the details and fix it.", "Thanks for reaching out. {s} Here is what to do.",
            "I understand. {s} Please follow these steps.")


@dataclass
class TextPool:
    """Prompts (and matching completions) by topic; ``new_topic`` marks the shifted topic."""

    prompts: list[str]
    completions: list[str]
    new_topic: np.ndarray  # bool per text
    sentences: np.ndarray  # number of detail sentences per prompt (drives length)


def build_pool(size: int = 480, new_topic_size: int = 120, seed: int = 11) -> TextPool:
    """Unique prompts over four support topics plus one unrelated (cooking) topic."""
    rng = random.Random(seed)
    prompts: list[str] = []
    completions: list[str] = []
    new: list[bool] = []
    sentences: list[int] = []
    seen: set[str] = set()
    while len(prompts) < size + new_topic_size:
        is_new = len(prompts) >= size
        templates = _NEW_TOPIC if is_new else rng.choice(list(_TOPICS.values()))
        core = rng.choice(templates).format(x=rng.choice(_DISHES if is_new else _PRODUCTS))
        extra = rng.randint(0, 4)
        prompt = " ".join([core[0].upper() + core[1:] + "."] + rng.sample(_DETAILS, extra))
        if prompt in seen:
            continue
        seen.add(prompt)
        prompts.append(prompt)
        completions.append(rng.choice(_ANSWERS).format(s=core.replace("I ", "you ").replace("my ", "your ")))
        new.append(is_new)
        sentences.append(extra)
    return TextPool(prompts, completions, np.array(new), np.array(sentences))


@dataclass
class Window:
    """One window of generated LLM calls: pool indices plus span columns."""

    text_index: np.ndarray
    latency_ms: np.ndarray
    prompt_tokens: np.ndarray
    completion_tokens: np.ndarray
    models: list[str]
    prompt_versions: list[str]
    tags: list[list[str]]


def generate_window(pool: TextPool, n: int, rng: np.random.Generator, shift: str | None = None,
                    share: float = 0.1) -> Window:
    """``n`` calls; ``shift`` in SHIFTS changes one aspect (``share`` of calls for topic/model)."""
    base = np.flatnonzero(~pool.new_topic)
    weights = np.ones(len(base))
    if shift == "length":  # longer prompts: favour prompts with more detail sentences
        weights = (1.0 + pool.sentences[base]) ** 2
    index = rng.choice(base, n, p=weights / weights.sum())
    if shift == "topic":
        moved = rng.random(n) < share
        index[moved] = rng.choice(np.flatnonzero(pool.new_topic), int(moved.sum()))
    prompt_chars = np.array([len(pool.prompts[i]) for i in index])
    latency = rng.lognormal(np.log(900.0), 0.5, n) * (1.5 if shift == "latency" else 1.0)
    models = [MODELS[i] for i in rng.integers(0, len(MODELS), n)]
    if shift == "model":
        models = [NEW_MODEL if rng.random() < max(share, 0.2) else m for m in models]
    tags = [["faq"] if r < 0.6 else (["faq", "escalated"] if r < 0.7 else []) for r in rng.random(n)]
    return Window(index, latency, (prompt_chars / 4 + rng.integers(150, 170, n)).astype(np.int64),
                  rng.integers(30, 300, n), models, ["3" if r < 0.9 else "2" for r in rng.random(n)], tags)


def window_spans(pool: TextPool, window: Window, project: str, service: str, start: float,
                 seconds: float) -> list[dict[str, Any]]:
    """Wire-format LLM spans for a window, spread evenly over [start, start + seconds)."""
    spans = []
    step = seconds / max(len(window.text_index), 1)
    for i, text in enumerate(window.text_index):
        t0 = start + i * step
        spans.append({"trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16], "project": project,
                      "service": service, "name": "chat", "kind": "llm", "start_time": t0,
                      "end_time": t0 + float(window.latency_ms[i]) / 1000.0, "model": window.models[i],
                      "prompt": pool.prompts[text], "completion": pool.completions[text],
                      "prompt_tokens": int(window.prompt_tokens[i]),
                      "completion_tokens": int(window.completion_tokens[i]),
                      "prompt_name": "support-answer", "prompt_version": window.prompt_versions[i],
                      "tags": window.tags[i]})
    return spans


def window_sample(pool: TextPool, window: Window, prompt_vectors: np.ndarray | None = None,
                  completion_vectors: np.ndarray | None = None) -> "WindowSample":
    """The ``WindowSample`` the monitor would build from this window's spans (embeddings optional)."""
    from spyglass.drift.compare import WindowSample
    from spyglass.drift.stats import category_counts

    index = window.text_index
    sample = WindowSample(len(index), numeric={
        "prompt_length": np.array([len(pool.prompts[i]) for i in index], dtype=np.float64),
        "completion_length": np.array([len(pool.completions[i]) for i in index], dtype=np.float64),
        "prompt_tokens": window.prompt_tokens.astype(np.float64),
        "completion_tokens": window.completion_tokens.astype(np.float64),
        "latency_ms": window.latency_ms,
    }, categorical={"model": category_counts(window.models),
                    "prompt_version": category_counts(window.prompt_versions),
                    "tags": category_counts(window.tags)})
    if prompt_vectors is not None:
        sample.embeddings["prompt_embedding"] = prompt_vectors[index]
    if completion_vectors is not None:
        sample.embeddings["completion_embedding"] = completion_vectors[index]
    return sample
