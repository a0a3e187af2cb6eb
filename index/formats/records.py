"""JSON (``.json``) and JSON Lines (``.jsonl``) read as records: what a person reads in them is a list of things, each
with its fields, and the fields of the document itself.

- A list of objects (the document's whole value, or one of its fields: ``{"releases": [{...}, ...]}``) is a table:
  each object one record, its fields as a table row's values ("version: 11 | codename: Bullseye"), chunked alone and
  ranked under the path it sits at, as a table's rows are (``index.formats.table``). Every line of a ``.jsonl`` file
  is such a record.
- Any other object is read field by field, a field holding an object or a list of objects a section of its own
  ("config > database"), its plain fields one block of "name: value" lines.
- A nested value inside a record is named by its path ("address.city: Oslo"); a list of plain values is one value,
  its items joined by commas. Numbers, true, false and null are written as JSON writes them; a string that is an HTML
  fragment (an API reference's description, "<p>Usage ...</p>") as its text, through the HTML reader.

Parsed by the standard library's ``json``; a file that is not JSON (or a ``.jsonl`` line that is not) is refused with
the parser's reason and line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from index.formats.blocks import TextBuilder, collapse
from index.formats.table import row_line
from index.loader import LoadedDocument, LoadError, Section, decode_text

# A string that is an HTML fragment, as API references exported as JSON hold their descriptions ("<p>Usage ...</p>"):
# it opens with a tag and closes one.
_HTML = re.compile(r"\s*<([A-Za-z][\w-]*)[^<>]*>.*</[A-Za-z][\w-]*>\s*\Z", re.DOTALL)


def read_json(data: bytes, title: str) -> LoadedDocument:
    """A JSON document (the file's bytes) under ``title`` (the file's name)."""
    value = _parsed(decode_text(data), "")
    reader = _Reader(title)
    reader.read(value, (title,))
    return reader.document()


def read_json_lines(data: bytes, title: str) -> LoadedDocument:
    """A JSON Lines file: every line one record, under ``title``."""
    reader = _Reader(title)
    for number, line in enumerate(decode_text(data).splitlines(), 1):
        if line.strip():
            reader.record(_parsed(line, f"line {number}: "), (title,))
    return reader.document()


def _parsed(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(f"not valid JSON: {where}{error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise LoadError(f"not read: {where}values nested too deeply") from None


class _Reader:
    """The blocks, sections and record starts of one document."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.builder = TextBuilder()
        self.sections: list[Section] = []
        self.breaks: list[int] = []

    def document(self) -> LoadedDocument:
        return LoadedDocument(text=self.builder.text(), title=self.title, sections=self.sections, breaks=self.breaks)

    def read(self, value: Any, path: tuple[str, ...]) -> None:
        """A value at ``path``: a list of objects as records, an object field by field, anything else as it is."""
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for item in value:
                self.record(item, path)
        elif isinstance(value, dict):
            plain = [(key, item) for key, item in value.items() if not _nests(item)]
            self.add("\n".join(f"{collapse(str(key))}: {_scalar(item)}" for key, item in plain), path)
            for key, item in value.items():
                if _nests(item):
                    self.read(item, (*path, collapse(str(key))))
        else:
            self.add(_scalar(value), path)

    def record(self, value: Any, path: tuple[str, ...]) -> None:
        """One record: an object's fields (nested ones by their path) on one line, chunked alone."""
        fields = _fields(value, "") if isinstance(value, dict) else [("", _scalar(value))]
        start = self.add(row_line(fields), path)
        if start is not None:
            self.breaks.append(start)

    def add(self, text: str, path: tuple[str, ...]) -> int | None:
        start = self.builder.add(text)
        if start is not None:
            section = Section(start, self.builder.length, path)
            if self.sections and self.sections[-1].path == path and self.sections[-1].end + 2 == start:
                section = Section(self.sections.pop().start, self.builder.length, path)  # one section, not one a block
            self.sections.append(section)
        return start


def _nests(value: Any) -> bool:
    """Whether a field holds an object or a list of objects: a section of its own, not a "name: value" line."""
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(item, dict) for item in value))


def _fields(value: dict, prefix: str) -> list[tuple[str, str]]:
    """An object's fields as (path, text), nested objects' fields by their dotted path."""
    fields: list[tuple[str, str]] = []
    for key, item in value.items():
        name = f"{prefix}{collapse(str(key))}"
        if isinstance(item, dict):
            fields += _fields(item, f"{name}.")
        else:
            fields.append((name, _scalar(item)))
    return fields


def _scalar(value: Any) -> str:
    """A value as one line of text: a string as it reads (an HTML fragment as its text), a list's items joined,
    anything else as JSON writes it."""
    if isinstance(value, str):
        if _HTML.match(value):
            from index.formats.html import read_html

            return collapse(read_html(value).text)
        return collapse(value)
    if isinstance(value, list):
        return ", ".join(filter(None, (_scalar(item) for item in value)))
    if isinstance(value, dict):
        return ", ".join(f"{name}: {text}" for name, text in _fields(value, "") if text)
    return json.dumps(value)
