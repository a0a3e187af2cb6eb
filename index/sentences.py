"""Sentence boundaries with character offsets, so chunks and quotes map back to the source text."""

from __future__ import annotations

import re
from typing import NamedTuple

# Lower-cased words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st no vs etc e.g i.e fig gen gov sen rep lt col capt sgt
    jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp dept approx est
    u.s u.k u.n a.m p.m""".split()
)

# A terminator (plus closing quotes/brackets), then whitespace, then something that can start a sentence.
# A match starts only at the first terminator of a run, and gives nothing back (possessive quantifiers):
# giving back never helps, and retrying inside a run of "!!!!" made a run of n terminators cost n squared.
_BOUNDARY = re.compile(r"""(?<![.!?…])[.!?…]++["'”’»)\]]*+\s++(?=["'“‘«(\[]?[A-Z0-9])""")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[-*•<>|#])")
# What an abbreviation's last word can be made of ("e.g", "U.S"): ASCII letters and full stops.
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")


class Span(NamedTuple):
    """A half-open character range [start, end) of a text."""

    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Split text into sentence spans, trimmed of surrounding whitespace.

    Paragraph breaks always end a sentence, so headings and list items stand alone.
    """
    spans: list[Span] = []
    for block in _blocks(text):
        start = block.start
        for match in _BOUNDARY.finditer(text, block.start, block.end):
            cut = match.start() + len(match.group().rstrip())
            if _ends_in_abbreviation(text, start, cut):
                continue
            spans.extend(_trimmed(text, start, cut))
            start = match.end()
        spans.extend(_trimmed(text, start, block.end))
    return spans


def _blocks(text: str) -> list[Span]:
    blocks, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        blocks.append(Span(start, match.start()))
        start = match.end()
    blocks.append(Span(start, len(text)))
    return blocks


def _ends_in_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends with a full stop after an abbreviation or an initial."""
    if end - start < 2 or text[end - 1] != ".":
        return False
    # The last word is the run of letters and stops before the final one, from its first letter; read
    # backwards from ``end`` so that a sentence many abbreviations long is not re-read at each of them.
    first = end - 1
    while first > start and text[first - 1] in _WORD_CHARS:
        first -= 1
    word = text[first : end - 1].lstrip(".").lower()
    # Single capitals ("J. Smith") and known abbreviations do not end a sentence.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return []
    lead = len(segment) - len(segment.lstrip())
    return [Span(start + lead, start + lead + len(stripped))]
