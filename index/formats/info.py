"""GNU Info manuals: the text Texinfo's makeinfo writes ("grep.info.gz", "find.info-1.gz" under /usr/share/info), read
as a person reads them in ``info``: node by node under its chapter and section titles, without the menus and indexes
that only lead elsewhere.

No maintained parser of the Info format exists for Python (Texinfo's own ``info`` reader only prints the same text),
and the format is small and specified (Texinfo manual, "Info Format Specification"): nodes part at the character
``\\x1f``, each opening with a line such as "File: grep.info,  Node: Usage,  Next: Performance,  Up: Top", its title
underlined by "*" (a chapter), "=" (a section), "-" (a subsection) or "." (below). The text is filled to about 72
columns, paragraphs parted by blank lines; a table's item ("'-e PATTERNS'" / "'--regexp=PATTERNS'", " -- Test: -name
pattern") stands at the margin over its description, indented five more columns, and an example five more again.
What is read:

- each node's title as a heading at its level, the Top node's as the manual's title;
- a paragraph as one block, its lines joined; a list item as one; an example or a table of columns line by line;
- a table's item lines as one term line above its description ("-e PATTERNS, --regexp=PATTERNS");
- quoted code (``‘grep’``, ``'grep'``, ``\\`grep'``) as its text, kept as code as HTML's ``<code>`` is;
- a cross-reference as its words ("*Note Usage::" -> "See Usage");
- menus, index nodes, the tag table, the footnote rule and the file's preamble dropped.
"""

from __future__ import annotations

import codecs
import re

from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, LoadError

_NODE_SEPARATOR = "\x1f"
_HEADER = re.compile(r"File:[^\n]*?Node:\s*([^,\n]+)")
# The main file of a manual makeinfo split into parts ("find.info" for "find.info-1", "find.info-2") lists them so.
_INDIRECT = re.compile(r"\x1f\s*Indirect:\n((?:[^\n:]{1,200}: \d+\n)+)")
_PART = re.compile(r"^([^\n:]{1,200}):", re.MULTILINE)
_UNDERLINES = {"*": 2, "=": 3, "-": 4, ".": 5}  # the Top node's title is the manual's (level 1)
_MENU = re.compile(r"\*\s+Menu:", re.IGNORECASE)
# A menu's entry ("* Usage::   Examples.", "* grep: (grep).") and its continuation lines, indented under it.
_MENU_ENTRY = re.compile(r"\*\s+[^:\n]+:")
# "*Note Usage::", "*note Usage: Node name.", "*Note (grep)Usage::": the words a reader follows, as a reference reads.
# Each part bounded: a "*note" that no "::" follows is read to its next 200 characters, not to the end of the text.
_REFERENCE = re.compile(
    r"\*([Nn])ote\s+((?:\([^)\n]{0,100}\))?[^:]{0,200}?)::|\*([Nn])ote\s+([^:]{0,200}?):\s*(?:\([^)\n]{0,100}\))?[^.,:;]{0,200}?[.,]"
)
# Code as makeinfo quotes it: curly single quotes (UTF-8 manuals), or ASCII quotes where a word cannot touch them
# ("'-iname'", "`grep'"), so that an apostrophe ("don't", "the user's") opens nothing.
_CURLY_CODE = re.compile(r"‘([^‘’\n]{1,200})’")
_CODE = re.compile(_CURLY_CODE.pattern + r"|(?<![\w'`])[`']([^\s'`][^'`\n]{0,200}?)'(?![\w'])")
_BULLET = re.compile(r"[•*+-]\s+")
_ENUMERATED = re.compile(r"(?:\d{1,3}|[A-Za-z])\.\s")  # "1. ", "B. ": an enumerated list's item
_ITEM_WORDS = 8  # a table's item is an option, a command, a name with its arguments: a few words, never prose
_DEFINITION = re.compile(r"--\s+[\w ]+:\s+(.*)")  # " -- Test: -name pattern", " -- Function: int foo (int x)"
# makeinfo's markers for a reader program, in NUL-backspace brackets: an index node's, an image's.
_INDEX = "\x00\x08[index\x00\x08]"
_COOKIE = re.compile(r"\x00\x08\[[^\x00\n]{0,2000}\x00\x08\]")
_FOOTNOTES = re.compile(r"-{5,}\s*Footnotes\s*-{5,}")
_CODING = re.compile(rb"coding:\s*([\w.-]+)")
_EXAMPLE_INDENT = 5  # makeinfo indents an example, and a table's description, five columns past its margin
_FILLED_CHARS = 50  # a filled line of prose is longer than this (makeinfo fills to 72 columns)
_TERM_LINES = 6  # the most lines of one item of a table (an option's names: "-i", "-y", "--ignore-case")


def read_info(data: bytes) -> LoadedDocument:
    """The text of an Info file, node after node, with its titles as sections and its quoted code."""
    text = _decoded(data).replace("\r\n", "\n")
    nodes = [part.lstrip("\n\x0c") for part in text.split(_NODE_SEPARATOR)]
    nodes = [part for part in nodes if _HEADER.match(part)]
    if not nodes and (parts := _INDIRECT.search(text)) is not None:
        names = ", ".join(_PART.findall(parts.group(1))[:3])
        raise LoadError(f"the table of a manual split into parts ({names}, ...): its parts are read instead, if present")
    if not nodes:
        raise LoadError("not an Info manual: no node (a 'File: ..., Node: ...' line after a \\x1f separator)")
    reader = _Reader()
    for node in nodes:
        reader.node(node)
    if not reader.builder.text().strip() and not reader.title:
        raise LoadError("no text in this Info file (only menus or an index)")
    title = reader.title or reader.builder.first_heading
    return LoadedDocument(text=reader.builder.text(), title=title, sections=reader.builder.sections(title), code=reader.code)


class _Reader:
    def __init__(self) -> None:
        self.builder = TextBuilder()
        self.code: list[str] = []
        self.title = ""

    def node(self, node: str) -> None:
        if _INDEX in node:
            return  # a printed index: a menu of every entry, with the line it is on
        node = _COOKIE.sub("", node)
        header, _, body = node.partition("\n")
        name = _HEADER.match(header).group(1).strip()  # type: ignore[union-attr]
        lines = body.split("\n")
        start = self._title(lines, top=name.lower() == "top")
        in_menu = False
        margin = 0  # the indent of the text a deeper block is an example of (a table's description moves it)
        groups = _groups(lines[start:])
        for k, group in enumerate(groups):
            after = groups[k + 1] if k + 1 < len(groups) else None
            first = group[0].strip()
            following = _indent(after) if after else None
            if _MENU.match(first):
                in_menu = True  # "* Menu:" and its entries lead to other nodes: no text of this one
                continue
            # A menu runs over its entries and its comments ("Regular Expressions", "-- The Detailed Node Listing --")
            # to the end of the node or to a paragraph of text.
            if in_menu and (_MENU_ENTRY.match(first) or (len(first) <= 60 and not first.endswith("."))):
                continue
            in_menu = False
            group = [line for line in group if not _FOOTNOTES.fullmatch(line.strip())]
            if group:
                margin = self._block(group, margin, following)

    def _title(self, lines: list[str], top: bool) -> int:
        """Add the node's underlined title as a heading; the index of the first line after it."""
        for i, line in enumerate(lines[:-1]):
            if not line.strip():
                continue
            if _MENU.match(line.strip()):
                return i  # a menu, never a title, whatever line follows it
            under = lines[i + 1].strip()
            if under and under[0] in _UNDERLINES and set(under) == {under[0]} and len(under) >= len(line.strip()) // 2:
                title = collapse(self._read_code(line))
                level = 1 if top else _UNDERLINES[under[0]]
                if top:
                    self.title = self.title or title
                self.builder.add(title, heading=level)
                return i + 2
            return i  # a node with no title: its text goes on under the headings before it
        return len(lines)

    def _block(self, lines: list[str], margin: int, following: int | None = None) -> int:
        """Add a run of non-blank lines as the blocks it holds; the margin the next run is read against.
        ``following``: the indent of the next run, if any."""
        indents = [len(line) - len(line.lstrip()) for line in lines]
        first = lines[0].strip()
        if (mark := _BULLET.match(first)) is not None or _ENUMERATED.match(first):
            # A list's item, its lines indented under its mark: one block ("• text", "B. List on the Title Page ...").
            self._prose([first[mark.end() if mark else 0 :], *lines[1:]])
            return margin
        if len(lines) == 1 and following is not None and following >= indents[0] + 3 and self._is_item(lines):
            # A term on its own, its description a blank line below and indented (Sphinx's Texinfo writes tables so).
            self._term(lines)
            return following
        # A table's item: its name lines at one indent over its description, indented further ("'-i'" / "'-y'" /
        # "     Ignore case ..."), or a definition's header lines (" -- Test: -name pattern").
        terms = next((k for k, indent in enumerate(indents) if indent != indents[0]), len(lines))
        described_below = terms < len(lines) and min(indents[terms:]) > indents[0]
        if terms <= _TERM_LINES and described_below and self._is_item(lines[:terms]):
            self._term(lines[:terms])
            # The description's margin: five columns in from the item's (" -- Test: -name" stands one in).
            described = min(indents[terms], (indents[0] // _EXAMPLE_INDENT + 1) * _EXAMPLE_INDENT)
            if min(indents[terms:]) >= described + _EXAMPLE_INDENT:
                self._example(lines[terms:])  # the item's synopsis, set as an example ("set [-abef...] [-o NAME]")
            else:
                self._prose(lines[terms:])
            return described
        if min(indents) >= margin + _EXAMPLE_INDENT and not _filled(lines):
            self._example(lines)
            return margin
        # A paragraph with lines set in deeper inside it (a display of units or values, no blank line around it): the
        # deeper lines as an example, the text before and after as prose. A paragraph's first line stands three in.
        base = min(indents[1:] or indents)
        runs: list[tuple[bool, list[str]]] = []
        for line, indent in zip(lines, indents, strict=True):
            deeper = indent >= base + _EXAMPLE_INDENT
            if runs and runs[-1][0] == deeper:
                runs[-1][1].append(line)
            else:
                runs.append((deeper, [line]))
        for deeper, run in runs:
            self._example(run) if deeper and len(runs) > 1 else self._prose(run)
        # Text left of a table's margin ends the table (a paragraph's first line stands three columns in).
        return min(margin, base) if min(indents) < margin else margin

    @staticmethod
    def _is_item(lines: list[str]) -> bool:
        """Whether these lines name a table's item: short lines, each code, a definition's header or a short label."""
        return all(
            _DEFINITION.fullmatch(line.strip())
            or (len(line.split()) <= _ITEM_WORDS and not line.rstrip().endswith((".", ",", ";", ":")))
            for line in lines
        )

    def _term(self, lines: list[str]) -> None:
        names = []
        for line in lines:
            line = line.strip()
            if (definition := _DEFINITION.fullmatch(line)) is not None:
                line = definition.group(1)
            names.append(collapse(self._read_code(line)))
        # The item's names on one line, as a manual page writes them: "-e PATTERNS, --regexp=PATTERNS".
        term = ", ".join(name for name in names if name)
        if words := term.replace(",", " ").split():
            self.code.append(words[0])  # the item's first name ("-e"), code however the manual set it
            self.builder.add(term)

    def _example(self, lines: list[str]) -> None:
        """An example (or a table of columns): its lines as they are, the common indent taken off. ASCII quotes are the
        example's own ("find . -name '*.texi'"); curly ones are makeinfo's marks for code, which no shell line types."""
        cut = min(len(line) - len(line.lstrip()) for line in lines)
        self.builder.add("\n".join(_CURLY_CODE.sub(self._unquote, line[cut:]) for line in lines))

    def _prose(self, lines: list[str]) -> None:
        text = " ".join(line.strip() for line in lines)
        text = _REFERENCE.sub(_reference, text)
        self.builder.add(collapse(self._read_code(text)))

    def _read_code(self, text: str) -> str:
        """``text`` with its quoted code unquoted; each code's text kept in ``code``."""
        return _CODE.sub(self._unquote, text)

    def _unquote(self, match: re.Match[str]) -> str:
        code = match.group(1) if match.group(1) is not None else match.group(2)
        self.code.append(code)
        return code


def _indent(lines: list[str]) -> int:
    return min(len(line) - len(line.lstrip()) for line in lines)


def _filled(lines: list[str]) -> bool:
    """Whether indented lines are prose filled to the margin (a quotation, a table's description), not an example:
    every line but the last long, and words rather than code."""
    if len(lines) < 2 or any(len(line.strip()) < _FILLED_CHARS for line in lines[:-1]):
        return False
    text = " ".join(line.strip() for line in lines)
    return sum(char.isalpha() or char.isspace() for char in text) >= 0.85 * len(text)


def _groups(lines: list[str]) -> list[list[str]]:
    """The runs of non-blank lines, right-trimmed. A "* Menu:" line starts a run of its own even with no blank line
    before it, so that a menu is never read as the end of a paragraph."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            if groups[-1] and _MENU.match(line.strip()):
                groups.append([])
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _reference(match: re.Match[str]) -> str:
    """A cross-reference as a printed manual reads it: "*Note Usage::" -> "See Usage" (@xref), "(*note Usage::)" ->
    "(see Usage)" (@pxref), "described in *note Usage::" -> "described in Usage" (@ref, inside a sentence)."""
    capital, name = (match.group(1), match.group(2)) if match.group(1) is not None else (match.group(3), match.group(4))
    # The last character before it that is not a space, found by stepping back over the spaces only: the text before
    # it is never copied, however long the paragraph (each reference copied all of it, n squared over many).
    text, at = match.string, match.start()
    while at > 0 and text[at - 1].isspace():
        at -= 1
    lead = "See " if capital == "N" else "see " if at == 0 or text[at - 1] == "(" else ""
    return lead + _without_file(name) + ("" if match.group(1) is not None else match.group(0)[-1])


def _without_file(name: str) -> str:
    """A node's name without the manual it is in: "(grep)Usage" -> "Usage"."""
    return re.sub(r"^\([^)]*\)\s*", "", " ".join(name.split()))


def _decoded(data: bytes) -> str:
    """The file's text: UTF-8, else the coding its local variables declare ("coding: iso-8859-1"), else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if (declared := _CODING.search(data[-4096:])) is not None:
        try:
            return data.decode(codecs.lookup(declared.group(1).decode("ascii", "replace")).name, errors="replace")
        except LookupError:
            pass
    return data.decode("latin-1")
