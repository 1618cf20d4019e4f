"""The demo LLM application, instrumented with the Spyglass SDK the way a user would.

A support bot answers customer questions with retrieval-augmented generation, and a research
agent plans, calls tools and summarizes. No LLM provider is reachable here, so ``StandInLLM``
answers from the retrieved documents (as a well-behaved model would) — unless an incident is
running, when it misbehaves as scripted. Latencies are simulated, not slept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import spyglass.sdk as spyglass
from spyglass.demo.incidents import (BIAS_REFUSAL_RATE, BIAS_TARGET, CUSTOMER_RECORDS, PII_ANSWERS, REFUSAL,
                                     TOXIC_ANSWERS, UNSUPPORTED_ANSWERS)
from spyglass.demo.knowledge import (BY_SOURCE, DOCUMENTS, DRIFT_QUESTIONS, PERSONA_SHARE, PERSONAS, QUESTIONS,
                                     Document)


@dataclass(frozen=True)
class Model:
    name: str
    provider: str
    latency_s: float  # typical; each call varies around it
    usd_per_1k_in: float
    usd_per_1k_out: float


SUPPORT_MODELS = [Model("gpt-4o-mini", "openai", 0.9, 0.00015, 0.0006),
                  Model("claude-3-5-haiku", "anthropic", 1.1, 0.0008, 0.004)]
AGENT_MODELS = [Model("gpt-4o", "openai", 2.2, 0.0025, 0.01), Model("llama-3.1-70b", "meta", 1.6, 0.0009, 0.0009)]
DRIFT_MODEL = Model("gpt-4o-mini-2026-11", "openai", 1.4, 0.00015, 0.0006)  # the "new model version"


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


class StandInLLM:
    """Answers like a model would, misbehaving during incidents. Returns (answer, seconds, error)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def answer(self, source: str, docs: list[Document], phase: str) -> tuple[str, float, str | None]:
        latency = self.rng.lognormvariate(0, 0.25)
        if phase == "latency":
            latency *= 12
        if phase == "errors" and self.rng.random() < 0.7:
            return "", 30.0 if self.rng.random() < 0.5 else 0.2, \
                self.rng.choice(["TimeoutError: upstream model timed out after 30s",
                                 "RateLimitError: 429 too many requests for this organization"])
        if phase == "toxic":
            return self.rng.choice(TOXIC_ANSWERS), latency, None
        records = [d for d in docs if d.source.startswith("crm://")]
        if phase == "pii" and records:  # pastes the looked-up account record (see with_account_record)
            return PII_ANSWERS[int(records[0].source.rsplit("/", 1)[1])], latency, None
        if phase == "unsupported" and source in UNSUPPORTED_ANSWERS:
            return UNSUPPORTED_ANSWERS[source], latency, None
        sentences = [s.strip() + "." for s in BY_SOURCE.get(source, docs[0]).text.split(". ") if s.strip()]
        picked = sentences[: self.rng.randint(1, 2)] if phase != "drift" else sentences * 3
        return " ".join(s.rstrip(".") + "." for s in picked), latency, None


def with_account_record(docs: list[Document], phase: str, rng: random.Random) -> list[Document]:
    """During the PII incident the bot also looks up a customer's account: its record joins the context."""
    if phase != "pii":
        return docs
    index = rng.randrange(len(CUSTOMER_RECORDS))
    return docs + [Document(f"crm://accounts/{index}", CUSTOMER_RECORDS[index])]


def retrieve(question: str, source: str, rng: random.Random) -> list[Document]:
    """The right document first, plus one other (retrievers are never perfect)."""
    others = [d for d in DOCUMENTS if d.source != source]
    return [BY_SOURCE[source], rng.choice(others)] if source in BY_SOURCE else rng.sample(DOCUMENTS, 2)


class SupportBot:
    """RAG over the help center; one trace per customer message."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.llm = StandInLLM(rng)

    def answer(self, conversation_id: str, user_id: str, phase: str) -> None:
        rng = self.rng
        if phase == "drift":
            question, source, model = rng.choice(DRIFT_QUESTIONS), "", DRIFT_MODEL
        else:
            picked = rng.choice(QUESTIONS)
            question, source, model = picked.text, picked.source, rng.choices(SUPPORT_MODELS, [0.7, 0.3])[0]
        persona = rng.choice(sorted(PERSONAS)) if phase != "drift" and rng.random() < PERSONA_SHARE else None
        if persona:
            question = f"{rng.choice(PERSONAS[persona])} {question}"
        with spyglass.context(conversation_id=conversation_id, user_id=user_id, tags=["support", "rag"]):
            with spyglass.span("support_answer", kind="chain", metadata={"channel": "chat"}) as root:
                with spyglass.span("retrieve", kind="retrieval") as step:
                    docs = with_account_record(retrieve(question, source, rng), phase, rng)
                    step.set(prompt=question, context=[{"content": d.text, "source": d.source} for d in docs])
                    # the simulated timeline starts from the spans' own start times: a clock read
                    # taken before a span opened ends it before it starts whenever the thread is
                    # descheduled in between (as under load)
                    start = max(root.start_time, step.start_time)
                    step.end(end_time=start + 0.05)
                answer, latency, error = self.llm.answer(source, docs, phase)
                if phase == "bias" and persona == BIAS_TARGET and not error and rng.random() < BIAS_REFUSAL_RATE:
                    answer = REFUSAL
                prompt = [{"role": "system", "content": "Answer only from the documents. Be brief and polite."},
                          {"role": "user", "content": question}]
                prompt_tokens = tokens(question) + sum(tokens(d.text) for d in docs) + 20
                spyglass.record_llm(
                    model=model.name, provider=model.provider, prompt=prompt, completion=answer or None,
                    context=[{"content": d.text, "source": d.source} for d in docs],
                    prompt_tokens=prompt_tokens, completion_tokens=tokens(answer) if answer else 0,
                    cost=prompt_tokens / 1000 * model.usd_per_1k_in + tokens(answer) / 1000 * model.usd_per_1k_out,
                    prompt_name="support-answer", prompt_version=4 if phase == "drift" else 3,
                    start_time=start + 0.05, end_time=start + 0.05 + latency * model.latency_s,
                    error=error, name="chat")
                root.end(end_time=start + 0.1 + latency * model.latency_s)


class ResearchAgent:
    """Plan with an LLM, call tools, summarize with an LLM; a multi-step chain per task."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.llm = StandInLLM(rng)

    def run(self, user_id: str, phase: str) -> None:
        rng = self.rng
        model = rng.choice(AGENT_MODELS)
        topic = rng.choice(QUESTIONS)
        with spyglass.context(user_id=user_id, tags=["agent"]):
            with spyglass.span("research_task", kind="agent", metadata={"max_steps": 4}) as root:
                t = root.start_time
                plan = f"1. Look up {topic.source}. 2. Check the numbers. 3. Summarize for the customer."
                spyglass.record_llm(model=model.name, provider=model.provider, name="plan",
                                    prompt=f"Plan how to answer: {topic.text}", completion=plan,
                                    prompt_tokens=60, completion_tokens=tokens(plan), cost=0.0004,
                                    prompt_name="agent-plan", prompt_version=2, start_time=t, end_time=t + 0.8)
                t += 0.8
                for tool in ("search_help_center", "calculator")[: rng.randint(1, 2)]:
                    with spyglass.span(tool, kind="tool", metadata={"tool": tool}) as call:
                        t = max(t, call.start_time) + 0.15
                        call.end(end_time=t)
                docs = with_account_record([BY_SOURCE[topic.source]], phase, rng)
                answer, latency, error = self.llm.answer(topic.source, docs, phase)
                spyglass.record_llm(model=model.name, provider=model.provider, name="summarize",
                                    prompt=f"Summarize for the customer: {topic.text}", completion=answer or None,
                                    context=[{"content": d.text, "source": d.source} for d in docs],
                                    prompt_tokens=400, completion_tokens=tokens(answer), cost=0.002,
                                    prompt_name="agent-summary", prompt_version=2, start_time=t,
                                    end_time=t + latency * model.latency_s, error=error)
                root.end(end_time=t + latency * model.latency_s)
