"""Markdown to text with markdown-it-py (CommonMark plus tables): the words stay, the markup goes.

Headings, paragraphs, list items, block quotes and table rows become blocks; emphasis, links and
inline-code markers are removed, keeping their text; fenced and indented code is kept verbatim as
its own block; raw HTML blocks are read by the HTML reader; YAML front matter is dropped.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from index.formats.blocks import TextBuilder, collapse
from index.loader import LoadedDocument, TooDeep

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"(?m)^title:\s*[\"']?(.*?)[\"']?\s*$")
_BREAK = "\x00"  # a hard line break, until the paragraph is collapsed
# markdown-it's nesting limit (its CommonMark preset's). Past it, markdown-it drops the rest of the block, with no
# error: a list's tenth level, a quote's twentieth. So a document whose blocks reach it is read as plain text instead
# (``TooDeep``, ``index.loader.load``). The limit is not raised: the parse costs every line once per level it is
# nested in (a quote 400 deep followed by 20,000 unmarked lines of it took 26 s, against 0.9 s at 20).
_MAX_NESTING = 20


def read_markdown(source: str) -> LoadedDocument:
    """The text of a Markdown document as blocks, with its headings as sections."""
    source = source.replace("\r\n", "\n")
    title = ""
    if front := _FRONT_MATTER.match(source):
        named = _FRONT_MATTER_TITLE.search(front.group(1))
        title = collapse(named.group(1)) if named else ""
        source = source[front.end() :]
    builder = TextBuilder()
    heading = 0
    row: list[str] | None = None
    code: list[str] = []
    tokens = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table").parse(source)
    if any(token.level >= _MAX_NESTING - 1 for token in tokens):
        raise TooDeep("lists or quotes nested more deeply than a Markdown reader follows")
    for token in tokens:
        if token.type == "inline":
            code += [child.content for child in token.children or [] if child.type == "code_inline" and child.content.strip()]
        match token.type:
            case "heading_open":
                heading = int(token.tag[1])
            case "heading_close":
                heading = 0
            case "tr_open":
                row = []
            case "tr_close":
                builder.add(" | ".join(cell for cell in row or [] if cell))
                row = None
            case "inline" if row is not None:
                row.append(collapse(_inline_text(token).replace(_BREAK, " ")))
            case "inline":
                lines = (collapse(line) for line in _inline_text(token).split(_BREAK))
                builder.add("\n".join(line for line in lines if line), heading=heading)
            case "fence" | "code_block":
                builder.add(token.content.expandtabs())
            case "html_block":
                from index.formats.html import read_html

                builder.add(read_html(token.content).text)
    return LoadedDocument(text=builder.text(), title=title, sections=builder.sections(title), code=code)


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        match child.type:
            case "text" | "code_inline":
                parts.append(child.content)
            case "softbreak":
                parts.append(" ")
            case "hardbreak":
                parts.append(_BREAK)
    # Images and inline HTML tags carry no text of their own; link and emphasis markers are not tokens here.
    return "".join(parts)
