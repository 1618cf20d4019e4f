"""PII results per distinct line: offsets land in the whole text, and a repeated line is analyzed once."""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

from spyglass.evaluators.pii_lines import LineResults, split_lines


def test_split_lines_keeps_offsets_and_skips_blank_lines():
    assert split_lines("a\n\n  \nbc\n") == [(0, "a"), (6, "bc")]


def test_results_shift_to_the_text_and_repeated_lines_are_analyzed_once():
    analyzed: list[str] = []

    def analyze(lines: list[str]) -> list[list[RecognizerResult]]:
        analyzed.extend(lines)
        return [[RecognizerResult("EMAIL_ADDRESS", line.index("@") - 1, line.index("@") + 6, 1.0)]
                if "@" in line else [] for line in lines]

    system = "You are a helpful assistant."
    texts = [f"{system}\nMail a@b.org now", f"{system}\nNothing here"]
    lines = LineResults()
    found = lines.results(texts, analyze)
    (email,) = found[texts[0]]
    assert texts[0][email.start:email.end] == "a@b.org"
    assert found[texts[1]] == []
    assert sorted(analyzed) == sorted([system, "Mail a@b.org now", "Nothing here"])

    analyzed.clear()
    again = lines.results([f"{system}\nMail a@b.org now"], analyze)
    assert analyzed == [] and [(r.start, r.end) for r in again[texts[0]]] == [(email.start, email.end)]
