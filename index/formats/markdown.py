"""Markdown to text with markdown-it-py (CommonMark plus tables and footnotes): the words stay, the markup goes.

Headings, paragraphs, list items, block quotes and table rows become blocks; emphasis, links and
inline-code markers are removed, keeping their text; fenced and indented code is kept verbatim as
its own block; raw HTML blocks are read by the HTML reader; YAML front matter is dropped; a footnote's
mark goes and its text is read at the end, where the page shows it.

MyST, the Markdown of Sphinx (pip's, Jupyter Book's and many projects' documentation), is read as
its built page shows it, through the MyST plugins of mdit-py-plugins: a directive fence
(```` ```{note} ````, ``:::{warning}``) is what the same directive is in reStructuredText
(``index.formats.rst.directive_kind``): a note's or a version note's Markdown is read as Markdown, a
code block stays verbatim, a toctree goes, a directive of the project's own (``{pip-cli}``) is kept
as written; ``{pypi}`certifi``` shows "certifi"; targets (``(name)=``) and comments (``% ...``) go.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from index.formats.blocks import TextBuilder, collapse
from index.formats.rst import directive_kind, read_rst, version_label
from index.formats.rstinline import is_code_role, role_text
from index.loader import LoadedDocument, TooDeep

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"(?m)^title:\s*[\"']?(.*?)[\"']?\s*$")
_BREAK = "\x00"  # a hard line break, until the paragraph is collapsed
# markdown-it's nesting limit (its CommonMark preset's). Past it, markdown-it drops the rest of the block, with no
# error: a list's tenth level, a quote's twentieth. So a document whose blocks reach it is read as plain text instead
# (``TooDeep``, ``index.loader.load``). The limit is not raised: the parse costs every line once per level it is
# nested in (a quote 400 deep followed by 20,000 unmarked lines of it took 26 s, against 0.9 s at 20).
_MAX_NESTING = 20
# MyST's markup, by which a document shows it is written in MyST: a directive fence or a role. Only then are its line
# forms read as MyST: in other Markdown a line that opens with "%" or "+++" is text.
_MYST = re.compile(r"^ {0,3}(?:`{3,}|:{3,})\s*\{[\w:.+-]+\}|(?<![\w$`])\{[\w:.+-]+\}`[^`\n]+`", re.MULTILINE)
_DIRECTIVE = re.compile(r"^\{([\w:.+-]+)\}\s*(.*)$", re.DOTALL)
_DIRECTIVE_OPTION = re.compile(r"^:[\w-]+:")
_YAML_OPTIONS = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)
# A directive inside a directive is parsed again, its body once per level: past this depth a body is kept as it is
# written, so that a document of fences nested in fences costs no more than a few parses of its text.
_MAX_DIRECTIVE_DEPTH = 8
# A body that opens with a block of its own (a list, a quote, a heading, a table, code) is not joined to the version
# label before it as one paragraph.
_BLOCK_START = re.compile(r"^(?: {4}|\t| {0,3}(?:[-*+>#|]|\d+[.)]|`{3}|~{3}|:{3}))")


def read_markdown(source: str) -> LoadedDocument:
    """The text of a Markdown document as blocks, with its headings as sections."""
    source = source.replace("\r\n", "\n")
    title = ""
    if front := _FRONT_MATTER.match(source):
        named = _FRONT_MATTER_TITLE.search(front.group(1))
        title = collapse(named.group(1)) if named else ""
        source = source[front.end() :]
    reader = MarkdownReader(myst=bool(_MYST.search(source)))
    reader.read(source)
    return reader.document(title)


class MarkdownReader:
    """Blocks and inline code read token by token into one text: a document's, or a notebook's cells one after another
    (each parsed alone, as Jupyter renders them). A directive's Markdown body is read in place."""

    def __init__(self, myst: bool = False) -> None:
        parser = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table").use(footnote_plugin)
        self.parser = parser.use(myst_role_plugin).use(myst_block_plugin).use(colon_fence_plugin) if myst else parser
        self.builder = TextBuilder()
        self.code: list[str] = []

    def document(self, title: str = "") -> LoadedDocument:
        """What was read, as a document under ``title``."""
        return LoadedDocument(text=self.builder.text(), title=title, sections=self.builder.sections(title), code=self.code)

    def read(self, source: str, references: dict | None = None, depth: int = 0) -> None:
        """Add ``source``'s blocks; ``references`` are the document's link references, which a directive's body uses."""
        env: dict = {"references": {} if references is None else references}
        tokens = self.parser.parse(source, env)
        references = env["references"]
        if any(token.level >= _MAX_NESTING - 1 for token in tokens):
            raise TooDeep("lists or quotes nested more deeply than a Markdown reader follows")
        heading = 0
        row: list[str] | None = None
        for token in tokens:
            if token.type == "inline":
                self.code += _inline_code(token)
            match token.type:
                case "heading_open":
                    heading = int(token.tag[1])
                case "heading_close":
                    heading = 0
                case "tr_open":
                    row = []
                case "tr_close":
                    self.builder.add(" | ".join(cell for cell in row or [] if cell))
                    row = None
                case "inline" if row is not None:
                    row.append(collapse(_inline_text(token).replace(_BREAK, " ")))
                case "inline":
                    lines = (collapse(line) for line in _inline_text(token).split(_BREAK))
                    self.builder.add("\n".join(line for line in lines if line), heading=heading)
                case "fence" | "colon_fence" if (
                    directive := _DIRECTIVE.match(token.info.strip())
                ) and depth < _MAX_DIRECTIVE_DEPTH:
                    self.directive(directive.group(1), collapse(directive.group(2)), token.content, references, depth)
                case "colon_fence" if depth < _MAX_DIRECTIVE_DEPTH:  # a fenced div (":::" and a class): Markdown inside
                    self.read(token.content, references, depth + 1)
                case "fence" | "colon_fence" | "code_block":
                    self.builder.add(token.content.expandtabs())
                case "html_block":
                    from index.formats.html import read_html

                    self.builder.add(read_html(token.content).text)

    def directive(self, name: str, argument: str, body: str, references: dict, depth: int) -> None:
        """A MyST directive, read as the same directive in reStructuredText is (``directive_kind``)."""
        kind = directive_kind(name)
        if kind == "dropped":
            return
        body = _without_options(body)
        if name == "eval-rst":  # reStructuredText inside Markdown
            document = read_rst(body)
            self.builder.add(document.text)
            self.code += document.code
        elif kind in ("code", "unknown"):  # a project's own directive may hold code ({pip-cli}): kept as written
            self.builder.add(body.expandtabs().strip("\n"))
        elif kind == "version":
            label, rest = version_label(name, argument)
            body = body.lstrip("\n")
            joined = not rest and not _BLOCK_START.match(body)
            self.read(f"{label} {body}" if joined else f"{label} {rest}\n\n{body}", references, depth + 1)
        elif kind == "object":
            self.builder.add(argument)
            self.read(body, references, depth + 1)
        else:  # admonitions and other prose: the argument (a title) begins the content
            self.read(f"{argument}\n\n{body}" if argument else body, references, depth + 1)


def _without_options(body: str) -> str:
    """A directive's body less its options, written as ":name: value" lines or as a YAML block between "---" lines."""
    if options := _YAML_OPTIONS.match(body):
        return body[options.end() :]
    lines = body.split("\n")
    start = 0
    while start < len(lines) and _DIRECTIVE_OPTION.match(lines[start]):
        start += 1
    return "\n".join(lines[start:])


def _inline_code(token: Token) -> list[str]:
    """The inline code of an inline token: code spans, and MyST roles that show code ({func}, {command}, ...)."""
    code = []
    for child in token.children or []:
        if child.type == "code_inline" and child.content.strip():
            code.append(child.content)
        elif child.type == "myst_role" and is_code_role(child.meta["name"]) and child.content.strip():
            code.append(role_text(child.meta["name"], child.content))
    return code


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        match child.type:
            case "text" | "code_inline":
                parts.append(child.content)
            case "myst_role":
                parts.append(role_text(child.meta["name"], child.content))
            case "softbreak":
                parts.append(" ")
            case "hardbreak":
                parts.append(_BREAK)
    # Images, inline HTML tags and footnote marks carry no text of their own; link and emphasis markers are not tokens.
    return "".join(parts)
