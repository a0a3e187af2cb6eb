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
from index.loader import LoadedDocument

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"(?m)^title:\s*[\"']?(.*?)[\"']?\s*$")
_BREAK = "\x00"  # a hard line break, until the paragraph is collapsed
# markdown-it's nesting limit. Its CommonMark preset's 20 dropped, with no error, whatever lay deeper: the tenth level of
# a nested list, the twentieth of a quote. Here the limit is never reached first: a document nested too deeply for
# the parser's recursion raises RecursionError, and is read as plain text (``index.loader.load``).
_MAX_NESTING = 100_000


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
    for token in MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table").parse(source):
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
