"""Word (.docx) to text with python-docx: paragraphs, headings and tables in document order, each footnote or endnote
after the paragraph that cites it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from index.formats.archive import BROKEN_ZIP, DAMAGED, check_inflated_size, opened, package_title
from index.formats.blocks import TextBuilder, collapse, superscript
from index.loader import LoadedDocument, LoadError

_HEADING_STYLE = re.compile(r"(?i)^heading\s*(\d)$")
_P, _TBL, _R, _T = qn("w:p"), qn("w:tbl"), qn("w:r"), qn("w:t")
_TABS = frozenset({qn("w:tab"), qn("w:ptab")})
_BR, _CR, _TYPE = qn("w:br"), qn("w:cr"), qn("w:type")
_SDT, _SDT_CONTENT, _TEXT_BOX = qn("w:sdt"), qn("w:sdtContent"), qn("w:txbxContent")
_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_ID = qn("w:id")
# A note's mark in the text, by the part its notes are kept in.
_NOTE_PARTS = {
    RELATIONSHIP_TYPE.FOOTNOTES: (qn("w:footnoteReference"), qn("w:footnote")),
    RELATIONSHIP_TYPE.ENDNOTES: (qn("w:endnoteReference"), qn("w:endnote")),
}
_NOTE_REFERENCES = frozenset(reference for reference, _ in _NOTE_PARTS.values())
_NOTE_TAGS = frozenset(tag for _, tag in _NOTE_PARTS.values())
_SUPERSCRIPT = f"{qn('w:rPr')}/{qn('w:vertAlign')}[@{qn('w:val')}='superscript']"
# Block-level wrappers whose paragraphs are the document's: content controls, custom XML, tracked insertions and moves.
_BLOCK_WRAPPERS = frozenset({_SDT, qn("w:customXml"), qn("w:ins"), qn("w:moveTo")})
# What holds no text a reader sees: properties, deletions and the old place of a moved text (their words are
# ``w:delText``), a field's code (``w:instrText``, the result is read), and the fallback copy of a drawing that Word
# writes beside its modern form (a text box's words would be read twice).
_NOT_TEXT = frozenset(
    {
        qn("w:pPr"),
        qn("w:rPr"),
        qn("w:sdtPr"),
        qn("w:del"),
        qn("w:moveFrom"),
        qn("w:instrText"),
        _FALLBACK,
    }
)
_OUTLINE_LEVEL = "./w:pPr/w:outlineLvl/@w:val"
_ASIDE = frozenset({_TEXT_BOX, _FALLBACK})  # paragraphs that are not their container's own
Notes = dict[tuple[str, str], Any]  # a note's element by its mark's tag and id


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
        warnings: list[str] = []
        _read(document.element.body, document._body, builder, _notes(document, warnings))
        title = collapse(package_title(document))
    except (*BROKEN_ZIP, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError, *DAMAGED) as error:
        raise LoadError(f"unreadable DOCX: {error}") from None
    return LoadedDocument(text=builder.text(), title=title, sections=builder.sections(title), warnings=warnings)


def _read(container: Any, parent: Any, builder: TextBuilder, notes: Notes) -> None:
    """The blocks of a body, cell, text box or note (``container``, its XML element) in order, content controls opened."""
    for element in container.iterchildren():
        tag = element.tag
        if tag == _P:
            paragraph = Paragraph(element, parent)
            after: list[Any] = []
            # A manual line break stays a line; runs of spaces and tabs are collapsed within it.
            lines = (collapse(line) for line in paragraph_text(element, after, notes).split("\n"))
            builder.add("\n".join(line for line in lines if line), heading=_heading_level(paragraph))
            for inner in after:  # its text boxes and the notes it cites follow the paragraph
                _read(inner, parent, builder, _within(inner, notes))
        elif tag == _TBL:
            _read_table(Table(element, parent), builder, notes)
        elif tag in _BLOCK_WRAPPERS:  # a content control, custom XML or a tracked insertion of whole paragraphs
            _read(element.find(_SDT_CONTENT) if tag == _SDT else element, parent, builder, notes)


def _within(inner: Any, notes: Notes) -> Notes:
    """The notes a text box or note (``inner``) may cite: none inside a note, as Word has it, so that a note citing
    itself is read once."""
    return {} if inner.tag in _NOTE_TAGS else notes


def _notes(document: Any, warnings: list[str]) -> Notes:
    """The document's footnotes and endnotes, by the mark that cites each (its kind and id). A notes part that does
    not parse costs its notes only, with a warning: the body is read."""
    notes: Notes = {}
    for relation in document.part.rels.values():
        if relation.is_external or relation.reltype not in _NOTE_PARTS:
            continue
        reference, tag = _NOTE_PARTS[relation.reltype]
        try:
            part = parse_xml(relation.target_part.blob)
        except XMLSyntaxError as error:
            warnings.append(f"its {tag.rsplit('}', 1)[1]}s could not be read ({error}): the rest was")
            continue
        for note in part.iterchildren(tag):
            notes[(reference, note.get(_ID))] = note
    return notes


def paragraph_text(paragraph: Any, after: list[Any], notes: Notes | None = None) -> str:
    """A paragraph's text as Word shows it, with tracked insertions and without deletions; an exponent set as a
    superscript run is read as "2^32" (``blocks.superscript``). The text boxes it holds and the notes of ``notes`` it
    cites are added to ``after``, in order, to be read after it.

    python-docx's ``Paragraph.text`` reads only the runs and links right under the paragraph: a content control's
    text ("The client is Acme Corporation"), a tracked insertion, a field's result and a smart tag were lost.
    """
    parts: list[str] = []
    # Each element with whether it sits in a superscript run; a stack, not recursion: nesting has no bound here.
    stack: list[tuple[Any, bool]] = [(child, False) for child in reversed(paragraph)]
    while stack:
        element, raised = stack.pop()
        tag = element.tag
        if tag == _T:
            text = element.text or ""
            parts.append(superscript("".join(parts), text) if raised else text)
        elif tag in _TABS:
            parts.append("\t")
        elif tag == _CR or (tag == _BR and element.get(_TYPE, "textWrapping") == "textWrapping"):
            parts.append("\n")  # a line break; a page or column break is no text (as python-docx reads it)
        elif tag == _NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag == _TEXT_BOX:
            after.append(element)
        elif tag in _NOTE_REFERENCES:
            if notes and (note := notes.get((tag, element.get(_ID)))) is not None:
                after.append(note)
        elif tag not in _NOT_TEXT and isinstance(tag, str):
            if tag == _R:
                raised = element.find(_SUPERSCRIPT) is not None
            stack.extend((child, raised) for child in reversed(element))
    return "".join(parts)


def _read_table(table: Table, builder: TextBuilder, notes: Notes) -> None:
    for row in table.rows:
        after: list[Any] = []
        cells = [(cell, _cell_text(cell, after, notes)) for cell in _distinct(row.cells)]
        filled = [(cell, text) for cell, text in cells if text]
        if len(filled) == 1:
            _read(filled[0][0]._tc, filled[0][0], builder, notes)  # a one-cell row is layout: read it as the page
            continue
        if filled:
            builder.add(" | ".join(text for _, text in filled))
        for inner in after:  # the row's text boxes and the notes it cites follow the row
            _read(inner, table, builder, _within(inner, notes))


def _cell_text(cell: _Cell, after: list[Any], notes: Notes) -> str:
    """A cell's paragraphs (and those of its content controls) as one line; its text boxes and notes go to ``after``."""
    return collapse(" ".join(paragraph_text(paragraph, after, notes) for paragraph in _own_paragraphs(cell._tc)))


def _own_paragraphs(container: Any) -> Iterator[Any]:
    """The paragraphs of ``container``, those of tables inside it too, but not a text box's (read after the paragraph
    it sits in) or a drawing's fallback copy's."""
    for paragraph in container.iter(_P):
        ancestor = paragraph.getparent()
        while ancestor is not container and ancestor.tag not in _ASIDE:
            ancestor = ancestor.getparent()
        if ancestor is container:
            yield paragraph


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
    try:
        style = paragraph.style
    except AttributeError:  # a damaged package whose styles part is of another type: no style is known
        style = None
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
