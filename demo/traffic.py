"""Drive the demo app at a steady rate through the incident schedule, with a live display."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import spyglass.sdk as spyglass
from spyglass.demo.app import ResearchAgent, SupportBot
from spyglass.demo.incidents import Schedule


@dataclass
class DemoStats:
    requests: int = 0
    by_phase: dict[str, int] = field(default_factory=dict)
    phase: str = "normal"


class DemoTraffic:
    """Sends ``rate`` requests per second (support chats and agent tasks) until stopped or done."""

    def __init__(self, rate: float = 4.0, duration_s: float = 0.0, schedule: Schedule | None = None,
                 seed: int = 11) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.duration_s = duration_s
        self.schedule = schedule or Schedule()
        self.rng = random.Random(seed)
        self.bot = SupportBot(self.rng)
        self.agent = ResearchAgent(self.rng)
        self.stats = DemoStats()
        self._stop = threading.Event()
        self._conversations: list[tuple[str, str, int]] = []  # (conversation id, user id, turns left)

    def stop(self) -> None:
        """Stop after the current request; thread-safe."""
        self._stop.set()

    def _conversation(self) -> tuple[str, str]:
        """Continue an open conversation (2-4 turns each) or start a new one."""
        if self._conversations and self.rng.random() < 0.6:
            index = self.rng.randrange(len(self._conversations))
            conversation, user, left = self._conversations[index]
            if left <= 1:
                self._conversations.pop(index)
            else:
                self._conversations[index] = (conversation, user, left - 1)
            return conversation, user
        conversation = f"conv-{self.rng.getrandbits(40):010x}"
        user = f"user-{self.rng.randint(1, 400):03d}"
        self._conversations.append((conversation, user, self.rng.randint(1, 3)))
        if len(self._conversations) > 50:
            self._conversations.pop(0)
        return conversation, user

    def step(self, phase: str) -> None:
        """One request of the app in ``phase``."""
        if self.rng.random() < 0.8:
            self.bot.answer(*self._conversation(), phase)
        else:
            self.agent.run(f"user-{self.rng.randint(1, 400):03d}", phase)
        self.stats.requests += 1
        self.stats.by_phase[phase] = self.stats.by_phase.get(phase, 0) + 1

    def run(self) -> None:
        """Blocking; paced by wall-clock so the rate holds whatever each request costs."""
        started = time.monotonic()
        sent = 0
        while not self._stop.is_set():
            elapsed = time.monotonic() - started
            if self.duration_s and elapsed >= self.duration_s:
                break
            self.stats.phase = self.schedule.phase(elapsed)
            due = int(elapsed * self.rate) + 1
            while sent < due:
                self.step(self.stats.phase)
                sent += 1
            self._stop.wait(max(0.0, (sent / self.rate) - (time.monotonic() - started)))
        spyglass.flush(5.0)
