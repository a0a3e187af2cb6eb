"""reStructuredText (and Sphinx sources) to text: what the built page shows, without its markup.

docutils cannot read Sphinx sources on its own (every ``.. function::`` and ``:func:`` is an
unknown directive or role to it), so this is a line-based reader of the block structure: section
titles (underlined or overlined) become headings, directives keep their content (admonitions,
version notes, object signatures) or are dropped (index, toctree, comments, targets), literal
blocks after ``::`` and code directives stay verbatim, lists and tables become one block per item
or row. Inline markup is reduced in ``rstinline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.formats.blocks import TextBuilder, collapse
from index.formats.rstinline import grid_rows, inline_code, is_grid_border, is_simple_border, reduce_inline, simple_rows
from index.loader import LoadedDocument

_ADORNMENT = re.compile(r"""^([!-/:-@\[-`{-~])\1{2,}\s*$""")
_DIRECTIVE = re.compile(r"^\.\.\s+([\w:.+-]+)::(?:\s+(.*))?$")
_EXPLICIT = re.compile(r"^\.\.(?:\s|$)")
_FOOTNOTE = re.compile(r"^\.\.\s+\[[^\]]+\]\s*(.*)$")
_BULLET = re.compile(r"^([-*+•‣⁃]|\(?(?:\d+|[A-Za-z#]|[ivxlcdmIVXLCDM]+)[.)])(\s+|$)")
_FIELD = re.compile(r"^:([^:`\s][^:`]*):(?:\s+(.*))?$")
_SUBSTITUTION = re.compile(r"^\.\.\s+\|([^|]+)\|\s+replace::\s+(.*)$", re.MULTILINE)
_OPTION = re.compile(r"^:[\w-]+:")
# What each directive leaves on the built page.
_CODE = frozenset("code-block code sourcecode doctest testcode testoutput productionlist parsed-literal math".split())
_DROPPED = frozenset(
    """index toctree highlight highlightlang include literalinclude image raw meta contents sectionauthor moduleauthor
    codeauthor tabularcolumns currentmodule testsetup testcleanup audit-event audit-event-table role default-role
    sectnum header footer target-notes program miscnews limited-api-list cssclass rst-class""".split()
)
_TITLED = frozenset("admonition topic sidebar rubric centered table list-table csv-table".split())
# Directives whose content is prose: docutils' and Sphinx's admonitions and containers, sphinx-design's boxes and
# tabs, sphinx-inline-tabs' tab.
_PROSE = frozenset(
    """attention caution danger error hint important note tip warning seealso todo only hlist glossary epigraph
    pull-quote highlights compound container impl-detail dropdown tab-set tab-item card grid grid-item grid-item-card
    margin tab""".split()
)
_VERSIONS = {
    "versionadded": "New in version {}.",
    "versionchanged": "Changed in version {}:",
    "deprecated": "Deprecated since version {}:",
    "deprecated-removed": "Deprecated since version {}, will be removed in version {}:",
}
_OBJECTS = frozenset(
    """function method class attribute data exception decorator decoratormethod classmethod staticmethod property
    coroutinefunction coroutinemethod awaitablefunction abstractmethod opcode cmdoption option envvar describe
    object pdbcommand 2to3fixer monitoring-event""".split()
)


def directive_kind(name: str) -> str:
    """What a Sphinx directive (``.. name::`` here, a MyST fence in Markdown) leaves on the built page.

    "code": its content, verbatim; "dropped": nothing; "version": a version note's label, then its content; "object":
    its signatures, then its content; "titled": its argument as a block of its own, then its content; "content":
    admonitions (note, warning, seealso, ...) and other prose, whose arguments begin the content; "unknown": any other
    (a project's own directive, its content prose or code: reStructuredText reads it as prose, MyST keeps it as written).
    """
    if name in _CODE:
        return "code"
    if name in _DROPPED:
        return "dropped"
    if name in _VERSIONS:
        return "version"
    if name.split(":")[-1] in _OBJECTS or ":" in name:
        return "object"
    if name in _TITLED:
        return "titled"
    return "content" if name in _PROSE else "unknown"


def version_label(name: str, arguments: str) -> tuple[str, str]:
    """A version note's label as the built page writes it ("Changed in version 3.2:"), and the arguments' rest."""
    count = _VERSIONS[name].count("{}")
    words = arguments.split(" ")
    return _VERSIONS[name].format(*(words + [""] * count)[:count]), " ".join(words[count:])


@dataclass
class _Block:
    text: str
    heading: int = 0
    code: bool = False


def read_rst(source: str) -> LoadedDocument:
    """The text of a reStructuredText document as blocks, with its section titles as sections."""
    source = source.replace("\r\n", "\n").expandtabs()
    substitutions = {name: reduce_inline(text, {}) for name, text in _SUBSTITUTION.findall(source)}
    lines = source.split("\n")
    # A field list before anything else is file-wide metadata (:orphan:, :tocdepth:); Sphinx shows none of it.
    start = 0
    while start < len(lines) and (not lines[start].strip() or _FIELD.match(lines[start])):
        start += 1
    builder = TextBuilder()
    for block in _Parser(substitutions).parse(lines[start:]):
        builder.add(block.text if block.code else block.text.strip(), heading=block.heading)
    return LoadedDocument(text=builder.text(), title="", sections=builder.sections(), code=inline_code(source))


class _Parser:
    """Blocks of one document; title styles are numbered in the order they first appear, as docutils does."""

    def __init__(self, substitutions: dict[str, str]) -> None:
        self.substitutions = substitutions
        self.styles: list[tuple[str, bool]] = []

    def inline(self, text: str) -> str:
        return reduce_inline(text, self.substitutions)

    def parse(self, lines: list[str]) -> list[_Block]:
        blocks: list[_Block] = []
        literal = False  # the previous paragraph ended with "::"
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            if line[0] == " ":
                end = _extent(lines, i)
                body = _dedent(lines[i:end])
                blocks.extend([_Block("\n".join(body).rstrip(), code=True)] if literal else self.parse(body))
                literal, i = False, end
                continue
            literal = False
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if _ADORNMENT.match(line) and i + 2 < len(lines) and lines[i + 2].rstrip() == line.rstrip() and following.strip():
                blocks.append(self.heading(following, (line[0], True)))  # overlined title
                i += 3
            elif _ADORNMENT.match(following) and not _ADORNMENT.match(line):
                blocks.append(self.heading(line, (following[0], False)))
                i += 2
            elif _ADORNMENT.match(line):
                i += 1  # a transition
            elif _EXPLICIT.match(line):
                end = _extent(lines, i + 1)
                blocks.extend(self.explicit(line, lines[i + 1 : end]))
                i = end
            elif is_grid_border(line) or (is_simple_border(line) and i + 1 < len(lines)):
                end = i + 1
                while end < len(lines) and lines[end].strip():
                    end += 1
                table = lines[i:end]
                rows = grid_rows(table) if is_grid_border(line) else simple_rows(table)
                blocks.extend(_Block(" | ".join(cell for c in row if (cell := self.inline(c)))) for row in rows)
                i = end
            elif line.startswith(">>> "):
                end = i + 1
                while end < len(lines) and lines[end].strip():
                    end += 1
                blocks.append(_Block("\n".join(lines[i:end]).rstrip(), code=True))
                i = end
            elif (item := _BULLET.match(line)) or (item := _FIELD.match(line)) or line.startswith("| "):
                i = self.item(lines, i, item, blocks)
            else:
                end = i + 1
                while end < len(lines) and lines[end].strip() and lines[end][0] != " " and not _ADORNMENT.match(lines[end]):
                    end += 1
                text, literal = _literal_marker(" ".join(lines[i:end]))
                blocks.append(_Block(self.inline(text)))
                i = end
        return blocks

    def heading(self, line: str, style: tuple[str, bool]) -> _Block:
        if style not in self.styles:
            self.styles.append(style)
        return _Block(self.inline(line), heading=self.styles.index(style) + 1)

    def item(self, lines: list[str], i: int, item: re.Match[str] | None, blocks: list[_Block]) -> int:
        """A list item, field or line of a line block: its text, then its indented body."""
        end = _extent(lines, i + 1)
        if item is None:  # "| a line": the bar is markup
            blocks.append(_Block(self.inline(lines[i][2:])))
            return i + 1
        first = f"{item.group(1)}: {item.group(2) or ''}" if item.re is _FIELD else lines[i][item.end() :]
        body = self.parse([first, *_dedent(lines[i + 1 : end])]) if first.strip() else self.parse(_dedent(lines[i + 1 : end]))
        blocks.extend(body)
        return end

    def explicit(self, line: str, body: list[str]) -> list[_Block]:
        """A directive, footnote, target, substitution definition or comment."""
        if footnote := _FOOTNOTE.match(line):
            return self.parse([footnote.group(1), *_dedent(body)])
        directive = _DIRECTIVE.match(line)
        if directive is None or (kind := directive_kind(directive.group(1))) == "dropped":
            return []  # a comment, a hyperlink target or a substitution definition
        name, argument = directive.group(1), (directive.group(2) or "").strip()
        content = _dedent(body)
        signatures = [argument] if argument else []
        while content and content[0].strip() and not _OPTION.match(content[0]):
            signatures.append(content.pop(0).strip())  # continuation of the arguments
        while content and _OPTION.match(content[0]):
            content.pop(0)
        if kind == "code":
            return [_Block("\n".join(_dedent(content)).strip("\n"), code=True)]
        if kind == "object":
            if name.split(":")[-1] == "module":
                return self.parse(content)
            return [_Block(self.inline(signature)) for signature in signatures] + self.parse(content)
        if kind == "version":
            label, words = version_label(name, " ".join(signatures))
            rest = self.parse([words, "", *content])
            if rest and not rest[0].code and not rest[0].heading:
                return [_Block(f"{label} {rest[0].text}"), *rest[1:]]
            return [_Block(label), *rest]
        if name == "availability":
            return [_Block(f"Availability: {self.inline(' '.join(signatures))}.")]
        if kind == "titled":
            return [_Block(self.inline(" ".join(signatures))), *self.parse(content)]
        # Admonitions (note, warning, seealso, ...) and anything unknown: the arguments begin the content.
        return self.parse([" ".join(signatures), "", *content] if signatures else content)


def _extent(lines: list[str], start: int) -> int:
    """End of the indented block from ``start``: every line that is blank or indented, less trailing blank lines."""
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end][0] == " "):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


def _literal_marker(text: str) -> tuple[str, bool]:
    """A paragraph ending in "::" introduces a literal block; the built page shows ":" (or nothing after a space)."""
    stripped = collapse(text)
    if not stripped.endswith("::"):
        return stripped, False
    if stripped == "::":
        return "", True
    return (stripped[:-2].rstrip() if stripped[-3] == " " else stripped[:-1]), True
