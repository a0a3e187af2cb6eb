"""Chunking that keeps sentences whole and fits the embedding model's window."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from index.sentences import Span, split_sentences

_SPACE = re.compile(r"\s+")
# Tokens a chunk may gain when counted on its own rather than in the text around it: a word cut at
# either end can split into a few more pieces. Chunks estimated within this margin of the limit are
# counted exactly.
_MARGIN = 8
# A term's line, named by the block below it, is at most this long (a signature, an option with its value) and ends
# without a sentence's closing mark ("Example:" and "100-999:" end with a colon, and name what follows).
_TERM_CHARS = 120
_TERM_WORDS = 6
_CLOSING = (".", "!", "?", ";", ",")


class BatchTokens(Protocol):
    """A tokenizer that reads a whole text, or many texts, in one batched pass."""

    def token_ends(self, text: str) -> list[int]:
        """Where each token of ``text`` ends, as character offsets, in order."""
        ...

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """The token count of each text."""
        ...


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
    breaks: Sequence[int] = (),
    batch: BatchTokens | None = None,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens`` tokens.

    A sentence longer than the limit is split at word boundaries rather than truncated, and a
    word longer than the limit between characters, so no text is silently lost to the embedding
    model's window. Consecutive chunks share ``overlap_sentences`` sentences so an answer spanning
    a boundary stays retrievable. No chunk runs across an offset in ``breaks`` (where a section
    starts or ends): the chunk before it ends there and the next one starts there, sharing nothing.

    With ``batch``, the text is tokenized once, in batches, and every sentence and piece is measured
    from those token offsets; each finished chunk near the limit is then counted exactly (batched) and
    any over the limit is re-chunked by counting. This is the fast
    path for the embedding model; ``count_tokens`` alone counts every piece separately.
    """
    spans = _cut(text, split_sentences(text), sorted(set(breaks)))
    if batch is None:
        return _pack(
            text,
            [(p, part) for span, part in spans for p in _fit(text, span, count_tokens, max_tokens)],
            max_tokens,
            overlap_sentences,
        )
    measure = _Offsets(batch.token_ends(text))
    fitted = [(p, part) for span, part in spans for p in _fit_measured(text, span, measure, max_tokens)]
    chunks = _pack(text, fitted, max_tokens, overlap_sentences)
    # Only a chunk near the limit can be over it: counted alone, a text differs from its tokens in context
    # only where a word is cut at either end.
    near = [i for i, chunk in enumerate(chunks) if measure.count(chunk.start, chunk.end) > max_tokens - _MARGIN]
    over = {i for i, count in zip(near, batch.count_many([chunks[i].text for i in near]), strict=True) if count > max_tokens}
    if not over:
        return chunks
    checked: list[Chunk] = []
    for i, chunk in enumerate(chunks):
        if i not in over:
            checked.append(chunk)
            continue
        # Rare: the tokenizer reads this chunk differently from the whole text around it.
        redone = chunk_text(chunk.text, count_tokens, max_tokens, overlap_sentences)
        checked.extend(Chunk(0, chunk.start + c.start, chunk.start + c.end, c.text) for c in redone)
    return [replace(chunk, index=i) for i, chunk in enumerate(checked)]


def _pack(text: str, fitted: list[tuple[tuple[Span, int], int]], max_tokens: int, overlap_sentences: int) -> list[Chunk]:
    """Pack the measured pieces (each with its part of the text) into chunks of whole sentences."""
    pieces = [span for (span, _), _ in fitted]
    costs = [cost for (_, cost), _ in fitted]
    parts = [part for _, part in fitted]
    chunks: list[Chunk] = []
    first = 0
    while first < len(pieces):
        last, total = first, costs[first]
        # Parts of one split word touch; they are never packed together, since a tokenizer may count
        # the joined word as more tokens than its parts.
        while (
            last + 1 < len(pieces)
            and total + costs[last + 1] <= max_tokens
            and pieces[last].end < pieces[last + 1].start
            and parts[last + 1] == parts[first]
        ):
            last += 1
            total += costs[last]
        start, end = pieces[first].start, pieces[last].end
        chunks.append(Chunk(index=len(chunks), start=start, end=end, text=text[start:end]))
        if last + 1 >= len(pieces):
            break
        # Step forward, keeping some overlap, but always make progress; a new part starts afresh, since
        # a sentence carried over would put the previous section's text under the next heading.
        if parts[last + 1] != parts[last]:
            first = last + 1
            continue
        carried = max(first + 1, last + 1 - overlap_sentences)
        # The line that names what the carried sentence describes goes with it ("--maintenance-db=dbname" /
        # "Specifies the name of the database ..."): without it the next chunk describes something it never names.
        if carried - 1 > first and parts[carried - 1] == parts[carried] and _names_next(text, pieces, carried - 1):
            carried -= 1
        first = carried
    return chunks


def _names_next(text: str, pieces: list[Span], k: int) -> bool:
    """Whether piece ``k`` is a term's line above the block it names: a short line alone in its block, without a
    sentence's closing mark ("--no-subscriptions", "BaseCommand.requires_migrations_checks", "100-999:", "Example:"),
    with the next piece on a line below it."""
    line = text[pieces[k].start : pieces[k].end]
    if "\n" in line or len(line) > _TERM_CHARS or len(line.split()) > _TERM_WORDS or line.rstrip().endswith(_CLOSING):
        return False
    alone = k == 0 or "\n\n" in text[pieces[k - 1].end : pieces[k].start]
    return alone and "\n" in text[pieces[k].end : pieces[k + 1].start]


def _cut(text: str, spans: list[Span], breaks: list[int]) -> list[tuple[Span, int]]:
    """The sentence spans cut at each break (sorted), each with the number of breaks before it: its part of the text.

    Section starts are block starts in most formats, but a PDF outline may point into a paragraph;
    cutting there keeps every piece under one heading. One pass over both lists, so it stays linear.
    """
    cut: list[tuple[Span, int]] = []
    part = 0
    for span in spans:
        start = span.start
        while part < len(breaks) and breaks[part] <= start:
            part += 1
        while part < len(breaks) and breaks[part] < span.end:
            cut.extend((piece, part) for piece in _trimmed(text, start, breaks[part]))
            start = breaks[part]
            part += 1
        cut.extend((piece, part) for piece in _trimmed(text, start, span.end))
    return cut


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    """``[start, end)`` without the whitespace at its ends, or nothing when that is all it holds."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if start < end else []


def _fit(text: str, span: Span, count_tokens: Callable[[str], int], max_tokens: int) -> list[tuple[Span, int]]:
    """Split one over-long sentence into word-aligned pieces of at most ``max_tokens``, each with its token count.

    Each piece is the longest run of words that fits. A word that does not fit alone is cut between
    characters instead (a log line, a run of "!!!", Chinese text without spaces).
    """
    cost = count_tokens(text[span.start : span.end])
    if cost <= max_tokens:
        return [(span, cost)]
    ends = _word_ends(text, span)
    pieces: list[tuple[Span, int]] = []
    start, i, length = span.start, 0, 0
    while i < len(ends):
        while text[start].isspace():
            start += 1
        # The previous piece's length is the first guess: pieces of one text are alike. A sentence of one
        # word is already known not to fit.
        guess = bisect_right(ends, start + length) - 1
        found = _longest_fit(text, start, ends, i, count_tokens, max_tokens, guess) if len(ends) > 1 else None
        if found is not None:
            k, cost = found
            pieces.append((Span(start, ends[k]), cost))
            length, start, i = ends[k] - start, ends[k], k + 1
            continue
        # The word does not fit alone: cut all of it between characters, never re-counting its rest.
        while start < ends[i]:
            cuts = range(start + 1, ends[i] + 1)
            found = _longest_fit(text, start, cuts, 0, count_tokens, max_tokens, length - 1)
            # At least one character, however many tokens it counts, so the loop always moves on.
            end, cost = (cuts[found[0]], found[1]) if found is not None else (start + 1, count_tokens(text[start]))
            pieces.append((Span(start, end), cost))
            length, start = end - start, end
        i += 1
    return pieces


class _Offsets:
    """Token counts of any span of one text, read from where its tokens end."""

    def __init__(self, ends: list[int]) -> None:
        self.ends = ends

    def count(self, start: int, end: int) -> int:
        """Tokens ending inside ``(start, end]``."""
        return bisect_right(self.ends, end) - bisect_right(self.ends, start)

    def reach(self, start: int, max_tokens: int) -> int:
        """The furthest offset from ``start`` that ``max_tokens`` tokens cover (at least ``start``)."""
        last = bisect_right(self.ends, start) + max_tokens - 1
        return self.ends[last] if last < len(self.ends) else self.ends[-1] if self.ends else start


def _fit_measured(text: str, span: Span, measure: _Offsets, max_tokens: int) -> list[tuple[Span, int]]:
    """``_fit`` with counts read from token offsets: pieces found by bisection instead of counting."""
    cost = measure.count(span.start, span.end)
    if cost <= max_tokens:
        return [(span, cost)]
    ends = _word_ends(text, span)
    pieces: list[tuple[Span, int]] = []
    start, i = span.start, 0
    # Pieces stop short of the margin, so a long run of them needs no exact count afterwards.
    budget = max_tokens - _MARGIN if max_tokens > 2 * _MARGIN else max_tokens
    while i < len(ends):
        while text[start].isspace():
            start += 1
        reach = measure.reach(start, budget)
        k = bisect_right(ends, reach, lo=i) - 1
        if k >= i:
            pieces.append((Span(start, ends[k]), measure.count(start, ends[k])))
            start, i = ends[k], k + 1
            continue
        # The word does not fit alone: cut it where its tokens run out, at least one character on.
        end = min(max(reach, start + 1), ends[i])
        pieces.append((Span(start, end), measure.count(start, end)))
        start = end
        if start >= ends[i]:
            i += 1
    return pieces


def _longest_fit(
    text: str,
    start: int,
    ends: Sequence[int],
    lo: int,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    guess: int,
) -> tuple[int, int] | None:
    """The largest ``k >= lo`` with ``text[start:ends[k]]`` within ``max_tokens``, and its count; None if none fits.

    Assumes counts grow with ``k``. The search starts at ``guess`` and doubles its steps away from it
    before bisecting, so it counts a few texts about as long as the answer, never the rest of the
    sentence (a binary search over the whole rest made a long unpunctuated text cost n squared).
    """
    hi = len(ends) - 1
    good, bad, good_cost = lo - 1, hi + 1, 0
    k, step = min(max(guess, lo), hi), 1
    while bad - good > 1:
        cost = count_tokens(text[start : ends[k]])
        if cost <= max_tokens:
            good, good_cost = k, cost
        else:
            bad = k
        if bad > hi:
            k = min(good + step, hi)
        elif good < lo:
            k = max(bad - step, lo)
        else:
            k = (good + bad) // 2
        step *= 2
    return (good, good_cost) if good >= lo else None


def _word_ends(text: str, span: Span) -> list[int]:
    """Where each word of the span ends: at the whitespace after it, and at the span's end."""
    ends = [match.start() for match in _SPACE.finditer(text, span.start, span.end)]
    ends.append(span.end)
    return ends
