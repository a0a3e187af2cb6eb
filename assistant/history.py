"""Conversation turns, and trimming them to a token budget."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


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
    """The most recent turns whose rough token count (words * 4/3) fits ``max_tokens``, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns):
        cost = len(turn.content.split()) * 4 // 3 + 4
        if used + cost > max_tokens:
            break
        kept.append(turn)
        used += cost
    return kept[::-1]
