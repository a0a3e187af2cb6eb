"""EPUB (2 and 3) to text: the book's XHTML documents in reading order, each read as a web page is.

An EPUB is a zip archive: ``META-INF/container.xml`` names the package document (OPF), whose spine lists the
content documents in reading order. Each is read by the HTML reader (``index.formats.html``), so inline markup,
code, headings and page furniture are handled as on the web. The book's title heads every section path ("Live
Systems Manual > 1. About this manual"). EPUB 3's navigation document (the table of contents) is left out, as are
spine entries that are no XHTML (an SVG cover, an image).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from index.formats.archive import BROKEN_ZIP
from index.formats.blocks import collapse
from index.formats.html import read_html
from index.loader import LoadedDocument, LoadError, Section, decode_html, over_limit

_CONTAINER = "META-INF/container.xml"
_ENCRYPTION = "META-INF/encryption.xml"
_PACKAGE_TYPE = "application/oebps-package+xml"
_PAGE_TYPES = frozenset({"application/xhtml+xml", "text/html"})
# The archive's own XML never needs entities or a network: none are resolved (no "billion laughs", no fetching).
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class _Item:
    """One manifest entry: where it is in the archive, its media type, its EPUB 3 properties ("nav")."""

    path: str
    media_type: str
    properties: frozenset[str]


def read_epub(data: bytes, max_bytes: int) -> LoadedDocument:
    """A book's text (the file's bytes) as blocks, chapter after chapter, with the book's title over every section.

    ``max_bytes``: what the documents read out of the archive may add up to; a larger book is refused (a "zip bomb").
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            reader = _Reader(archive, max_bytes)
            package = _package_path(reader)
            title, pages = _spine(reader, package)
            if locked := _encrypted(reader) & set(pages):
                raise LoadError(f"encrypted EPUB (DRM: {min(locked)} and others are locked); remove the protection first")
            chapters = [reader.page(path) for path in pages]
    except (*BROKEN_ZIP, KeyError, ValueError, etree.XMLSyntaxError, RuntimeError) as error:
        # A damaged archive, a missing member, an encrypted one (RuntimeError).
        raise LoadError(f"unreadable EPUB: {error}") from None
    return _joined(title, chapters)


class _Reader:
    """Reads members of the archive, all of them together at most ``max_bytes``."""

    def __init__(self, archive: zipfile.ZipFile, max_bytes: int) -> None:
        self.archive = archive
        self.left = max_bytes
        self.max_bytes = max_bytes

    def bytes(self, name: str) -> bytes:
        with self.archive.open(name) as member:
            # One byte past what is left tells a book at the limit from a larger one, without inflating the rest.
            data = member.read(self.left + 1)
        if len(data) > self.left:
            raise over_limit(self.max_bytes)
        self.left -= len(data)
        return data

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.bytes(name), _PARSER)

    def page(self, name: str) -> LoadedDocument:
        markup, warning = decode_html(self.bytes(name))
        document = read_html(markup)
        if warning:
            document.warnings.append(f"{name}: {warning}")
        return document


def _package_path(reader: _Reader) -> str:
    """Where the package document is, as the container names it."""
    rootfiles = reader.xml(_CONTAINER).xpath("//*[local-name()='rootfile']")
    paths = [r.get("full-path") for r in rootfiles if r.get("media-type", _PACKAGE_TYPE) == _PACKAGE_TYPE]
    if not paths or not paths[0]:
        raise LoadError(f"unreadable EPUB: {_CONTAINER} names no package document")
    return str(paths[0])


def _encrypted(reader: _Reader) -> set[str]:
    """The archive paths ``META-INF/encryption.xml`` lists as encrypted: a DRM-locked book's chapters, or only its
    fonts (the IDPF's font obfuscation, which locks no text)."""
    if _ENCRYPTION not in reader.archive.namelist():
        return set()
    references = reader.xml(_ENCRYPTION).xpath("//*[local-name()='CipherReference']/@URI")
    return {posixpath.normpath(unquote(str(uri))) for uri in references}


def _spine(reader: _Reader, package: str) -> tuple[str, list[str]]:
    """The book's title and the archive paths of its content documents, in reading order, each once."""
    root = reader.xml(package)
    folder = posixpath.dirname(package)
    title = collapse(root.xpath("string(//*[local-name()='metadata']/*[local-name()='title'][1])"))
    items = {
        item.get("id"): _Item(
            # A manifest may list one file under several fragments ("about.xhtml#o8"): the file is what is read.
            path=posixpath.normpath(posixpath.join(folder, unquote(item.get("href", "").partition("#")[0]))),
            media_type=item.get("media-type", ""),
            properties=frozenset(item.get("properties", "").split()),
        )
        for item in root.xpath("//*[local-name()='manifest']/*[local-name()='item']")
    }
    pages: dict[str, None] = {}
    for reference in root.xpath("//*[local-name()='spine']/*[local-name()='itemref']"):
        item = items.get(reference.get("idref"))
        if item is None or item.media_type not in _PAGE_TYPES or "nav" in item.properties:
            continue  # an image or SVG page, the table of contents, or a reference to nothing
        pages.setdefault(item.path)
    return title, list(pages)


def _joined(title: str, chapters: list[LoadedDocument]) -> LoadedDocument:
    """The chapters as one document: their texts a blank line apart, their sections under the book's title."""
    parts: list[str] = []
    sections: list[Section] = []
    code: list[str] = []
    warnings: list[str] = []
    offset = 0
    root = (title,) if title else ()
    for chapter in chapters:
        if not chapter.text.strip():
            continue  # a cover image, a page of nothing but links
        if parts:
            offset += 2
        parts.append(chapter.text)
        for section in chapter.sections:
            path = tuple(heading for heading in section.path if heading != title)
            sections.append(Section(offset + section.start, offset + section.end, root + path))
        code += chapter.code
        warnings += chapter.warnings
        offset += len(chapter.text)
    return LoadedDocument(text="\n\n".join(parts), title=title, sections=sections, code=code, warnings=warnings)
