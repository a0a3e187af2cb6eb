"""What the readers of zipped formats (DOCX, PPTX, ODT) share: a size check before anything is inflated, and the
library's own failures on a damaged package reported as a ``LoadError``."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import TypeVar

from index.loader import LoadError, over_limit

Opened = TypeVar("Opened")


def check_inflated_size(data: bytes, max_bytes: int) -> None:
    """Refuse a package whose XML parts together, or any one part, would inflate past ``max_bytes``, by the sizes its
    archive declares: python-docx, python-pptx and odfpy read parts whole into memory (a "zip bomb" is refused unread).

    Raises:
        zipfile.BadZipFile: ``data`` is no zip archive (each reader says which format it expected).
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
    except (AttributeError, TypeError, IndexError) as error:
        raise LoadError(f"unreadable {kind}: {type(error).__name__}: {error}") from None
