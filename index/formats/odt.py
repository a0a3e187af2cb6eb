"""OpenDocument Text (.odt, LibreOffice's format) to text with odfpy: headings by outline level, paragraphs, list
items and table rows in document order.

A generated table of contents or index (``text:table-of-content``, ``text:alphabetical-index``, ...) is navigation
and left out, as are tracked deletions and notes' citation marks; a note's body is read where it is anchored.
"""

from __future__ import annotations

import io
import xml.sax
from contextlib import redirect_stdout

from odf import dc, table, teletype
from odf.element import Element
from odf.namespaces import TABLENS, TEXTNS
from odf.opendocument import load

from index.formats.archive import BROKEN_ZIP, check_inflated_size, opened
from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, LoadError

# Generated lists of the document's own headings, entries and figures: navigation, not text.
_GENERATED = frozenset(
    {
        "table-of-content",
        "alphabetical-index",
        "illustration-index",
        "table-index",
        "object-index",
        "user-index",
        "bibliography",
    }
)
_SKIPPED = frozenset({"tracked-changes", "sequence-decls", "variable-decls", "user-field-decls", "note-citation"})
_CONTAINERS = frozenset({"list", "list-item", "list-header", "section", "note", "note-body", "deletion"})


def read_odt(data: bytes, max_bytes: int) -> LoadedDocument:
    """A text document (the file's bytes) as blocks, with its title (the document's own, else its first heading).

    ``max_bytes``: what its XML parts may inflate to together (``check_inflated_size``); a larger one is refused unread.
    """
    try:
        check_inflated_size(data, max_bytes)
        with redirect_stdout(io.StringIO()):  # odfpy prints a part it cannot parse, whole, to standard output
            document = opened(load, data, "ODT")
        body = getattr(document, "text", None)  # none without a content.xml it could parse, or in a spreadsheet
        if body is None:
            raise LoadError("unreadable ODT: it holds no text document")
        builder = TextBuilder()
        _read(body, builder)
        title = collapse(" ".join(teletype.extractText(e) for e in document.meta.getElementsByType(dc.Title)))
    except (*BROKEN_ZIP, KeyError, ValueError, xml.sax.SAXException) as error:
        # A damaged archive, a missing part, XML that does not parse, an entity (refused by defusedxml, under odfpy).
        raise LoadError(f"unreadable ODT: {error or type(error).__name__}") from None
    return LoadedDocument(text=builder.text(), title=title, sections=builder.sections(title))


def _read(parent: Element, builder: TextBuilder) -> None:
    for child in parent.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        namespace, name = child.qname
        if namespace == TEXTNS and (name in _GENERATED or name in _SKIPPED):
            continue
        if namespace == TEXTNS and name == "h":
            level = child.getAttrNS(TEXTNS, "outline-level")
            builder.add(_line(child), heading=int(level) if level and level.isdigit() else 1)
        elif namespace == TEXTNS and name == "p":
            builder.add(_line(child))
        elif namespace == TABLENS and name == "table":
            _read_table(child, builder)
        elif namespace == TEXTNS and name in _CONTAINERS:
            _read(child, builder)


def _line(element: Element) -> str:
    """A paragraph's or heading's text: odfpy's reading (``text:s`` spaces, tabs and line breaks written out), each of
    its lines with runs of spaces collapsed."""
    lines = (collapse(line) for line in teletype.extractText(element).split("\n"))
    return "\n".join(line for line in lines if line)


def _read_table(rows: Element, builder: TextBuilder) -> None:
    """One block per row, its filled cells joined by " | ", as DOCX tables are read."""
    for row in rows.getElementsByType(table.TableRow):
        cells = [" ".join(_line(p) for p in cell.childNodes if p.nodeType == p.ELEMENT_NODE) for cell in _cells(row)]
        builder.add(" | ".join(cell for cell in cells if cell.strip()))


def _cells(row: Element) -> list[Element]:
    return [c for c in row.childNodes if c.nodeType == c.ELEMENT_NODE and c.qname == (TABLENS, "table-cell")]
