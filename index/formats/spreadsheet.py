"""Spreadsheets (Excel's ``.xlsx``, OpenDocument's ``.ods``) read sheet by sheet, each row as a table's is: one block of
"column: value" pairs under the sheet's name (``index.formats.table.row_blocks``).

- ``.xlsx`` with openpyxl, read-only (rows streamed, not the whole workbook in memory) and with the values Excel last
  computed (a formula's result, not its text; a workbook saved by a program that computes none holds no result, and
  the cell reads empty). A number is written as Excel would show it without a number format
  ("2.5", "1234567.89", not "2.5000000000000004"), a date as ISO 8601, a truth value as TRUE or FALSE.
- ``.ods`` with odfpy: each cell's text as LibreOffice displays it (its number format applied: "3.50 €", "83,858"; a
  cell's lines joined). A run of identical rows, which the format stores once with a count, is read once: the copies
  say nothing more. A row's trailing empty cells, which LibreOffice repeats to the sheet's last column, are none.

Every sheet is a section under the file's name ("budget > Expenses"), embedded and searched with its rows; each row is
chunked alone (``LoadedDocument.breaks``), as a table's. Charts,
images and comments are not read. The archive's size is checked before anything is inflated, as for the other zipped
formats; a damaged or encrypted file is refused with the library's reason. Entities cannot expand: openpyxl reads a
sheet with defusedxml (which refuses a DTD) and its other parts with lxml (libxml2 caps what entities amplify), odfpy
every part with defusedxml.
"""

from __future__ import annotations

import datetime
import io
import warnings
from collections.abc import Iterable
from contextlib import redirect_stdout
from typing import Any

from odf import teletype
from odf.namespaces import TABLENS

from index.formats.archive import BROKEN_ZIP, DAMAGED, check_inflated_size, opened
from index.formats.blocks import TextBuilder, collapse
from index.formats.table import row_blocks
from index.loader import LoadedDocument, LoadError, Section

# The widest row a spreadsheet has (Excel's XFD, 16,384 columns): a cell repeated past it, as ODS writes a row's
# trailing empty cells ("number-columns-repeated=16384"), is not read further.
_MAX_COLUMNS = 16_384


def read_xlsx(data: bytes, title: str, max_bytes: int) -> LoadedDocument:
    """An Excel workbook (the file's bytes) as one section of rows per sheet, under ``title`` (the file's name)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        check_inflated_size(data, max_bytes)
        with warnings.catch_warnings():
            # openpyxl warns of what it skips in a damaged or foreign workbook (a style part missing, a relationship it
            # cannot follow): the rows it reads are the document, and a file it cannot read raises.
            warnings.simplefilter("ignore")
            workbook = opened(lambda file: load_workbook(file, read_only=True, data_only=True), data, "Excel workbook")
            try:
                sheets = [(sheet.title, list(_xlsx_rows(sheet))) for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
            finally:
                workbook.close()
    except (
        *BROKEN_ZIP,
        InvalidFileException,
        OSError,
        KeyError,
        ValueError,
        SyntaxError,
        TypeError,
        IndexError,
        *DAMAGED,
    ) as error:
        # Not a zip (an encrypted workbook is an OLE file), no workbook part (OSError), a missing part, XML that does
        # not parse, an entity, a part of another shape than the library expects, found only as its rows are read.
        raise LoadError(f"unreadable Excel workbook: {error or type(error).__name__}") from None
    return _document(sheets, title)


def read_ods(data: bytes, title: str, max_bytes: int) -> LoadedDocument:
    """An OpenDocument spreadsheet (the file's bytes) as one section of rows per sheet, under ``title``."""
    import xml.sax

    from odf.namespaces import TABLENS
    from odf.opendocument import load

    try:
        check_inflated_size(data, max_bytes)
        with redirect_stdout(io.StringIO()):  # odfpy prints a part it cannot parse, whole, to standard output
            document = opened(load, data, "ODS")
        body = getattr(document, "spreadsheet", None)  # none in a text document, or without a content.xml it could parse
        if body is None:
            raise LoadError("unreadable ODS: it holds no spreadsheet")
        sheets = [(str(sheet.getAttrNS(TABLENS, "name") or ""), list(_ods_rows(sheet))) for sheet in _children(body, "table")]
    except (*BROKEN_ZIP, KeyError, ValueError, xml.sax.SAXException) as error:
        raise LoadError(f"unreadable ODS: {error or type(error).__name__}") from None
    return _document(sheets, title)


def _document(sheets: Iterable[tuple[str, list[list[str]]]], title: str) -> LoadedDocument:
    """The sheets' rows as blocks, each sheet's a section under ``title`` and its name."""
    builder = TextBuilder()
    sections = []
    breaks: list[int] = []
    for name, rows in sheets:
        starts = [start for block in row_blocks(rows) if (start := builder.add(block)) is not None]
        if starts:
            sections.append(Section(starts[0], builder.length, tuple(filter(None, (title, collapse(name))))))
        breaks += starts  # each row chunked alone, as a table's
    return LoadedDocument(text=builder.text(), title=title, sections=sections, breaks=breaks)


def _xlsx_rows(sheet: Any) -> Iterable[list[str]]:
    # The dimension a file declares is not trusted ("A1:XFD1048576" would pad every row to 16,384 values): each row is
    # read as far as its last cell.
    sheet.reset_dimensions()
    for row in sheet.iter_rows(values_only=True):
        yield [_shown(value) for value in row]


def _shown(value: Any) -> str:
    """A cell's value as text, as Excel shows it without a number format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(value, ".15g")  # Excel's precision: 0.1 + 0.2 shows 0.3
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return collapse(str(value))


def _ods_rows(sheet: Any) -> Iterable[list[str]]:
    for row in _descendants(sheet, "table-row"):
        cells: list[str] = []
        empty = 0  # empty cells not yet written: a row's trailing ones never are
        for cell in _children(row, "table-cell", "covered-table-cell"):
            text = " ".join(filter(None, (_paragraph(p) for p in _descendants(cell, "p"))))
            repeated = _count(cell, "number-columns-repeated")
            if not text:
                empty += repeated
                continue
            cells += [""] * min(empty, _MAX_COLUMNS - len(cells)) + [text] * min(repeated, _MAX_COLUMNS - len(cells) - empty)
            empty = 0
            if len(cells) >= _MAX_COLUMNS:
                break
        if cells:
            yield cells


def _paragraph(element: Any) -> str:
    return collapse(teletype.extractText(element))


def _count(element: Any, attribute: str) -> int:
    """A repeat count an ODS element declares; 1 when it declares none or not a number."""
    value = str(element.getAttrNS(TABLENS, attribute) or "")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _children(element: Any, *names: str) -> list[Any]:
    """The child elements of ``element`` with one of ``names`` (their local names, in the table namespace or text's)."""
    return [child for child in element.childNodes if child.nodeType == child.ELEMENT_NODE and child.qname[1] in names]


def _descendants(element: Any, name: str) -> Iterable[Any]:
    """The elements named ``name`` inside ``element``, in document order, not looking inside those it finds."""
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname[1] == name:
            yield child
        else:
            yield from _descendants(child, name)
