"""Layout rules that turn positioned PDF lines into paragraphs, code blocks and headings.

Kept apart from the PDFium calls so that the rules can be read, and tested, on plain data.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from index.text import UNFINISHING

# Running headers and footers live in the outer band of a page ...
_MARGIN_BAND = 0.12
_EDGE_LINES = 2
# ... and repeat on many pages (digits aside), or carry the page's own number.
_REPEATED_SHARE = 0.3
_REPEATED_MIN_PAGES = 3
_TITLE_GAP = 2  # a running title stands on every page of its chapter, or on every other one
# A running header stands this many line pitches (of its own type size) or more above the text under it.
_SET_APART = 2.0
_LEADING = 1.2  # a line's pitch as a share of its type size, as LaTeX and most typesetters set it
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
# A dot leader and the page number it leads to, at a line's end: ". . . . 59", "........ 5", "...... xii".
_LEADER = re.compile(rf"(?i)(?:\.\s?){{4,}}\s*(?:\d{{1,4}}|{_ROMAN})\s*$")
_PAGE_AT_END = re.compile(r"\s\d{1,4}\s*$")
_CONTENTS_MIN_ENTRIES = 5
_CONTENTS_SHARE = 0.4
_PAGE_NUMBER = re.compile(rf"(?i)^\W*(?:page\s*)?(?:\d{{1,4}}|{_ROMAN})(?:\s*(?:/|of)\s*\d{{1,4}})?\W*$")
_NUMBER = re.compile(r"(?<!\w)\d{1,4}(?!\d)")
_HEADER_CHARS = 120
_DIGITS = re.compile(r"\d+")
# Larger type than the body makes a heading; a gap this many times the usual line pitch a new paragraph.
_HEADING_RATIO = 1.15
_GAP_RATIO = 1.4
_DEFINITION_LINES = 4  # a definition's prototype goes on at most this many lines after its first
_HEADING_LEADING = 1.25  # a line's pitch in a heading, as a share of its type size (LaTeX sets 1.2)
_SHORT_LINE = 0.1  # a line ending this far (share of the column width) before the right edge ends its paragraph
_BULLET = re.compile(r"^(?:[•◦▪‣∙●○■□➢►–—]\s|[-*]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
# A footnote is set smaller than the text, and opens with its number ("18 Originally, ...", "3This folding ...").
_NOTE_RATIO = 0.9
_NOTE_NUMBER = re.compile(r"\d{1,3}(?:\s|(?=[A-Z]))")
# What opens a wrapped line only when PDFium broke it after a raised run: a comma or semicolon standing alone, or a
# full stop ending the line or followed by a new sentence (see ``join_lines``).
_CLOSING = re.compile(r"[,;](?:\s|$)|\.(?:$|\s+[A-Z])")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
# A paragraph that stops on a word no sentence ends on (``UNFINISHING``) goes on with what the next page begins with, a
# number too ("... in the region of" / "50 bytes. Random data ...", "the GNU FDL (versions 1.2 or" / "1.3), and ..."),
# when that number reads on as words do.
_LAST_WORD = re.compile(r"\w+$")
_LAST_WORD_CHARS = 24  # longer than any of those words, so a longer last word is read as none of them
_TAIL_CHARS = _LAST_WORD_CHARS  # how much of a block's end its joins and its last word are read from
_READS_ON = re.compile(r"\d[\d.,]*[)%]*[,;]?\s+[a-z]")
# An identifier TeX broke after one of its underscores ("foo_" / "set_key", "READLINE_" / "LINE"): Texinfo lets code
# break there and prints no hyphen. Not a name that ends in underscores of its own ("__init__", "__NOGLOBS__").
_BROKEN_AT_UNDERSCORE = re.compile(r"[^\W_]_$")


@dataclass
class Line:
    """One line of a page: its text, where its ink starts and ends, its baselines, type size and font.

    ``last_baseline`` is the baseline of its last character: PDFium returns a line it re-joined at
    a hyphen as one line that spans two printed lines.
    """

    text: str
    left: float
    right: float
    baseline: float
    last_baseline: float
    size: float
    mono: bool
    page_height: float
    label: str = ""  # a definition's category set at the line's end, apart from its text ("Function")


class Block:
    """Consecutive lines read as one unit: "prose" (lines joined by spaces), "code" (kept as lines) or "heading".

    Its text is kept as pieces and joined when read, so that a paragraph of many lines is built in linear time.
    """

    def __init__(self, kind: str, text: str, size: float, lines: list[Line] | None = None) -> None:
        self.kind = kind
        self.size = size
        self.lines = lines if lines is not None else []
        self._pieces = [text]
        self._tail = text[-_TAIL_CHARS:]  # the text's end, which decides how the next line joins it

    @property
    def text(self) -> str:
        if len(self._pieces) > 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0]

    def append(self, line: Line) -> None:
        """Add the next line: prose and headings re-flow, code keeps its lines and indentation."""
        if self.kind == "code":
            first = self.lines[0]
            width = (first.right - first.left) / max(1, len(first.text))
            indent = round((line.left - first.left) / width) if width > 0 else 0
            self._add(0, "\n" + " " * max(0, indent) + line.text)
        else:
            cut, joint = line_joint(self._tail, line.text)
            self._add(cut, joint + line.text)
        self.lines.append(line)

    def _add(self, cut: int, piece: str) -> None:
        """Drop ``cut`` characters from the text's end, then add ``piece``."""
        if cut:
            if len(self._pieces[-1]) <= cut:
                self._pieces = [self.text]  # the cut reaches into the pieces before the last
            self._pieces[-1] = self._pieces[-1][:-cut]
        self._pieces.append(piece)
        self._tail = (self._tail[: len(self._tail) - cut] + piece)[-_TAIL_CHARS:]

    def _unfinished(self) -> bool:
        """Whether the block stops on a word no sentence ends on ("... in the region of")."""
        last = _LAST_WORD.search(self._tail)  # read from the end only: linear in a long block
        return last is not None and last.group().lower() in UNFINISHING

    def continues_into(self, following: Block) -> bool:
        """Whether ``following`` (the first block of the next page) carries on this paragraph."""
        return (
            self.kind == following.kind == "prose"
            and not _ENDS_SENTENCE.search(self.text)
            and (following.text[:1].islower() or (self._unfinished() and bool(_READS_ON.match(following.text))))
            and not _BULLET.match(following.text)
        )


def footnotes(blocks: list[Block], body_size: float) -> int:
    """How many of a page's last blocks are its footnotes: prose in smaller type than the text's, the first of them
    opening with its number ("18 Originally, /sbin binaries were kept in /etc."). A page of nothing else has none."""
    count = 0
    for block in reversed(blocks):
        if block.kind != "prose" or block.size >= body_size * _NOTE_RATIO:
            break
        count += 1
    while count and not _NOTE_NUMBER.match(blocks[len(blocks) - count].text):
        count -= 1  # the small type above the first numbered note (a caption, a table's source) is the page's text
    return count if count < len(blocks) else 0


def join_lines(text: str, line: str) -> str:
    """Re-flow a wrapped line: a hyphen splitting a lower-case word is removed, otherwise a space joins.

    An identifier broken after an underscore joins whole ("sha3_256_" then "digest." is "sha3_256_digest.").

    A line that opens with closing punctuation was never wrapped there (no typesetter breaks before a comma): PDFium
    starts a new line after a raised run ("trees^2" then ", there"), and the two join without a space.
    """
    cut, joint = line_joint(text[-_TAIL_CHARS:], line)
    return text[: len(text) - cut] + joint + line


def line_joint(tail: str, line: str) -> tuple[int, str]:
    """How ``line`` joins the text that ends in ``tail`` (see ``join_lines``): how many characters of the text's end
    it drops (a hyphen), and what it puts between them."""
    if tail.endswith("-") and len(tail) > 1 and tail[-2].islower() and line[:1].islower():
        return 1, ""
    if tail.endswith(("-", "/")) or _closes(line) or (_BROKEN_AT_UNDERSCORE.search(tail[-2:]) and line[:1].isalnum()):
        return 0, ""
    return 0, " "


def _closes(line: str) -> bool:
    """Whether ``line`` opens with a comma or semicolon standing alone (", there") or a full stop that ends a sentence
    (". The", "."): never where a typesetter wraps. Not "?1", "! ~", ". . .", ". match" (a regular expression's
    dot), ": (a colon)", ".bashrc" or "(below)", which a line may start with."""
    return bool(_CLOSING.match(line))


def running_furniture(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of running headers, footers and page numbers."""
    candidates: dict[tuple[int, int], Line] = {}
    for index, lines in enumerate(pages):
        if len(lines) < 2:
            continue  # a page's only line is its content, whatever it looks like
        order = sorted(range(len(lines)), key=lambda n: lines[n].baseline)
        for n in order[:_EDGE_LINES] + order[-_EDGE_LINES:]:
            line = lines[n]
            band = line.page_height * _MARGIN_BAND
            if line.baseline < band or line.baseline > line.page_height - band:
                candidates[(index, n)] = line
    shapes: defaultdict[str, set[int]] = defaultdict(set)
    titles: defaultdict[str, set[int]] = defaultdict(set)
    shifts: Counter[int] = Counter()
    for (index, _), line in candidates.items():
        shapes[_DIGITS.sub("#", line.text.lower())].add(index)
        titles[line.text].add(index)
        shifts.update({int(number) - index for number in set(_NUMBER.findall(line.text))})
    enough = _repeated_enough(pages)
    # The printed page number minus the page index is constant over a run of pages.
    numbering = {shift for shift, count in shifts.items() if count >= enough}
    furniture = header_band(pages)
    for (index, n), line in candidates.items():
        numbers = {int(number) - index for number in _NUMBER.findall(line.text)}
        if (
            _PAGE_NUMBER.match(line.text)
            or len(shapes[_DIGITS.sub("#", line.text.lower())]) >= enough
            or (len(line.text) <= _HEADER_CHARS and numbers & numbering)
            or _running_title(line.text, titles[line.text])
        ):
            furniture.add((index, n))
    return furniture


def header_band(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of running headers told by where they stand, whatever their words: a page's top line,
    set apart from the text below it, in type no larger than the text's, at the highest height where such a line
    stands on 30 % of the pages or more.

    A short chapter's header ("CHAPTER 9. KEEPING YOUR DEBIAN SYSTEM … 9.2. MUST I GO INTO SINGLE USER MODE IN…" atop
    two pages) repeats neither its words nor its number; its place on the page is all that marks it. A chapter's
    opening title, set apart too, stands lower, and text at the top of the text block is not set apart. A slide's
    title stands where the last one stood, set apart, but in larger type.
    """
    sizes = [line.size for lines in pages for line in lines]
    largest = statistics.median(sizes) * _HEADING_RATIO if sizes else 0.0
    tops: dict[int, tuple[int, Line]] = {}
    for index, lines in enumerate(pages):
        if len(lines) < 2:
            continue  # a page's only line is its content, whatever it looks like
        top, below = sorted(range(len(lines)), key=lambda n: lines[n].baseline, reverse=True)[:2]
        line = lines[top]
        in_band = line.baseline > line.page_height * (1 - _MARGIN_BAND) and line.size <= largest
        if in_band and line.baseline - lines[below].last_baseline > _SET_APART * _LEADING * line.size:
            tops[index] = (top, line)
    heights = Counter(round(line.baseline) for _, line in tops.values())
    enough = _repeated_enough(pages)
    band = max((height for height, count in heights.items() if count >= enough), default=None)
    return {(index, n) for index, (n, line) in tops.items() if round(line.baseline) == band}


def _repeated_enough(pages: list[list[Line]]) -> float:
    """On how many pages a line must stand to be furniture: 30 % of those with text, and at least 3."""
    return max(_REPEATED_MIN_PAGES, _REPEATED_SHARE * sum(1 for lines in pages if lines))


def table_of_contents(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of a printed table of contents' entries: a title, a dot leader and a page number
    ("3.4. /bin : Essential user command binaries ........ 5"). On a page that is mostly such entries, the lines
    between its first entry and its last go too: a chapter's entry set without a leader ("14 Redistributing Debian
    GNU/Linux in a commercial product 59") and an entry's title wrapped onto a second line; on the page after, its
    last entries. A line with a dot leader elsewhere (a form's blank to fill in) is no table of contents."""
    entries: set[tuple[int, int]] = set()
    after_contents = False
    for index, lines in enumerate(pages):
        leaders = [n for n, line in enumerate(lines) if _LEADER.search(line.text)]
        if len(leaders) >= _CONTENTS_MIN_ENTRIES and len(leaders) >= _CONTENTS_SHARE * len(lines):
            first = next(n for n, line in enumerate(lines) if _LEADER.search(line.text) or _PAGE_AT_END.search(line.text))
            entries |= {(index, n) for n in range(first, leaders[-1] + 1)}
            after_contents = True
        else:
            # The contents' last entries, on the page where the text begins.
            entries |= {(index, n) for n in leaders} if after_contents else set()
            after_contents = False
    return entries


def _running_title(text: str, pages: set[int]) -> bool:
    """Whether an edge line is a chapter's running title ("The /usr Hierarchy" atop 11 of a standard's 50 pages): the
    same words, not a sentence, on a run of pages each at most two after the last (every other page, when a
    two-sided book runs the title on one side). A line that recurs at an edge here and there ("BZ_PARAM_ERROR"
    atop three pages of an API's error lists) is no run."""
    if len(pages) < _REPEATED_MIN_PAGES or len(text) > _HEADER_CHARS or _ENDS_SENTENCE.search(text):
        return False
    if not any(char.isalpha() for char in text):
        return False
    run = longest = 1
    ordered = sorted(pages)
    for before, after in itertools.pairwise(ordered):
        run = run + 1 if after - before <= _TITLE_GAP else 1
        longest = max(longest, run)
    return longest >= _REPEATED_MIN_PAGES


def page_blocks(lines: list[Line], body_size: float) -> list[Block]:
    """The lines of one page (furniture removed) grouped into blocks."""
    if not lines:
        return []
    pitches = [
        a.last_baseline - b.baseline for a, b in itertools.pairwise(lines) if 0 < a.last_baseline - b.baseline < 3 * a.size
    ]
    pitch = statistics.median(pitches) if pitches else body_size * 1.2
    prose = [line for line in lines if not line.mono] or lines
    rights = sorted(line.right for line in prose)
    right = rights[int(0.9 * (len(rights) - 1))]
    width = right - min(line.left for line in prose)
    blocks: list[Block] = []
    defining = 0  # lines still to read of a definition's prototype: its parentheses still open, a few lines at most
    for line in lines:
        kind = "code" if line.mono else "heading" if body_size and line.size > body_size * _HEADING_RATIO else "prose"
        if line.label:
            # A definition's first line reads as Texinfo's other outputs write it, "Function: void f (int x)", its
            # category first, and the lines that close its parentheses go on it; its description follows as any line
            # does, so that it is read with the name it describes.
            blocks.append(Block("prose", f"{line.label}: {line.text}", line.size, [line]))
            defining = _DEFINITION_LINES if _open_parentheses(line.text) > 0 else 0
        elif defining:
            blocks[-1].append(line)
            defining = defining - 1 if _open_parentheses(blocks[-1].text) > 0 else 0
        elif not blocks or _breaks(blocks[-1], line, kind, pitch, right - _SHORT_LINE * width):
            blocks.append(Block(kind, line.text, line.size, [line]))
        else:
            blocks[-1].append(line)
    return blocks


def _open_parentheses(text: str) -> int:
    """How many of ``text``'s parentheses are still open at its end."""
    return text.count("(") - text.count(")")


def _breaks(block: Block, line: Line, kind: str, pitch: float, short: float) -> bool:
    previous = block.lines[-1]
    gap = previous.last_baseline - line.baseline
    # A heading set larger than the text is set with wider leading too: its second line ("3.4. /bin : Essential user
    # command binaries (for" / "use by all users)") is measured against its own type size, not the page's pitch.
    leading = max(pitch, line.size * _HEADING_LEADING) if kind == "heading" else pitch
    if kind != block.kind or abs(line.size - previous.size) > 0.5 or gap <= 0 or gap > leading * _GAP_RATIO:
        return True
    if kind != "prose":
        return False
    if _BULLET.match(line.text):
        return True
    # Indentation alone proves nothing (definition lists hang their text under a term); a short last line does.
    return bool(_ENDS_SENTENCE.search(previous.text)) and previous.right < short
