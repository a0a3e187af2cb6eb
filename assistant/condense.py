"""Turning a follow-up question into a standalone search query, without an LLM."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.history import Turn
from index.text import ANAPHORA, CONTINUATION, SUBJECTLESS, content_words, query_terms

_SHORT = 3  # content words at most for a question to count as elliptical ("and Italy?")


def is_follow_up(question: str) -> bool:
    """Whether ``question`` probably depends on the conversation before it."""
    return bool(ANAPHORA.search(question) or CONTINUATION.search(question)) or len(query_terms(question, _SHORT + 1)) <= _SHORT


def refers_back(question: str) -> bool:
    """Whether ``question`` points at something said before ("they", "that", "and Italy?"), not only short."""
    return bool(ANAPHORA.search(question) or CONTINUATION.search(question))


def asks_in_own_words(question: str) -> bool:
    """Whether ``question`` says in its own words what it asks ("who led them?": led), unlike "and then?"."""
    return any(word.lower() not in SUBJECTLESS for word in query_terms(question))


def condense(question: str, history: Sequence[Turn]) -> str:
    """A standalone query: the question plus the subject words of the last user turn it leans on.

    Example:
        >>> condense("And how many did it send to Italy?", [Turn("user", "Which countries did China send medical teams to?")])
        'And how many did it send to Italy? countries China medical teams'
    """
    previous = [turn.content for turn in history if turn.role == "user"]
    if not previous or not is_follow_up(question):
        return question
    asked = set(query_terms(question))
    carried = [word for word in content_words(previous[-1]) if word.lower() not in asked and word.lower() not in SUBJECTLESS]
    if not carried:
        return question
    return f"{question} {' '.join(carried)}"
