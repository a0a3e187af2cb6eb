"""Word (.docx) to text with python-docx: paragraphs, headings and tables in document order."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import XMLSyntaxError

from index.formats.archive import check_inflated_size, opened
from index.formats.blocks import TextBuilder, collapse, superscript
from index.loader import LoadedDocument, LoadError

_HEADING_STYLE = re.compile(r"(?i)^heading\s*(\d)$")
_OUTLINE_LEVEL = "./w:pPr/w:outlineLvl/@w:val"


def read_docx(data: bytes, max_bytes: int) -> LoadedDocument:
    """A Word document's body (the file's bytes) as blocks: headings (by style or outline level), paragraphs, table
    rows.

    ``max_bytes``: python-docx inflates every part of the archive into memory, so the sizes the archive declares are
    checked first: its XML parts together, and any one part, at most this much (a "zip bomb" is refused unread).
    """
    try:
        check_inflated_size(data, max_bytes)
        document = opened(docx.Document, data, "DOCX")
        builder = TextBuilder()
        _read(document.iter_inner_content(), builder)
        title = collapse(document.core_properties.title or "")
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as error:
        raise LoadError(f"unreadable DOCX: {error}") from None
    return LoadedDocument(text=builder.text(), title=title, sections=builder.sections(title))


def _read(content: Iterator[Paragraph | Table], builder: TextBuilder) -> None:
    for item in content:
        if isinstance(item, Paragraph):
            # A manual line break stays a line; runs of spaces and tabs are collapsed within it.
            lines = (collapse(line) for line in _text(item).split("\n"))
            builder.add("\n".join(line for line in lines if line), heading=_heading_level(item))
        else:
            _read_table(item, builder)


def _text(paragraph: Paragraph) -> str:
    """The paragraph's text, an exponent set as a superscript run read as "2^32" (``blocks.superscript``)."""
    if not any(run.font.superscript for run in paragraph.runs):
        return paragraph.text
    parts: list[str] = []
    for inner in paragraph.iter_inner_content():
        text = inner.text
        if isinstance(inner, Run) and inner.font.superscript:
            text = superscript("".join(parts), text)
        parts.append(text)
    return "".join(parts)


def _read_table(table: Table, builder: TextBuilder) -> None:
    for row in table.rows:
        cells = _distinct(row.cells)
        filled = [cell for cell in cells if cell.text.strip()]
        if len(filled) == 1:
            _read(filled[0].iter_inner_content(), builder)  # a one-cell row is layout: read it as the page
        elif filled:
            builder.add(" | ".join(collapse(" ".join(p.text for p in cell.paragraphs)) for cell in filled))


def _distinct(cells: list[_Cell]) -> list[_Cell]:
    # A merged cell is returned once for every grid column it spans.
    seen: set[int] = set()
    distinct = []
    for cell in cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            distinct.append(cell)
    return distinct


def _heading_level(paragraph: Paragraph) -> int:
    """1 for the Title style, 2-10 for Heading 1-9 or outline levels 0-8, 0 for body text."""
    style = paragraph.style
    while style is not None:
        name = style.name or ""
        if name.lower() == "title":
            return 1
        if match := _HEADING_STYLE.match(name):
            return int(match.group(1)) + 1
        # Localised or custom heading styles still carry the outline level Word's navigation pane uses.
        levels = paragraph._p.xpath(_OUTLINE_LEVEL) or style.element.xpath(_OUTLINE_LEVEL)
        if levels and int(levels[0]) < 9:
            return int(levels[0]) + 2
        style = style.base_style
    return 0
