"""Conversation turns, and trimming them to a token budget."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Scripts written without spaces between words (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar): a
# tokenizer spends about one token per character there, so counting them by spaces would call a
# whole paragraph one word.
_UNSPACED_RANGES = r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_UNSPACED = re.compile(f"[{_UNSPACED_RANGES}]")
_WORD = re.compile(rf"[^\s{_UNSPACED_RANGES}]+")  # a run of any other script, up to a space
_CHARS_PER_TOKEN = 4  # a long run with no spaces (a URL, base64, a hash) costs about a token per 4 characters


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: str  # "user" or "assistant"
    content: str


def turns_from_messages(messages: Iterable[dict[str, Any]]) -> list[Turn]:
    """Turns from chat messages (``{"role": ..., "content": ...}``), skipping non-text content."""
    turns = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            # Gradio 6 hands history back as content parts: [{"type": "text", "text": ...}, ...].
            content = " ".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        if isinstance(content, str) and content.strip() and message.get("role") in ("user", "assistant"):
            turns.append(Turn(str(message["role"]), content))
    return turns


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
