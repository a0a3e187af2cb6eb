"""Reading supported files into plain text, with page spans where a format has pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"})
_TITLE_CHARS = 120
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#+\s*")


class LoadError(Exception):
    """A file that cannot be indexed; the message says why, for the per-file report."""


@dataclass(frozen=True)
class Page:
    """Page ``number`` (1-based) covers characters [start, end) of the document text."""

    number: int
    start: int
    end: int


@dataclass
class LoadedDocument:
    """The text of one file, its title, and its pages if the format has them."""

    text: str
    title: str
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page number holding character ``offset``, or None for formats without pages."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None


def is_supported(path: Path) -> bool:
    """Whether ``path`` has a suffix the loader reads."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def load(path: Path) -> LoadedDocument:
    """Read ``path`` into a document, or raise LoadError with a reason a user can act on."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("file is empty")
    match suffix:
        case ".pdf":
            document = _load_pdf(path)
        case ".docx":
            document = _load_docx(path)
        case ".html" | ".htm":
            document = _load_html(_decode(data))
        case _:
            document = _plain(_decode(data))
    if not document.text.strip():
        raise LoadError("no text could be extracted")
    return document


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"not valid UTF-8 text (invalid byte at offset {error.start})") from None


def _plain(text: str) -> LoadedDocument:
    text = text.replace("\r\n", "\n")
    return LoadedDocument(text=text, title=_first_line(text))


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = _MARKDOWN_HEADING.sub("", line).strip()
        if line:
            return line[:_TITLE_CHARS]
    return ""


def _load_html(markup: str) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    # Only visible text: scripts, styles and the head never reach the index.
    for element in soup(["script", "style", "noscript", "template", "head"]):
        element.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    text = "\n\n".join(line for line in lines if line)
    return LoadedDocument(text=text, title=(title or _first_line(text))[:_TITLE_CHARS])


def _load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise LoadError("encrypted PDF; decrypt it first")
        texts = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.title) if reader.metadata and reader.metadata.title else ""
    except LoadError:
        raise
    except (PdfReadError, DependencyError, NotImplementedError, ValueError, KeyError, TypeError, OSError) as error:
        raise LoadError(f"unreadable PDF: {error}") from None
    parts: list[str] = []
    pages: list[Page] = []
    warnings: list[str] = []
    offset = 0
    for number, page_text in enumerate(texts, start=1):
        page_text = page_text.strip()
        if not page_text:
            warnings.append(f"page {number} has no extractable text (scanned image?)")
            continue
        if parts:
            offset += 2
        pages.append(Page(number, offset, offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    return LoadedDocument(text=text, title=(title or _first_line(text))[:_TITLE_CHARS], pages=pages, warnings=warnings)


def _load_docx(path: Path) -> LoadedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
        text = "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())
        title = document.core_properties.title or _first_line(text)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as error:
        raise LoadError(f"unreadable DOCX: {error}") from None
    return LoadedDocument(text=text, title=title[:_TITLE_CHARS])
