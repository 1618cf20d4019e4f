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


# Words that name identity groups (not slurs). The n-gram model does not see them: in the public
# training sets most posts naming Muslims, women or gay people attack
# them, so a bag of n-grams learns the group's name as a sign of hate and flags "I am a Muslim".
# The encoder MLP still reads the sentence as written and learns what is said about the group.
_IDENTITY = re.compile(
    r"\b(?:muslims?|islam(?:ic)?|jews?|jewish|judaism|christians?|christianity|catholics?|hindus?|sikhs?|"
    r"buddhists?|atheists?|black|blacks|white|whites|asians?|africans?|arabs?|mexicans?|latin[oax]s?|"
    r"hispanics?|chinese|indians?|pakistanis?|immigrants?|immigration|migrants?|refugees?|asylum|foreigners?|"
    r"wom[ae]n|m[ae]n|girls?|ladies|females?|males?|gays?|lesbians?|bisexuals?|trans|transgenders?|"
    r"queers?|lgbtq?\+?|homosexuals?|disabled|disabilit(?:y|ies)|deaf|blind|autistic|autism|roma|"
    r"natives?|indigenous|elderly|old people|people|persons?)\b", re.IGNORECASE)


def mask_identity_terms(text: str) -> str:
    """Identity-group words removed (for the n-gram model only).

    Removed rather than replaced by one placeholder: a placeholder pools every group's
    association with hate into a single weight and flags "I love [group]" instead.
    """
    return _IDENTITY.sub(" ", text)
