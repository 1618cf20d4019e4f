"""PII results per line, cached: a system prompt or template line that repeats in every call is analyzed once.

Prompts carry the same system prompt, instructions and boilerplate call after call; analyzing
each distinct line once (and remembering its results across batches) keeps the token head's
MiniLM pass and Presidio's spaCy tokenization for the text that is new. Entities do not cross
line breaks (a multi-line address is found line by line), so results are the same as for
the whole text, with offsets shifted back.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any, Callable

LINE_CACHE_SIZE = 50_000  # distinct lines remembered (their results are a few small objects each)

Analyze = Callable[[list[str]], list[list[Any]]]  # distinct lines in, results per line out


def split_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for each non-blank line of ``text``."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


class LineResults:
    """Results per text, computed per distinct line and kept in an LRU cache (thread-safe)."""

    def __init__(self, size: int = LINE_CACHE_SIZE) -> None:
        self.size = size
        self._cache: OrderedDict[str, list[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def results(self, texts: list[str], analyze: Analyze) -> dict[str, list[Any]]:
        """{text: its results, offsets in the text} for each distinct text; ``analyze`` runs on new lines."""
        lines_of = {text: split_lines(text) for text in set(texts)}
        with self._lock:
            known = {line: self._cache[line] for lines in lines_of.values() for _, line in lines
                     if line in self._cache}
        new = sorted({line for lines in lines_of.values() for _, line in lines} - known.keys(), key=len)
        if new:
            known.update(zip(new, analyze(new)))
        with self._lock:
            for line, found in known.items():
                self._cache[line] = found
                self._cache.move_to_end(line)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return {text: [_shifted(r, offset) for offset, line in lines for r in known[line]]
                for text, lines in lines_of.items()}


def _shifted(result: Any, offset: int) -> Any:
    """A copy of a Presidio result ``offset`` characters further on (the cached one stays as it is)."""
    moved = copy.copy(result)
    moved.start, moved.end = result.start + offset, result.end + offset
    return moved
