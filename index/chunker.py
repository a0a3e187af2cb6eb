"""Chunking that keeps sentences whole and fits the embedding model's window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.sentences import Span, split_sentences


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, with its place in the document text."""

    index: int
    start: int
    end: int
    text: str


def chunk_text(
    text: str,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    overlap_sentences: int = 1,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens`` tokens.

    A sentence longer than the limit is split at word boundaries rather than truncated,
    so no text is silently lost to the embedding model's window. Consecutive chunks share
    ``overlap_sentences`` sentences so an answer spanning a boundary stays retrievable.
    """
    pieces = [piece for span in split_sentences(text) for piece in _fit(text, span, count_tokens, max_tokens)]
    costs = [count_tokens(text[p.start : p.end]) for p in pieces]
    chunks: list[Chunk] = []
    first = 0
    while first < len(pieces):
        last, total = first, costs[first]
        while last + 1 < len(pieces) and total + costs[last + 1] <= max_tokens:
            last += 1
            total += costs[last]
        start, end = pieces[first].start, pieces[last].end
        chunks.append(Chunk(index=len(chunks), start=start, end=end, text=text[start:end]))
        if last + 1 >= len(pieces):
            break
        # Step forward, keeping some overlap, but always make progress.
        first = max(first + 1, last + 1 - overlap_sentences)
    return chunks


def _fit(text: str, span: Span, count_tokens: Callable[[str], int], max_tokens: int) -> list[Span]:
    """Split one over-long sentence into word-aligned pieces of at most ``max_tokens``."""
    if count_tokens(text[span.start : span.end]) <= max_tokens:
        return [span]
    ends = _word_ends(text, span)
    pieces: list[Span] = []
    start, i = span.start, 0
    while i < len(ends):
        # The furthest word end that still fits; at least one word, however long.
        lo, hi, best = i + 1, len(ends) - 1, i
        while lo <= hi:
            mid = (lo + hi) // 2
            if count_tokens(text[start : ends[mid]]) <= max_tokens:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        while text[start].isspace():
            start += 1
        pieces.append(Span(start, ends[best]))
        start, i = ends[best], best + 1
    return pieces


def _word_ends(text: str, span: Span) -> list[int]:
    ends = [i for i in range(span.start + 1, span.end) if text[i].isspace() and not text[i - 1].isspace()]
    ends.append(span.end)
    return ends
