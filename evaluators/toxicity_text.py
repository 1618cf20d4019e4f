"""Text normalization shared by the toxicity head's training and inference.

The training data are tweets and social posts; mentions, retweet markers, URLs and HTML entities
carry no toxicity and would otherwise teach the model the source, not the language.
"""

from __future__ import annotations

import html
import re

_MENTION = re.compile(r"(?:<user>|@\w+)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_RT = re.compile(r"\bRT\b:?")


def normalize_text(text: str) -> str:
    """Unescape HTML, mentions -> '@user', URLs -> 'http', drop 'RT'.

    Ordinary LLM output comes back unchanged, so its embedding is shared (cached) with the
    other evaluators. Whitespace is left alone: both the tokenizer and the n-grams ignore it.
    """
    text = html.unescape(text)
    text = _URL.sub("http", text)
    text = _MENTION.sub("@user", text)
    return _RT.sub(" ", text)
