"""Plain text, indexed as it is, with the headings a reader sees in it.

The text is kept exactly as written (only Windows line ends become ``\\n``): the viewer shows the file, and
offsets are the file's. What plain text adds is its structure: a heading is a line on its own between blank
lines that reads as a title ("History", "2.3 Results", "Early life and career": short, mostly letters, starting
with a capital or a digit, ending without punctuation), or a line marked as one (``== History ==``, as encyclopedia dumps
write them). The first such block, when the text opens with it, is the document's title (level 1); a
marked heading takes the level its marks give, any other level 2. Hard-wrapped prose is never read as
headings: a wrapped line belongs to a block of several lines.
"""

from __future__ import annotations

import re

from index.formats.blocks import heading_sections
from index.loader import LoadedDocument

# "== History ==" at the start of a line, with a word inside. ("# History" is not taken: in plain text a "#" line
# is as often a comment of code or configuration.)
_MARKED = re.compile(r"^(={1,6})[ \t]*([^=\s][^=]*?)[ \t]*\1[ \t]*$")
_HEADING_WORDS = 10
_HEADING_CHARS = 100


def read_plain(text: str, title: str) -> LoadedDocument:
    """``text`` as it is, with the sections of its headings; ``title``: the document's title (its first line)."""
    text = text.replace("\r\n", "\n")
    headings: list[tuple[int, int, str]] = []
    for index, (offset, lines) in enumerate(_blocks(text)):
        first = lines[0]
        if (marked := _MARKED.match(first)) and any(c.isalpha() for c in marked.group(2)):
            headings.append((offset, len(marked.group(1)), marked.group(2)))
        elif len(lines) == 1 and _reads_as_heading(first):
            headings.append((offset, 1 if index == 0 else 2, first.strip()))  # the opening block is the title
    return LoadedDocument(text=text, title=title, sections=heading_sections(headings, len(text)))


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """The runs of non-blank lines, each with the offset of its first line's first non-blank character."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = offset = 0
    for line in text.split("\n"):
        if line.strip():
            if not current:
                start = offset + len(line) - len(line.lstrip())
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
        offset += len(line) + 1
    if current:
        blocks.append((start, current))
    return blocks


def _reads_as_heading(line: str) -> bool:
    """A short line at the margin, mostly letters, that starts with a capital or a digit and ends with a letter or a
    digit ("Early life"). An indented line is code or a quotation, not a heading."""
    if line[:1].isspace():
        return False
    line = line.strip()
    return (
        len(line) <= _HEADING_CHARS
        and len(line.split()) <= _HEADING_WORDS
        and (line[0].isupper() or line[0].isdigit())
        and line[-1].isalnum()
        # Mostly words: a date line ("Apr. 02, 2020|Updated: 2020-04-01") or a figure is no title.
        and sum(c.isalpha() for c in line) > sum(c.isdigit() for c in line)
    )
