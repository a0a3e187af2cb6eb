"""EPUB files built in memory for the loader's tests: a container, a package document, XHTML chapters."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def xhtml_page(title: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body>{body}</body></html>'


def epub(files: dict[str, str | bytes], spine: list[str], title: str = "Field Guide", **options: str) -> bytes:
    """An EPUB 3 whose package lists ``files`` (under OPS/) in the manifest and ``spine`` (their names) in order.

    ``options``: ``doctype`` put before the package element; ``href_<name>`` (dots as underscores) the manifest's
    address for that file instead of its name.
    """
    kinds = {".xhtml": "application/xhtml+xml", ".png": "image/png", ".svg": "image/svg+xml"}
    items = "".join(
        f'<item id="{name}" href="{options.get("href_" + name.replace(".", "_"), name)}" media-type="{kinds[Path(name).suffix]}"'
        + (' properties="nav"' if name == "nav.xhtml" else "")
        + "/>"
        for name in files
    )
    refs = "".join(f'<itemref idref="{name}"/>' for name in spine)
    package = (
        f'<?xml version="1.0"?>{options.get("doctype", "")}<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></metadata>'
        f"<manifest>{items}</manifest><spine>{refs}</spine></package>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("OPS/book.opf", package)
        for name, data in files.items():
            archive.writestr(f"OPS/{name}", data)
    return buffer.getvalue()


BOOK = {
    "nav.xhtml": xhtml_page(
        "Contents", '<nav><ol><li><a href="one.xhtml">Birds</a></li><li><a href="two.xhtml">Moths</a></li></ol></nav>'
    ),
    "cover.png": b"\x89PNG\r\n\x1a\n",
    "two.xhtml": xhtml_page("Moths", "<h1>Moths</h1><h2>Flight</h2><p>Most moths fly at <em>night</em>, guided by the moon.</p>"),
    "one.xhtml": xhtml_page(
        "Birds", "<h1>Birds</h1><p>A swift can stay aloft for ten months; run <code>tally --swifts</code> to count them.</p>"
    ),
}
