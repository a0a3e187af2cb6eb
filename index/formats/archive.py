"""What the readers of zipped formats (DOCX, PPTX, ODT) share: a size check before anything is inflated, and the
library's own failures on a damaged package reported as a ``LoadError``."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

from docx.exceptions import InvalidXmlError as DocxXmlError
from lxml.etree import XMLSyntaxError
from pptx.exc import InvalidXmlError as PptxXmlError

from index.loader import LoadError, over_limit

# What python-docx and python-pptx raise on a damaged package beside the zip and XML parsers' own errors: a part
# missing a required attribute (a relationship without its target), and a relationship that leads to a part of another
# type, which the library finds out only where it asks that part for what it lacks (AttributeError, anywhere).
DAMAGED = (DocxXmlError, PptxXmlError, AttributeError)
# What reading a damaged archive's bytes raises, beside a damaged part's XML: zipfile's own error (a directory that does
# not parse, a bad CRC), the inflater's (a member's compressed data corrupt: "invalid distance too far back"), a member
# whose data ends early (EOFError), and a compression method zipfile does not implement.
BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError)

Opened = TypeVar("Opened")


def check_inflated_size(data: bytes, max_bytes: int) -> None:
    """Refuse a package whose XML parts together, or any one part, would inflate past ``max_bytes``, by the sizes its
    archive declares: python-docx, python-pptx and odfpy read parts whole into memory (a "zip bomb" is refused unread).

    Raises:
        BROKEN_ZIP: ``data`` is no zip archive, or a damaged one (each reader says which format it expected).
        LoadError: a part would inflate past the limit.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sizes = [(info.filename, info.file_size) for info in archive.infolist()]
    markup = sum(size for name, size in sizes if name.endswith((".xml", ".rels")))
    if markup > max_bytes or any(size > max_bytes for _, size in sizes):
        raise over_limit(max_bytes)


def opened(open_package: Callable[[io.BytesIO], Opened], data: bytes, kind: str) -> Opened:
    """The package as ``open_package`` (the library's reader) opens it. A damaged package's parts make a library fail
    in ways of its own (a content-types part of another shape raises AttributeError): each is a file that cannot be
    read, not a bug of the sync."""
    try:
        return open_package(io.BytesIO(data))
    except (TypeError, IndexError, *DAMAGED) as error:
        raise LoadError(f"unreadable {kind}: {type(error).__name__}: {error}") from None


def package_title(package: Any) -> str:
    """The title in the package's core properties; "" when it has none, or when that part is damaged (a part of
    another type under its name makes the library raise AttributeError): the title is not worth the document."""
    try:
        return str(package.core_properties.title or "")
    except (KeyError, ValueError, XMLSyntaxError, *DAMAGED):
        return ""
