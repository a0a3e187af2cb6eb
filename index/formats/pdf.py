"""PDF to text with PDFium: lines joined into paragraphs, running headers and footers dropped.

PDFium (pypdfium2) gives each line of a page with its position, size and font, which is what it
takes to tell a paragraph from a wrapped line, a code block from prose, and a running header
from content. Headings come from the PDF outline when it has one, else from larger type.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from index.formats.blocks import TextBuilder, collapse
from index.formats.pdflayout import Block, Line, footnotes, join_lines, page_blocks, running_furniture, table_of_contents
from index.loader import LoadedDocument, LoadError, Page

# PDFium is not thread-safe, not even across documents, and the viewer can load while a sync does.
_PDFIUM = threading.Lock()
_FIXED_PITCH = 1  # font descriptor flag
_MONOSPACE = re.compile(r"(?i)mono|courier|typewriter|cmtt|consol|menlo|fixed|code|lmtt")
_FONT_SAMPLES = 8
_LINE = re.compile(r"[^\r\n]+")
_SOFT_HYPHEN = re.compile("[\ufffe\x02]")  # PDFium's mark for a hyphen it removed at a line end
_BLANK = " \t\ufffe\x02"
# A superscript: its origin at least this share of the base character's size above that character's, and its
# type smaller than this share of the base's (TeX and word processors set exponents at 0.6-0.7 of the size,
# raised by a third or more).
_RAISED = 0.2
_SMALLER = 0.9
_NOTE_AFTER = frozenset(".,;:!?\"'”’")  # what a footnote's mark follows, never a power
# An underscore drawn as a rule: a stroke at most this thick for its length and this long (points), at least this long
# for the type size, between two characters' boxes give or take this share of the type size, its middle at most this
# far below or above their baseline (shares of the type size).
_RULE_THINNESS = 0.35
_RULE_MAX_WIDTH = 20.0
_RULE_MIN_WIDTH = 0.25
_RULE_SLACK = 0.15
_RULE_BELOW = 0.4
_RULE_ABOVE = 0.2
_RULE_BAND = 4.0  # points: the height of the bands of a page its strokes are sorted into
# A page of more objects than this is a drawing (a map, a plot of many points), not text with an underscore or two drawn
# in it: its strokes are not looked at (2.5 us an object here, 50 ms at most a page).
_MOST_OBJECTS = 20_000
_LINE_BREAKS = "\r\n"
# A gap between two characters' advance boxes wider than this share of the type size is a word space (groff's
# narrowest, in justified lines, is a quarter of it; no PDF here sets two letters of a word a fifth apart), and no gap
# under this many points is one, whatever the size.
_WORD_GAP = 0.23
_WORD_GAP_POINTS = 1.0
# The glyphs a typesetter sets for ASCII characters that a reader types as ASCII: groff sets a command's option dash
# ("\\-") as a minus sign ("−−login"), and "~" and "^" as spacing accents ("˜/.bashrc", "${parameterˆpattern}"). Read as
# typed, an option, a path or a pattern in a question meets its text, and the text's identifiers are read as such. Read
# so once the page is laid out: a line that starts with a minus sign is no list item's.
# A definition's category at a line's end, far from the text before it (Texinfo's "[Function]", "[Macro]", "[Context
# struct]"): at least this many times the type size apart, where a word space is a third of it.
_CATEGORY = re.compile(r"\s\[([A-Z][A-Za-z]*(?: [A-Za-z]+){0,2})\]$")
_LABEL_GAP = 1.5
_TYPESET_ASCII = str.maketrans({"\u2212": "-", "\u02dc": "~", "\u02c6": "^"})


@dataclass
class _Bookmark:
    level: int
    title: str
    page: int  # 0-based page index


def read_pdf(source: Path | bytes) -> LoadedDocument:
    """The text of a PDF (its path, or a decompressed file's bytes) as paragraphs, with page spans, outline sections
    and a warning per textless page."""
    with _PDFIUM:
        try:
            # A path, where there is one: PDFium then reads the file itself, not through a Python buffer.
            document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
        except pdfium.PdfiumError as error:
            # A password, or a certificate (public-key) security handler PDFium does not implement.
            if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise LoadError("encrypted PDF; decrypt it first") from None
            raise LoadError(f"unreadable PDF: {error}") from None
        try:
            pages = [_read_page(document, index) for index in range(len(document))]
            bookmarks = _bookmarks(document)
            title = collapse(document.get_metadata_dict().get("Title", ""))
        except pdfium.PdfiumError as error:
            raise LoadError(f"unreadable PDF: {error}") from None
        finally:
            document.close()
    return _assemble(pages, bookmarks, title)


@dataclass
class _Placed:
    """A block on its way into the text, with the pages that start inside it (page number, offset in the block)."""

    block: Block
    text: str
    starts: list[tuple[int, int]]


def _unstarted(blocks: list[Block]) -> list[_Placed]:
    """``blocks`` placed as they are, no page starting inside any of them."""
    return [_Placed(block, block.text, []) for block in blocks]


def _assemble(pages: list[list[Line]], bookmarks: list[_Bookmark], title: str) -> LoadedDocument:
    furniture = running_furniture(pages) | table_of_contents(pages)
    lines = [[line for n, line in enumerate(page) if (index, n) not in furniture] for index, page in enumerate(pages)]
    body_size = _body_size(lines)
    warnings: list[str] = []
    placed: list[_Placed] = []
    last_block: dict[int, int] = {}  # page number -> index in placed of its last block
    notes: list[Block] = []  # the last page's footnotes, placed once it is known whether its last paragraph runs on
    noted = 0  # the page they are on
    for number, page in enumerate(lines, start=1):
        blocks = page_blocks(page, body_size)
        if not blocks:
            # A page of nothing but furniture (a running title, its number, the table of contents) has text, none of
            # it indexed; only a page without any may be a scan.
            if not pages[number - 1]:
                warnings.append(f"page {number} has no extractable text (scanned image?)")
            continue
        first = blocks[0]
        if placed and placed[-1].block.continues_into(first):
            # A paragraph running on from the previous page stays one paragraph, and that page's footnotes, set
            # between its two parts, follow it whole ("The license may [1 The Debian archive ...] require ...").
            joined = join_lines(placed[-1].text, first.text)
            placed[-1].starts.append((number, len(joined) - len(first.text)))
            placed[-1].text = joined
            placed[-1].block = first
            placed.extend(_unstarted(notes))
        else:
            if notes:
                placed.extend(_unstarted(notes))
                last_block[noted] = len(placed) - 1
            placed.append(_Placed(first, first.text, [(number, 0)]))
        held = footnotes(blocks, body_size)
        notes, noted = blocks[len(blocks) - held :], number
        placed.extend(_unstarted(blocks[1 : len(blocks) - held]))
        last_block[number] = len(placed) - 1
    placed.extend(_unstarted(notes))
    if notes:
        last_block[noted] = len(placed) - 1
    builder = TextBuilder()
    levels = _heading_levels(placed) if not bookmarks else {}
    starts: dict[int, int] = {}
    ends: list[int] = []
    for item in placed:
        level = levels.get(round(item.block.size * 2) / 2, 0) if item.block.kind == "heading" else 0
        offset = builder.add(item.text.translate(_TYPESET_ASCII), heading=level)  # as typed, once laid out
        ends.append(builder.length)
        for number, within in item.starts:
            starts[number] = (offset or 0) + within
    numbers = sorted(starts)
    spans = []
    for number, following in itertools.zip_longest(numbers, numbers[1:]):
        end = ends[last_block[number]]
        if following is not None and starts[following] < end:
            end = starts[following]  # the next page starts inside this page's last paragraph
        spans.append(Page(number, starts[number], end))
    text = builder.text()
    for bookmark in bookmarks:
        offset = _bookmark_offset(text, spans, bookmark)
        if offset is not None:
            builder.mark_heading(offset, bookmark.level + 1, bookmark.title)
    return LoadedDocument(text=text, title=title, pages=spans, warnings=warnings, sections=builder.sections(title))


def _heading_levels(placed: list[_Placed]) -> dict[float, int]:
    """Without an outline, headings are ranked by type size: the largest is level 1."""
    sizes = sorted({round(item.block.size * 2) / 2 for item in placed if item.block.kind == "heading"}, reverse=True)
    return {size: min(6, rank) for rank, size in enumerate(sizes, start=1)}


def _read_page(document: pdfium.PdfDocument, index: int) -> list[Line]:
    page = document[index]
    textpage = page.get_textpage()
    try:
        height = page.get_height()
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count > 0 else ""
        if len(text) != count:
            # Characters outside the BMP come back as one str character for two UTF-16 units: read
            # them one by one so that string positions stay PDFium's character indices.
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
        rules = _short_rules(page)
        if rules:
            text = _drawn_underscores(textpage, text, rules)
        return [line for match in _LINE.finditer(text) if (line := _line(textpage, text, match, height))]
    finally:
        textpage.close()
        page.close()


def _short_rules(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """The bounds (left, bottom, right, top) of the short, thin horizontal strokes drawn on a page: an underscore some
    fonts draw as a rule rather than as a character (Texinfo's slanted typewriter type: "size_t" reads "size t")."""
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    if count > _MOST_OBJECTS:
        return []  # a drawing's page: reading its every object would cost more than its text
    rules = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for index in range(count):
        item = pdfium_c.FPDFPage_GetObject(page.raw, index)
        if pdfium_c.FPDFPageObj_GetType(item) not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_SHADING):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(item, *map(ctypes.byref, (left, bottom, right, top))):
            continue
        width, height = right.value - left.value, top.value - bottom.value
        if 0 < height <= _RULE_THINNESS * width and width <= _RULE_MAX_WIDTH:
            rules.append((left.value, bottom.value, right.value, top.value))
    return rules


def _drawn_underscores(textpage: pdfium.PdfTextPage, text: str, rules: list[tuple[float, float, float, float]]) -> str:
    """``text`` with each space that stands for a drawn underscore read as one: a rule in the gap between the two
    characters around the space, as wide as the gap at most, at their baseline."""
    strokes = _Strokes(rules)
    chars = list(text)
    for index in range(1, len(text) - 1):
        if text[index] != " " or text[index - 1] in _LINE_BREAKS or text[index + 1] in _LINE_BREAKS + " ":
            continue
        _, _, gap_left, _ = textpage.get_charbox(index - 1)
        gap_right, _, _, _ = textpage.get_charbox(index + 1)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index - 1)
        if strokes.in_gap(gap_left, gap_right, _baseline(textpage, index - 1), size):
            chars[index] = "_"
    return "".join(chars)


class _Strokes:
    """A page's short strokes by the band of the page their middle is in, each band's from left to right: a gap looks
    only at the strokes near its line that start in it, so a page of many strokes costs a search per space, not a
    pass over them all."""

    def __init__(self, rules: list[tuple[float, float, float, float]]) -> None:
        self._bands: dict[int, list[tuple[float, float, float, float]]] = defaultdict(list)
        for rule in sorted(rules):
            self._bands[int((rule[1] + rule[3]) / 2 // _RULE_BAND)].append(rule)
        self._lefts = {band: [rule[0] for rule in banded] for band, banded in self._bands.items()}

    def in_gap(self, gap_left: float, gap_right: float, baseline: float, size: float) -> bool:
        """Whether a stroke fills the gap between two characters of type ``size`` on ``baseline``, as an underscore
        does: inside the gap give or take a little, long enough for one, its middle at the baseline."""
        low, high, slack = baseline - _RULE_BELOW * size, baseline + _RULE_ABOVE * size, _RULE_SLACK * size
        for band in range(int(low // _RULE_BAND), int(high // _RULE_BAND) + 1):
            banded = self._bands.get(band, [])
            for left, bottom, right, top in itertools.islice(
                banded, bisect.bisect_left(self._lefts.get(band, []), gap_left - slack), None
            ):
                if left > gap_right + slack:
                    break
                if right <= gap_right + slack and right - left >= _RULE_MIN_WIDTH * size and low <= (bottom + top) / 2 <= high:
                    return True
        return False


def _line(textpage: pdfium.PdfTextPage, text: str, match: re.Match[str], height: float) -> Line | None:
    # "\ufffe" marks a line-end hyphen PDFium removed when it joined the word: keep the word whole.
    spaced = _unspaced_words(textpage, match.group(), match.start())
    content = collapse(_SOFT_HYPHEN.sub("", _read_superscripts(textpage, match.group(), match.start(), spaced)))
    if not content:
        return None
    raw = match.group()
    first = match.start() + len(raw) - len(raw.lstrip(_BLANK))
    last = match.end() - 1 - (len(raw) - len(raw.rstrip(_BLANK)))
    # A few characters spread over the line decide its size and whether it is set in a monospace font.
    step = max(1, (last - first) // (_FONT_SAMPLES - 1))
    samples = sorted({_next_inked(text, i, last) for i in range(first, last + 1, step)})
    left, _, _, _ = textpage.get_charbox(first)
    _, _, right, _ = textpage.get_charbox(last)
    baselines = [_baseline(textpage, index) for index in (first, last)]
    # The commonest size of the samples: small caps or a superscript in a line do not make it a new block.
    size = Counter(round(pdfium_c.FPDFText_GetFontSize(textpage.raw, i), 1) for i in samples).most_common(1)[0][0]
    mono = all(_is_monospace(textpage, i) for i in samples)
    content, label = _category_label(textpage, raw, match.start(), content, size)
    return Line(content, left, right, baselines[0], baselines[1], size, mono, height, label)


def _category_label(textpage: pdfium.PdfTextPage, raw: str, start: int, content: str, size: float) -> tuple[str, str]:
    """``content`` without the category a definition line carries at the right margin, and that category: Texinfo sets
    "void sha256_update (struct sha256_ctx *ctx, size_t length, const" ... "[Function]" far apart on the first line of
    a function's, macro's or constant's entry. A bracketed word one word space from the text before it ("see
    [Knuth]") is a citation: the content stays as it is, with no category."""
    found = _CATEGORY.search(raw.rstrip(_BLANK))
    if found is None or not content.endswith(found.group().strip()):
        return content, ""
    bracket = found.start(1) - 1  # the offset of "[" in raw
    last = found.start()  # the last inked character before it
    while last > 0 and (raw[last] in _BLANK or raw[last].isspace()):
        last -= 1
    if raw[last] in _BLANK or raw[last].isspace():
        return content, ""  # nothing before the category: no definition
    _, _, text_end, _ = textpage.get_charbox(start + last, loose=True)
    label_start, _, _, _ = textpage.get_charbox(start + bracket, loose=True)
    if label_start - text_end < _LABEL_GAP * size:
        return content, ""
    return content[: len(content) - len(found.group().strip())].rstrip(), found.group(1)


def _unspaced_words(textpage: pdfium.PdfTextPage, raw: str, start: int) -> frozenset[int]:
    """The offsets in ``raw`` (the page's text from character ``start`` on) of the characters set a word space apart
    from the one before them with no space between in PDFium's text: groff's PDFs set words apart by position alone,
    and PDFium joins some ("butthe", "invokedwith"). Measured between the characters' advance boxes, so that a narrow
    letter's own side bearings are no gap."""
    found = set()
    box = pdfium_c.FS_RECTF()
    previous_right: float | None = None
    for offset, char in enumerate(raw):
        if char in _BLANK or char == "_":  # an underscore joins (one drawn as a stroke stands where a space was read)
            previous_right = None
            continue
        pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, start + offset, ctypes.byref(box))
        gap = box.left - previous_right if previous_right is not None else 0.0
        # The type size is asked only of a gap that may be a space: most are none.
        if gap > _WORD_GAP_POINTS and gap > _WORD_GAP * pdfium_c.FPDFText_GetFontSize(textpage.raw, start + offset):
            found.add(offset)
        previous_right = box.right
    return frozenset(found)


def _read_superscripts(textpage: pdfium.PdfTextPage, raw: str, start: int, spaced: frozenset[int] = frozenset()) -> str:
    """``raw``, the page's text from character ``start`` on, with each run of digits set raised and smaller read as
    a person reads it: PDFium reads "4 GB (2<sup>32</sup> bytes)" as "(232 bytes)", a false number.

    After a letter, a digit or a closing parenthesis the run is a power, as the HTML and DOCX readers read one
    (``blocks.superscript``): "2^32", "x^2"; a footnote's mark after a word reads "word^3", no longer glued into the
    word. After punctuation it is a footnote's mark and goes, as HTML's do: "... as most do.5 See" glued the note's
    number to the sentence end, which then did not end there. A space goes before each character at an offset in
    ``spaced`` (``_unspaced_words``).
    """
    pieces: list[str] = []
    base: tuple[float, float] | None = None  # the baseline and size of the character a raised run sits on
    dropping = False
    for offset, char in enumerate(raw):
        if not char.isdigit():
            base, dropping = None, False
        elif base is None and offset and (_bears_power(raw[offset - 1]) or raw[offset - 1] in _NOTE_AFTER):
            base = _raised_over(textpage, start + offset, start + offset - 1)
            if base is not None:
                dropping = not _bears_power(raw[offset - 1])
                if not dropping:
                    pieces.append("^")
        elif base is None and offset > 1 and raw[offset - 1] == " " and raw[offset - 2] in _NOTE_AFTER:
            # A mark set apart from its punctuation by a space ("filesystems. 11 These"): a footnote's too, space and all.
            base = _raised_over(textpage, start + offset, start + offset - 2)
            if base is not None:
                dropping = True
                pieces.pop()
        if not dropping:
            if offset in spaced:
                pieces.append(" ")
            pieces.append(char)
    return "".join(pieces)


def _raised_over(textpage: pdfium.PdfTextPage, index: int, below: int) -> tuple[float, float] | None:
    """The baseline and size of character ``below`` when character ``index`` is set raised and smaller over it."""
    base = _origin_and_size(textpage, below)
    y, size = _origin_and_size(textpage, index)
    return base if y - base[0] > _RAISED * base[1] and size < _SMALLER * base[1] else None


def _bears_power(char: str) -> bool:
    """Whether a raised number after ``char`` is a power: "2^32", "x^2", "(a+b)^2"."""
    return char.isalnum() or char == ")"


def _origin_and_size(textpage: pdfium.PdfTextPage, index: int) -> tuple[float, float]:
    """Where character ``index`` stands (its origin's height on the page, text rise included) and its type size."""
    return _baseline(textpage, index), pdfium_c.FPDFText_GetFontSize(textpage.raw, index)


def _baseline(textpage: pdfium.PdfTextPage, index: int) -> float:
    """The height on the page of character ``index``'s origin: its baseline, text rise included."""
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


def _next_inked(text: str, index: int, last: int) -> int:
    while index < last and text[index] in _BLANK:
        index += 1
    return index


def _is_monospace(textpage: pdfium.PdfTextPage, index: int) -> bool:
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, name, len(name), ctypes.byref(flags))
    return bool(flags.value & _FIXED_PITCH) or bool(_MONOSPACE.search(name.value.decode("latin-1")))


def _body_size(pages: list[list[Line]]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _bookmarks(document: pdfium.PdfDocument) -> list[_Bookmark]:
    found = []
    for bookmark in document.get_toc():
        destination = bookmark.get_dest()
        title = collapse(bookmark.get_title() or "")
        if destination is not None and title and destination.get_index() is not None:
            found.append(_Bookmark(bookmark.level, title, destination.get_index()))
    return found


def _bookmark_offset(text: str, spans: list[Page], bookmark: _Bookmark) -> int | None:
    """Where a bookmark's heading starts: its title at a block start on its page, else anywhere there, else the page."""
    span = next((page for page in spans if page.number > bookmark.page), None)  # its page, or the next with text
    if span is None:
        return None
    if span.number != bookmark.page + 1:
        return span.start
    title = r"\s+".join(map(re.escape, bookmark.title.split()))
    # At a block start the match takes in any numbering before the title ("3.1.2 Quoting").
    at_block = re.compile(rf"(?:\A|(?<=\n\n))[^\n]{{0,12}}?{title}", re.IGNORECASE)
    match = at_block.search(text, span.start, span.end) or re.compile(title, re.IGNORECASE).search(text, span.start, span.end)
    return match.start() if match else span.start
