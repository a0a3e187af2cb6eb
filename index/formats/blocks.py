"""Blocks of text joined by blank lines, with the headings they sit under."""

from __future__ import annotations

import re

from index.loader import Section

_SPACES = re.compile(r"\s+")
# Characters that take no room in rendered text: soft hyphen, zero-width space and joiners, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"))


# A superscript that is an exponent: a whole number, perhaps signed ("2<sup>32</sup>", "10<sup>-6</sup>"). It is read
# as "2^32", as people type a power: the text alone says "232", another number.
_EXPONENT = re.compile(r"[-+\u2212]?\d{1,6}")


def superscript(before: str, text: str) -> str:
    """``text``, set as a superscript right after ``before``, as it reads inline: "^32" for an exponent (after a digit
    or a letter), else unchanged (an ordinal's "st", a footnote's "[4]")."""
    return "^" + text.lstrip() if before[-1:].isalnum() and _EXPONENT.fullmatch(text.strip()) else text


def collapse(text: str) -> str:
    """Runs of whitespace as one space, invisible characters removed, ends trimmed (how a browser shows prose)."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


class TextBuilder:
    """Collects blocks (paragraphs, list items, table rows, code, headings) into one text.

    Blocks are separated by a blank line, which the sentence splitter treats as a hard break, so a
    block boundary always ends a sentence and nothing else does. ``length`` is the offset the next
    block will start at (plus the separator), which readers use to record page spans.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.length = 0
        self._headings: list[tuple[int, int, str]] = []  # (offset, level, title)
        self._closings: list[tuple[int, int]] = []  # (offset, level): the headings of this level and deeper end

    def add(self, text: str, heading: int = 0) -> int | None:
        """Append a block; ``heading`` > 0 marks it as a heading of that level. Returns its offset, or None if blank."""
        # Leading spaces are kept: they are a code block's indentation. Blank lines at either end are not.
        text = text.strip("\n").rstrip()
        if not text.strip():
            return None
        if self._parts:
            self.length += 2
        start = self.length
        self._parts.append(text)
        self.length += len(text)
        if heading:
            self._headings.append((start, heading, collapse(text)))
        return start

    def mark_heading(self, offset: int, level: int, title: str) -> None:
        """Record a heading that starts at ``offset`` of text already added (PDF outlines point into pages)."""
        self._headings.append((offset, level, collapse(title)))

    def close_heading(self, level: int) -> None:
        """End the headings of ``level`` and deeper here: the text after a box goes back under its parent's headings."""
        self._closings.append((self.length + 2 if self._parts else 0, level))  # where the next block will start

    @property
    def first_heading(self) -> str:
        """The text of the earliest heading, or "" when there is none."""
        return min(self._headings)[2] if self._headings else ""

    def text(self) -> str:
        """The blocks joined by blank lines."""
        return "\n\n".join(self._parts)

    def sections(self, title: str = "") -> list[Section]:
        """Spans of the text under each heading path; text before the first heading sits under ``title`` alone."""
        return heading_sections(self._headings, self.length, title, self._closings)


def heading_sections(
    headings: list[tuple[int, int, str]], end: int, title: str = "", closings: list[tuple[int, int]] | None = None
) -> list[Section]:
    """Spans of a text of length ``end`` under each heading path, from its headings as (offset, level, title).

    Text before the first heading sits under ``title`` alone. ``closings`` (offset, level): where the headings of
    that level and deeper end without a new heading (the end of a titled box).
    """
    root: tuple[str, ...] = (title,) if title else ()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    cursor, path = 0, root
    events = [(offset, 1, level, name) for offset, level, name in headings]
    events += [(offset, 0, level, "") for offset, level in closings or ()]
    for offset, opens, level, name in sorted(events):
        offset = min(offset, end)  # a box closed at the very end: no block follows it
        if offset > cursor and path:
            sections.append(Section(cursor, offset, path))
        while stack and stack[-1][0] >= level:
            stack.pop()
        if opens:
            stack.append((level, name))
        cursor, path = offset, tuple(heading for _, heading in stack) or root
    if end > cursor and path:
        sections.append(Section(cursor, end, path))
    return sections
