"""Conversation turns, and trimming them to a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.text import SPACED_RUN as _WORD
from index.text import UNSPACED as _UNSPACED

_CHARS_PER_TOKEN = 4  # a long run with no spaces (a URL, base64, a hash) costs about a token per 4 characters


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: str  # "user" or "assistant"
    content: str


def within_budget(turns: Sequence[Turn], max_tokens: int) -> list[Turn]:
    """The most recent turns whose rough token count (see ``estimate_tokens``) fits ``max_tokens``, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns):
        cost = estimate_tokens(turn.content) + 4
        if used + cost > max_tokens:
            break
        kept.append(turn)
        used += cost
    return kept[::-1]


def estimate_tokens(text: str) -> int:
    """A rough token count that holds for any script: words * 4/3, one per CJK or Thai character, long runs by length.

    Example:
        >>> estimate_tokens("How many masks were sent?"), estimate_tokens("中国向世界卫生组织捐款")
        (6, 11)
    """
    unspaced = len(_UNSPACED.findall(text))
    words = sum(max(1, len(word) // _CHARS_PER_TOKEN) for word in _WORD.findall(text))
    return unspaced + words * 4 // 3
