"""Tables of values (``.csv``, ``.tsv``) read row by row, each value beside the name of its column.

A row of a spreadsheet means something only with its header: "2021-08-14" is a release date because its column says
"release". Each row is therefore one block that names its columns ("version: 11 | codename: Bullseye | release:
2021-08-14"), so that it reads as a sentence wherever the chunker cuts the file, and a question ("When was Debian 11
released?") meets the value and the column together. Python's ``csv`` module parses the quoting (a separator or a line
break inside quotes, doubled quotes).

- The separator: a tab for ``.tsv``; for ``.csv`` the one Excel's ``sep=;`` line names, else the one of ``,`` ``;``
  ``tab`` ``|`` that the first line holds most often (a comma when it holds none). ``csv.Sniffer`` was measured and not
  used: it found no separator in Debian's own ``distro-info`` tables (their rows have 6 to 8 values) and takes seconds
  on 16 kB of quotes.
- The header: the first row, as spreadsheets and pandas read it, unless every value in it is a number (a table of
  numbers alone), two of its values are the same, or the table has one column (a list). A value past the header's
  columns, or under an empty name, stands without one; a name past 60 characters is cut after a word. A table whose
  first row is data in words is misread so, as pandas misreads it.
- Text in UTF-8 or UTF-16/32 with a byte-order mark (Excel's "Unicode text" is UTF-16), else windows-1252 (Excel's
  CSV on Windows), with a warning. A value too long for the parser, or quoting it cannot read, reads the file as plain
  text, with a warning.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, LoadError

_SEPARATORS = (",", ";", "\t", "|")
_EXCEL_SEPARATOR = re.compile(r"sep=(.)\r?\n")  # Excel's first line naming the separator: "sep=;"
# A value that is a number: "11", "-3.5", "1,024", "12%", "6.02e23". A header of such values only is data.
# A column's name is repeated in every row: past this length it is cut (a header that explains its column in a
# sentence would otherwise outweigh the values, and fill the embedding model's window with the same words).
_LABEL_CHARS = 60
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?%?")


def read_table(data: bytes, title: str, separator: str | None = None) -> LoadedDocument:
    """The rows of a ``.csv`` or ``.tsv`` file (its bytes), each one block of "column: value" pairs.

    ``separator``: the one the file's type says (a tab for ``.tsv``), else found in the text. ``title``: the
    document's title (its file's name).
    """
    text, warnings = _read_text(data)
    if separator is None and (named := _EXCEL_SEPARATOR.match(text)):
        separator, text = named.group(1), text[named.end() :]
    if separator is None:
        separator = _separator(text)
    try:
        rows = [[collapse(value) for value in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)]
    except csv.Error as error:
        from index.formats.plain import read_plain

        document = read_plain(text, title)
        document.warnings = [*warnings, f"not read as a table ({error}): read as plain text"]
        return document
    builder = TextBuilder()
    starts = [start for block in row_blocks(rows) if (start := builder.add(block)) is not None]
    # The file's name is the section of every row: embedded and searched with it ("debian" of "debian.csv"). Each row
    # is chunked alone.
    sections = builder.sections(title)
    return LoadedDocument(text=builder.text(), title=title, sections=sections, warnings=warnings, breaks=starts)


def row_blocks(rows: list[list[str]]) -> list[str]:
    """A table's rows (its values as text, "" for an empty one) as blocks, each value after its column's name; the
    header row, when the first row is one, is no block of its own, and an empty row is none."""
    rows = [row for row in rows if any(row)]
    header = rows[0] if len(rows) > 1 and _is_header(rows[0]) else []
    labels = [_label(name) for name in header]  # cut once, repeated in every row
    return [row_line(_named(labels, row)) for row in (rows[1:] if header else rows)]


def row_line(fields: Iterable[tuple[str, str]]) -> str:
    """A record's (name, value) fields as one line, as a table's row reads: "name: value" joined by " | ", a value
    without a name alone, an empty value left out (a JSON record is written so too)."""
    return " | ".join(f"{name}: {value}" if name else value for name, value in fields if value)


def _read_text(data: bytes) -> tuple[str, list[str]]:
    """The file's text, and a warning when it is not Unicode and was read as windows-1252."""
    from index.loader import decode_text

    try:
        return decode_text(data), []
    except LoadError:
        if b"\x00" in data[:8192]:
            raise
    return data.decode("cp1252", errors="replace"), ["not UTF-8: read as windows-1252, as Excel writes CSV on Windows"]


def _separator(text: str) -> str:
    """The separator the first line holds most often; a comma when it holds none."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {separator: first.count(separator) for separator in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda separator: counts[separator])  # the first of a tie: the comma leads
    return best if counts[best] else ","


def _label(name: str) -> str:
    """A column's name as each row repeats it: a long one (a sentence that explains the column) cut after a word."""
    if len(name) <= _LABEL_CHARS:
        return name
    cut = name[: _LABEL_CHARS + 1].rsplit(" ", 1)[0] if " " in name[:_LABEL_CHARS] else name[:_LABEL_CHARS]
    return cut.rstrip(" ,;:(") + "…"


def _is_header(row: list[str]) -> bool:
    """Whether the first row names the columns: two or more of them (a single column is a list, read as it is), by
    distinct names, some name not a number ("country, 2019, 2020" names its columns; "1, 2, 3" is data)."""
    names = [value for value in row if value]
    return len(row) > 1 and len(set(names)) == len(names) and any(not _NUMBER.fullmatch(name) for name in names)


def _named(labels: list[str], row: list[str]) -> list[tuple[str, str]]:
    """A row's values, each with its column's label ("" past the header's columns)."""
    names = labels[: len(row)] + [""] * (len(row) - len(labels))
    return list(zip(names, row, strict=True))
