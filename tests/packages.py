"""Zipped documents (DOCX, PPTX, ODT, EPUB) taken apart and put back together, for the tests of damaged packages."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable


def with_parts(package: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """``package`` zipped again with each part changed by ``change(name, data)``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return buffer.getvalue()
