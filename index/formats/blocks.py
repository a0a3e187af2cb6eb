"""Blocks of text joined by blank lines, with the headings they sit under."""

from __future__ import annotations

import re

from index.loader import Section

_SPACES = re.compile(r"\s+")
# Characters that take no room in rendered text: soft hyphen, zero-width space and joiners, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"))


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

    @property
    def first_heading(self) -> str:
        """The text of the earliest heading, or "" when there is none."""
        return min(self._headings)[2] if self._headings else ""

    def text(self) -> str:
        """The blocks joined by blank lines."""
        return "\n\n".join(self._parts)

    def sections(self, title: str = "") -> list[Section]:
        """Spans of the text under each heading path; text before the first heading sits under ``title`` alone."""
        return heading_sections(self._headings, self.length, title)


def heading_sections(headings: list[tuple[int, int, str]], end: int, title: str = "") -> list[Section]:
    """Spans of a text of length ``end`` under each heading path, from its headings as (offset, level, title).

    Text before the first heading sits under ``title`` alone.
    """
    root: tuple[str, ...] = (title,) if title else ()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    cursor, path = 0, root
    for offset, level, name in sorted(headings):
        if offset > cursor and path:
            sections.append(Section(cursor, offset, path))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, name))
        cursor, path = offset, tuple(heading for _, heading in stack)
    if end > cursor and path:
        sections.append(Section(cursor, end, path))
    return sections
