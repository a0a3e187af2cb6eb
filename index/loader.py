"""Reading supported files into plain text, with page spans and heading sections where a format has them.

Each format has its reader in ``index.formats``; all of them emit blocks (paragraphs, list items,
table rows, code, headings) separated by a blank line, so that a sentence never spans two blocks
and inline markup never splits one.
"""

from __future__ import annotations

import bisect
import codecs
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# Must change whenever the text any file loads to changes (new rules, another extraction library,
# a fixed bug), or the way it is cut into sentences and chunks, so that an index built by an older
# loader is re-chunked rather than mixing texts. 12: sentence ends found by blingfire. 13: an exponent set as a
# superscript reads "2^32", not "232" (HTML, DOCX); a block of nothing but links before an HTML page's first h1 (a
# site menu, a table of contents) is dropped, and so is a footnote's mark in HTML text ("ways[3] to"); a long title
# is cut after a whole word, with "…". 14: a word a document writes in its prose more often than as inline code is
# not one of its code terms ("user" of ``edquota user``; ``index.text.code_terms``). 15: a PDF's exponent set raised
# and smaller reads "2^32", not "232". 16: a PDF line that opens with a lone comma or a sentence's full stop joins
# the line before it without a space ("trees^2, there", not "trees^2 , there"). 17: a PDF's footnote mark after
# punctuation goes ("as most do.5 See" read as one sentence). 18: Texinfo's table of contents, chapter menus and
# printed indexes are navigation. 19: a PDF chapter's running title on a run of pages ("The /usr Hierarchy", under 30 %
# of the pages) is furniture: it no longer splits the sentence that crosses a page break; a PDF heading set over two
# lines is one heading, its second line measured against the heading's own leading. 20: a PDF's printed table of
# contents (and an index's pages of dot-leader entries) is furniture. 21: a PDF's footnote mark set a space apart from
# its full stop goes too ("filesystems. 11 These"). 22: a PDF's running header is furniture by where it stands, when
# its words change from page to page ("CHAPTER 9. KEEPING YOUR DEBIAN SYSTEM … 9.5. CAN I AUTOMATICALLY UPDATE THE…").
# 23: a PDF paragraph that runs on to the next page is whole though the page's footnotes stand between its parts.
# 24: an HTML page's footer and header laid out as ``div#footer`` and ``div#header`` are furniture (a header only when
# it holds no heading), and so are permalink marks ("Logging ¶"); an AsciiDoc note's label no longer leads its
# sentence ("Note | ..."). 25: a manual page's names (its NAME section's, and the pages it cites with their sections:
# "git-clean(1)") are code terms. 26: a link whose whole text is a number and whose address is the block right after
# it is that block's number (SiSU numbers every paragraph so), not text; EPUB is read. 27: a Sphinx toctree (the list
# of pages an index page or a book's first page gives) is navigation; OpenDocument Text and PowerPoint decks are read.
# 28: a row of links that are arrows or a bar's words ("[ << ] [ < ] [ Up ] [ > ] [ >> ] [Top] [Contents] [Index]",
# texi2any's header bar on every section of a many-page Texinfo manual) is navigation. 29: an HTML page is read 2,048
# elements deep, not 256 (a few hundred unclosed tags cut the rest of the page off, silently); Markdown read at any
# depth. 30: a Word document's content controls, tracked insertions, field results, smart tags and text boxes are read
# (python-docx's paragraph text skipped them all). 31: Markdown's depth bounded again (its parse costs each line once
# per level), and a list or quote nested past markdown-it's limit (whose rest it dropped: a list's tenth level, a
# quote's twentieth), or any markup nested past what its reader's recursion follows, is read as plain text, with a
# warning. 32: a PowerPoint SmartArt graphic's nodes are read (python-pptx reads none of its text). 33: a Word
# document's footnotes and endnotes are read after the paragraph or table row that cites them. 34: text in UTF-16 or
# UTF-32 with its byte-order mark is read (it was refused as binary). 35: MyST Markdown is read as its built page shows
# it (directive fences, roles, targets, comments); a Markdown footnote's mark goes and its text is read at the end; a
# reST or MyST :pep: or :rfc: role reads "PEP 8", not "8", and a cross-reference to another project's documentation
# ("pypug:Wheel") reads "Wheel". 36: an HTML table row whose cells hold a heading or a form lays the page out in columns
# (a site's menu beside its content): its blocks are read as blocks, not flattened into one line of cells. 37: a
# <title> outside the head (a page that prints a header line before its doctype, a page that repeats its title) is not
# read as text, nor is a code element around blocks a code word ("mkpasswdWords here."). 38: a block classed as a table
# of contents or a navigation bar that holds prose is content (Doxygen puts each page's text in ``div.contents``,
# Texinfo's class for its table of contents: every Doxygen page was read as its title alone). 39: an accessibility skip
# link ("Skip to content", on every page of Node's reference) is furniture. 40: a formula set as an image reads as its
# TeX source (Doxygen's "LaTeX" is an image of {\LaTeX}); other images' alt text is still not read. 41: a command after
# TeX's line break ("\\L") loses its backslashes too (found by the property test; no page here has one). 42: a block
# classed as a menu (Texinfo's chapter menus, SQLite's site menu on pages without an h1) is furniture while it is
# mostly links, and a link to a script ("javascript:...": a menu's "Menu" and "Search" buttons, rustdoc's "[−]") is. 43:
# rustdoc's furniture: an item's "source" link, an example's "Run" button, the "Expand description" toggle. 44: a code
# listing beside a column of line numbers (gtk-doc, Pygments) keeps its lines and loses the numbers (it was one line of
# cells, "1 2 3 | GHashTableIter iter; ..."); furniture inside a verbatim block is not read (Sphinx's "[docs]" links in
# a source listing); Sphinx's "[source]" links, Bootstrap's hidden dropdown menus (HAProxy's, read into its sentences),
# a page's ``#sidebar`` while it is mostly links, rdoc's "↑" links to the top and "click to toggle source" are furniture.
# 45: a shell's "$?" or "$!" ends no sentence ("($?) Expands to the exit status ..." was cut after "($?)"). 46: a
# DocBook admonition titled by a heading (PostgreSQL's ``<div class="note"><h3 class="title">Note</h3>``) is a box
# inside its subsection: read by its level, it ended the subsection, and every parameter described after it was filed
# under "Note". 47: an option that hard-wrapped text puts at a line's start stays in its sentence ("To view message
# content only, specify" / "-bh (Postfix 2.7 and later)." was two sentences, the option a fragment of its own). 48
# (the chunker): a chunk that carries over the first sentence of a description carries the term's line above it too
# ("--no-subscriptions" / "Do not dump subscriptions."), so that no chunk describes something it never names. 49: a PDF
# identifier that Texinfo broke after an underscore is one word again ("READLINE_" / "LINE" read "READLINE_ LINE"). 50:
# a PDF paragraph a page cuts after "of", "or", "the" ... goes on with a number on the next ("in the region of" / "50
# bytes."); it went on only with a lower-case word. 51: a number is a PDF page's printed number only standing as a
# number, not inside a word: a line at a page's foot holding "uint8" on the page printed 8 was dropped as a footer. 52:
# an underscore a PDF draws as a stroke (Texinfo's slanted typewriter type) is read as one, not as a space ("size t",
# "shopt option", "NO CLOBBER" in Nettle's, Bash's and zsh's manuals). 53: a PDF's minus sign, spacing tilde and
# circumflex are read as the ASCII "-", "~" and "^" they stand for (groff's bash.pdf: "−−login", "˜/.bashrc"). 54: two
# PDF characters a word space apart are two words, with no space between them in PDFium's text ("butthe"). 55: a PDF
# definition's category at the right margin leads it, and its prototype's lines are one ("Function: void f (int a,
# const char *b)"; Texinfo's "[Function]" stood inside the prototype, which ran into its description). 56: an Info
# menu written on the line right after a paragraph (zsh's and Python's Info manuals) ends the paragraph and is dropped;
# it was read into the paragraph's last sentence ("... a host of other features. * Menu: Author:: ...", found by the
# property test); nor is a menu's line read as a node's title when an underline follows it. 57: an inline code element
# holding a formula image is a code word with the formula's text in it, as its sentence reads it ("LaTeX" was left out
# of the code word, found by the HTML property test; no page here has one).
LOADER_VERSION = "57"

SUPPORTED_SUFFIXES = frozenset(
    {
        ".txt",
        ".md",
        ".markdown",
        ".rst",
        ".html",
        ".htm",
        ".pdf",
        ".docx",
        ".odt",
        ".pptx",
        ".epub",
        ".info",
        ".csv",
        ".tsv",
        ".ipynb",
        ".xlsx",
        ".ods",
        ".eml",
        ".mbox",
        ".json",
        ".jsonl",
    }
)
# A document compressed as Debian ships most of /usr/share/doc ("README.md.gz", "manual.pdf.gz", "NEWS.txt.xz") is read
# through its decompressor, as the file type of the suffix before: a bare "NEWS.gz" says no type, and is not read.
COMPRESSED_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
# A manual page's suffix is its section: "bash.1", "sshd_config.5", "open.3p", "CA.pl.1ssl", Tcl's "after.n" (Debian's
# /usr/share/man). A suffix that only starts with "n" (".nix", ".nfo") is none.
MANUAL_SECTION = re.compile(r"\.(?:[1-9][a-z]{0,8}|n)")
MANUAL_SUFFIXES = tuple(f".{section}" for section in range(1, 10))  # the plain sections, as a file picker lists them
# A GNU Info manual, whole ("grep.info") or one part of a manual makeinfo split ("find.info-1", "zsh.info-6").
INFO_SUFFIX = re.compile(r"\.info(?:-[1-9]\d{0,2})?")
# The file types, as errors list them.
SUPPORTED_TYPES = (
    f"{', '.join(sorted(SUPPORTED_SUFFIXES))}, manual pages (.1 to .9), each also compressed ({', '.join(COMPRESSED_SUFFIXES)})"
)
# What a compressed file may expand to when the caller sets no limit (the index passes CITEWISE_MAX_FILE_MB).
MAX_DECOMPRESSED_BYTES = 100_000_000
_TITLE_CHARS = 120
# Text formats whose markup a reader parses (Markdown, reStructuredText as .txt or .rst): nested past what the
# reader's recursion can follow, they are read as plain text, with this warning.
_MARKUP_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt"})
_TOO_DEEP = "lists or quotes nested too deeply for its markup to be read: read as plain text"
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#+\s*")


class TooDeep(Exception):
    """A text format's markup nested more deeply than its reader follows: the file is read as plain text instead."""


class LoadError(Exception):
    """A file that cannot be indexed; the message says why, for the per-file report."""


@dataclass(frozen=True)
class Page:
    """Page ``number`` (1-based) covers characters [start, end) of the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    """Characters [start, end) of the document text sit under heading ``path``, outermost heading first."""

    start: int
    end: int
    path: tuple[str, ...]


@dataclass
class LoadedDocument:
    """The text of one file, its title, its pages if the format has them, and its heading sections."""

    text: str
    title: str
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # The texts the format marks as code inline (HTML <code>, <kbd>, <samp>, <tt>, <var>; Markdown `code`;
    # reST ``literals`` and code roles), in order: commands, packages and options that are written in
    # lower case like any word, so that only this markup tells a reader they are names.
    code: list[str] = field(default_factory=list)
    # Where a record starts that is chunked alone (a table's row): a passage is then one row, which the cross-encoder
    # reads whole ("What is the area of France?" scores 2.7 against its row, -5.1 against the ten rows a chunk holds).
    breaks: list[int] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page number holding character ``offset``, or None for formats without pages."""
        # Pages are in order and disjoint: a bisection, since sync asks once per chunk of a long PDF.
        index = bisect.bisect_right(self.pages, offset, key=lambda page: page.start) - 1
        if index >= 0 and offset < self.pages[index].end:
            return self.pages[index].number
        return self.pages[-1].number if self.pages else None

    def heading_path_at(self, offset: int) -> tuple[str, ...]:
        """The headings (outermost first) that character ``offset`` sits under; () outside every section."""
        index = bisect.bisect_right(self.sections, offset, key=lambda section: section.start) - 1
        if index >= 0 and offset < self.sections[index].end:
            return self.sections[index].path
        return ()


def split_compression(name: str) -> tuple[str, str]:
    """``name`` without its compression suffix, and that suffix lower-cased ("" if none): "a.md.gz" -> ("a.md", ".gz")."""
    stem, last = os.path.splitext(name)
    return (stem, last.lower()) if last.lower() in COMPRESSED_SUFFIXES and stem else (name, "")


def split_suffix(name: str) -> tuple[str, str]:
    """``name`` as a stem and its suffix, a compressed document's two together: "a.md.gz" -> ("a", ".md.gz")."""
    inner, compressed = split_compression(name)
    stem, suffix = os.path.splitext(inner)
    return (stem, suffix + compressed) if compressed and suffix else os.path.splitext(name)


def document_suffix(name: str) -> str:
    """The suffix that says a file's type, lower-cased, behind a compression suffix: "Guide.MD.gz" -> ".md"."""
    return os.path.splitext(split_compression(name)[0])[1].lower()


def file_type(name: str) -> str:
    """A file's type as a report names it: ".pdf", ".md.gz", "(none)"."""
    return (document_suffix(name) + split_compression(name)[1]) or "(none)"


def is_supported(path: Path) -> bool:
    """Whether ``path`` has a suffix the loader reads (after a compression suffix, if any)."""
    return is_supported_suffix(document_suffix(path.name))


def is_supported_suffix(suffix: str) -> bool:
    """Whether the loader reads files whose type says ``suffix`` (lower-cased, as ``document_suffix`` gives it)."""
    return suffix in SUPPORTED_SUFFIXES or any(rule.fullmatch(suffix) for rule in (MANUAL_SECTION, INFO_SUFFIX))


def is_restructured_text(path: Path) -> bool:
    """Whether ``path`` is reStructuredText: ``.rst``, a Sphinx source copy ``*.rst.txt`` wherever it was put,
    or any ``.txt`` in a Sphinx ``_sources`` tree (compressed or not)."""
    name = split_compression(path.name)[0].lower()
    return name.endswith((".rst", ".rst.txt")) or (name.endswith(".txt") and "_sources" in path.parts)


def load(path: Path | str, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> LoadedDocument:
    """Read ``path`` (a Path or a string) into a document, or raise LoadError with a reason a user can act on.

    ``max_bytes``: what a compressed file may expand to; a larger one is refused, read no further (a "zip bomb").
    """
    path = Path(path)
    suffix = document_suffix(path.name)
    if not is_supported_suffix(suffix):
        raise LoadError(f"unsupported file type {file_type(path.name)}; supported: {SUPPORTED_TYPES}")
    data = read_bytes(path, max_bytes)
    if not data.strip():
        raise LoadError("file is empty")
    try:
        document = _read(path, suffix, data, max_bytes)
    except (RecursionError, TooDeep):
        # Lists or quotes nested more deeply than a reader follows (Markdown's ten levels of a list, hundreds of
        # anything that a reader's recursion runs out on). A text format is still read, as plain text, its markup
        # left in; any other is refused.
        if suffix not in _MARKUP_SUFFIXES:
            raise LoadError("nested too deeply to read (hundreds of levels of lists, tables or quotes)") from None
        document = _plain(decode_text(data))
        document.warnings.append(_TOO_DEEP)
    if not document.text.strip():
        raise LoadError("; ".join(["no text could be extracted", *document.warnings]))
    document.title = _shortened(document.title or _first_line(document.text))
    return document


def _read(path: Path, suffix: str, data: bytes, max_bytes: int) -> LoadedDocument:
    """``data``, the contents of ``path``, read by the reader of its type (``suffix``)."""
    # Readers are imported here, not at the top: each pulls in its own parsing library.
    match suffix:
        case ".pdf":
            from index.formats.pdf import read_pdf

            document = read_pdf(data if is_compressed(path) else path)
        case ".docx":
            from index.formats.docx import read_docx

            document = read_docx(data, max_bytes)
        case ".pptx":
            from index.formats.pptx import read_pptx

            document = read_pptx(data, max_bytes)
        case ".odt":
            from index.formats.odt import read_odt

            document = read_odt(data, max_bytes)
        case ".epub":
            from index.formats.epub import read_epub

            document = read_epub(data, max_bytes)
        case ".html" | ".htm":
            from index.formats.html import read_html

            text, warning = decode_html(data)
            document = read_html(text)
            if warning:
                document.warnings.append(warning)
        case _ if MANUAL_SECTION.fullmatch(suffix):
            from index.formats.man import read_man

            document = read_man(data)
        case _ if INFO_SUFFIX.fullmatch(suffix):
            from index.formats.info import read_info

            document = read_info(data)
        case ".csv" | ".tsv":
            from index.formats.table import read_table

            document = read_table(data, split_suffix(path.name)[0], "\t" if suffix == ".tsv" else None)
        case ".xlsx" | ".ods":
            from index.formats.spreadsheet import read_ods, read_xlsx

            document = (read_xlsx if suffix == ".xlsx" else read_ods)(data, split_suffix(path.name)[0], max_bytes)
        case ".json" | ".jsonl":
            from index.formats.records import read_json, read_json_lines

            document = (read_json if suffix == ".json" else read_json_lines)(data, split_suffix(path.name)[0])
        case ".eml" | ".mbox":
            from index.formats.mail import read_eml, read_mbox

            document = (read_eml if suffix == ".eml" else read_mbox)(data, split_suffix(path.name)[0])
        case ".ipynb":
            from index.formats.notebook import read_notebook

            document = read_notebook(data)
        case ".md" | ".markdown":
            from index.formats.markdown import read_markdown

            document = read_markdown(decode_text(data))
        case _ if is_restructured_text(path):
            from index.formats.rst import read_rst

            document = read_rst(decode_text(data))
        case _:
            document = _plain(decode_text(data))
    return document


def page_word(name: str) -> str:
    """What a page of the file ``name`` is called where a citation or the viewer names one: a deck's is a "slide"
    (each slide is read as a page), any other format's a "page"."""
    return "slide" if document_suffix(name) == ".pptx" else "page"


def is_compressed(path: Path) -> bool:
    """Whether ``path`` is a document under a compression suffix ("a.md.gz")."""
    return bool(split_compression(path.name)[1])


def read_bytes(path: Path, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The bytes of the document ``path`` holds: the file's own, or a compressed file's decompressed, at most
    ``max_bytes`` of them (LoadError beyond, or for a damaged archive)."""
    return _decompressed(path.read_bytes(), split_compression(path.name)[1], max_bytes)


def _decompressed(data: bytes, compression: str, max_bytes: int) -> bytes:
    """``data`` as stored (no ``compression``) or decompressed, at most ``max_bytes`` of it."""
    if not compression:
        return data
    import bz2
    import gzip
    import lzma
    import zlib

    kind = COMPRESSED_SUFFIXES[compression]
    module = {"gzip": gzip, "bzip2": bz2, "xz": lzma}[kind]
    try:
        with module.open(io.BytesIO(data), "rb") as stream:
            # One byte past the limit tells a file at the limit from a larger one, without inflating the rest.
            inflated = stream.read(max_bytes + 1)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
        # A damaged or truncated archive, or another format under this suffix.
        raise LoadError(f"not a readable {kind} file: {error or 'truncated'}") from None
    if len(inflated) > max_bytes:
        raise over_limit(max_bytes)
    return inflated


def over_limit(max_bytes: int) -> LoadError:
    """The error for a file that would inflate past ``max_bytes``: compressed, or an archive format (DOCX, EPUB)."""
    return LoadError(f"decompresses to more than {max_bytes / 1e6:.0f} MB, over the limit (CITEWISE_MAX_FILE_MB)")


def _shortened(title: str) -> str:
    """``title`` within ``_TITLE_CHARS``: a longer one is cut after its last whole word, with "…"."""
    if len(title) <= _TITLE_CHARS:
        return title
    cut = title[: _TITLE_CHARS - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > _TITLE_CHARS // 2 else cut).rstrip(" ,;:-") + "…"


def decode_text(data: bytes) -> str:
    """Text as UTF-8 (a byte-order mark dropped), or as UTF-16 or UTF-32 when it starts with their byte-order mark:
    Windows Notepad's "Unicode" and Windows PowerShell's ``>`` write UTF-16, whose every other byte of English is 0."""
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                text = data.decode(codec)  # the codec reads the mark for the byte order, and drops it
            except UnicodeDecodeError as error:
                raise LoadError(f"not valid {codec.upper()} text (invalid bytes at offset {error.start})") from None
            if "\x00" in text[:8192]:
                raise LoadError("binary content, not text")
            return text
    if b"\x00" in data[:8192]:
        raise LoadError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"not valid UTF-8 text (invalid byte at offset {error.start})") from None


# UTF-32's marks first: little-endian UTF-32's begins with little-endian UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# Labels a page may declare that the web reads as windows-1252 (the WHATWG Encoding Standard's mapping).
_READ_AS_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp1252"})


def decode_html(data: bytes) -> tuple[str, str]:
    """A web page's text, and what was done when it is not UTF-8 (else ""): the encoding the page declares
    (``<meta charset>``, ``http-equiv``, an XML declaration), else windows-1252, as browsers read a page that
    declares none. Valid UTF-8 is read as UTF-8 whatever the page says, so a page mislabelled in its header reads
    right, and every page that loaded before loads as before."""
    try:
        return decode_text(data), ""
    except LoadError:
        if b"\x00" in data[:8192]:
            raise
    from bs4.dammit import EncodingDetector

    declared = (EncodingDetector.find_declared_encoding(data, is_html=True, search_entire_document=False) or "").lower()
    encoding = "cp1252" if declared in _READ_AS_WINDOWS_1252 else declared
    try:
        # A byte the encoding leaves undefined reads as U+FFFD, as in a browser.
        text = data.decode(encoding, errors="replace") if encoding else ""
    except LookupError:
        encoding = ""
    if not encoding:
        return data.decode("cp1252", errors="replace"), "not UTF-8 and no encoding declared: read as windows-1252"
    return text, f"not UTF-8: read as {declared}, as the page declares"


def _plain(text: str) -> LoadedDocument:
    from index.formats.plain import read_plain

    return read_plain(text, _first_line(text))


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = _MARKDOWN_HEADING.sub("", line).strip()
        if line:
            return _shortened(line)
    return ""
