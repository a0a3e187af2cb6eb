"""Zipped documents (DOCX, PPTX, ODT, EPUB) taken apart and put back together, for the tests of damaged packages; and
odfpy's writer kept to the namespaces it knows."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from odf.element import Element
from odf.namespaces import nsdict


@contextmanager
def odf_writer() -> Iterator[None]:
    """odfpy writing a file that parses, whatever documents the process read before.

    odfpy keeps every namespace it has parsed, for the life of the process, in two dicts (``nsdict`` and the class-wide
    ``Element.namespaces``), and declares them all in each file it writes: after a damaged document's empty namespace,
    every file it writes holds ``xmlns:ns42=""`` and no longer parses ("must not undeclare prefix"). Reading is not
    affected; only the tests write ODF files.
    """
    for namespaces in (nsdict, Element.namespaces):
        namespaces.pop("", None)
    yield


def with_parts(package: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """``package`` zipped again with each part changed by ``change(name, data)``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return buffer.getvalue()
