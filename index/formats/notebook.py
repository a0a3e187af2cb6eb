"""Jupyter notebooks (``.ipynb``) read as the notebook shows them: Markdown cells as Markdown, code cells as code, and
the text each code cell printed.

A notebook is JSON (nbformat 4, and the worksheets of nbformat 3), read with the standard library: the ``nbformat``
package would only validate the same structure, and pulls in a schema validator. What is read:

- a Markdown cell through the Markdown reader, each cell alone, as Jupyter renders it (an unclosed fence in one cell
  does not swallow the next); its headings are the notebook's sections, the first one its title;
- a code cell's source as one code block, kept verbatim as any code block is;
- what it printed (a stream, a result's or a display's plain text, an error's name and message) as a block after it,
  terminal colour codes removed;
- not: raw cells (text for a converter, LaTeX or reST), images, HTML and widget output, the traceback's frames.
"""

from __future__ import annotations

import json
import re
from typing import Any

from index.formats.markdown import MarkdownReader
from index.loader import LoadedDocument, LoadError

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # a terminal's colour or cursor code, as an IPython traceback has them


def read_notebook(data: bytes) -> LoadedDocument:
    """The cells of a notebook (the file's bytes) as one document, in their order."""
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError) as error:  # invalid JSON or text, or arrays nested past the parser's depth
        raise LoadError(f"not a Jupyter notebook: not valid JSON ({_first_line(error)})") from None
    cells = _cells(notebook)
    if cells is None:
        raise LoadError("not a Jupyter notebook: no list of cells")
    reader = MarkdownReader()
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        match cell.get("cell_type"):
            case "markdown":
                reader.read(_text(cell.get("source")))
            case "heading":  # nbformat 3's heading cell
                level = cell.get("level")
                reader.read("#" * (level if isinstance(level, int) and 1 <= level <= 6 else 1) + " " + _text(cell.get("source")))
            case "code":
                reader.builder.add(_text(cell.get("source", cell.get("input"))).expandtabs())
                for output in cell.get("outputs") or []:
                    reader.builder.add(_ANSI.sub("", _printed(output)).expandtabs())
    document = reader.document()
    document.title = reader.builder.first_heading
    return document


def _cells(notebook: Any) -> list | None:
    """The notebook's cells: nbformat 4's list, or nbformat 3's, in its worksheets."""
    if not isinstance(notebook, dict):
        return None
    if isinstance(notebook.get("cells"), list):
        return notebook["cells"]
    worksheets = notebook.get("worksheets")
    if isinstance(worksheets, list) and all(isinstance(sheet, dict) for sheet in worksheets):
        return [cell for sheet in worksheets if isinstance(sheet.get("cells"), list) for cell in sheet["cells"]]
    return None


def _printed(output: Any) -> str:
    """The text a code cell's output shows: a stream's, a result's or a display's plain text, an error's message."""
    if not isinstance(output, dict):
        return ""
    kind = output.get("output_type")
    if kind == "stream":
        return _text(output.get("text"))
    if kind in ("execute_result", "display_data", "pyout"):
        data = output.get("data")
        return _text(data.get("text/plain")) if isinstance(data, dict) else _text(output.get("text"))
    if kind in ("error", "pyerr"):
        return ": ".join(filter(None, (_text(output.get("ename")), _text(output.get("evalue")))))
    return ""


def _text(value: Any) -> str:
    """A notebook's multi-line string: one string, or a list of its lines; anything else holds no text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(line for line in value if isinstance(line, str))
    return ""


def _first_line(error: Exception) -> str:
    return str(error).split("\n", 1)[0][:200]
