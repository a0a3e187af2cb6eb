"""reStructuredText inline markup and tables reduced to the text a reader of the built page sees."""

from __future__ import annotations

import itertools
import re

from index.formats.blocks import collapse

# One pass over a paragraph; the alternatives are tried left to right at each position, so a
# literal wins over the emphasis inside it, as in docutils.
_INLINE = re.compile(
    r"""
    ``(?P<literal>\S(?:.*?\S)??)``
    | (?P<role>:[\w.+-]+(?::[\w.+-]+)*:)`(?P<content>(?:[^`\\]|\\.)+)`(?:__?)?
    | `(?P<interpreted>(?:[^`\\]|\\.)+)`(?::[\w.+-]+(?::[\w.+-]+)*:|__?)?
    | (?<![\w*\\])\*\*(?P<strong>\S(?:.*?\S)??)\*\*(?![\w*])
    | (?<![\w*\\])\*(?P<emphasis>[^\s*](?:.*?[^\s\\])??)\*(?![\w*])
    | (?<![\w|])\|(?P<substitution>[^|\s](?:[^|]*?[^|\s])??)\|(?:__?)?(?![\w|])
    | \s?\[(?:\#[\w-]*|\d+|\*|[A-Za-z][\w.-]*)\]_(?!\w)
    | (?<![\w\\])(?P<reference>[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*)__?(?=[\s.,;:!?)\]'"]|$)
    | \\(?P<escaped>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_EXPLICIT_TITLE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
# Roles that refer to a page, label or term, perhaps of another project's documentation (intersphinx: "pypug:Wheel").
_CROSS_REFERENCES = frozenset("ref doc term any".split())
_INVENTORY = re.compile(r"^[A-Za-z][\w-]*:(?=\S)")
# Sphinx roles whose text is code (a name of a function, module, command, option, file, variable, key); the
# others (ref, doc, term, pep, rfc, abbr, ...) show prose.
_CODE_ROLES = frozenset(
    """func meth mod class attr data const exc obj command program option file envvar samp kbd keyword makevar macro
    type member var cfunc cmember cmacro ctype cdata""".split()
)


def reduce_inline(text: str, substitutions: dict[str, str]) -> str:
    """Roles, literals, references, emphasis and escapes replaced by their text; whitespace collapsed."""
    return collapse(_INLINE.sub(lambda match: _replacement(match, substitutions), text))


def inline_code(text: str) -> list[str]:
    """The texts of ``text``'s inline literals and code roles, as the built page shows them, in order."""
    code = []
    for match in _INLINE.finditer(text):
        role = match.group("role")
        is_code = match.group("literal") is not None or (role is not None and is_code_role(role.strip(":")))
        if is_code and (shown := collapse(_replacement(match, {}))):
            code.append(shown)
    return code


def _replacement(match: re.Match[str], substitutions: dict[str, str]) -> str:
    groups = match.groupdict()
    if groups["literal"] is not None:
        return groups["literal"]
    if groups["content"] is not None:
        return role_text(groups["role"].strip(":"), groups["content"])
    if groups["interpreted"] is not None:
        return _role_text(groups["interpreted"])
    for name in ("strong", "emphasis", "reference"):
        if groups[name] is not None:
            return groups[name]
    if groups["substitution"] is not None:
        return substitutions.get(groups["substitution"], groups["substitution"])
    if groups["escaped"] is not None:
        return "" if groups["escaped"].isspace() else groups["escaped"]
    return ""  # a footnote or citation reference: the marker is not part of the sentence


def is_code_role(role: str) -> bool:
    """Whether a Sphinx role (``func``, ``py:func``; ``:func:`` here, ``{func}`` in MyST Markdown) shows code."""
    return role.rsplit(":", 1)[-1] in _CODE_ROLES


def role_text(role: str, content: str) -> str:
    """What the built page shows for a role's content: its explicit title, or its target as Sphinx writes it."""
    text = _role_text(content)
    name = role.rsplit(":", 1)[-1]
    if _EXPLICIT_TITLE.match(content):
        return text
    # Sphinx writes calls with parentheses (:func:`len` shows as len()), and names the document a :pep: or :rfc: cites.
    if name in ("func", "meth"):
        return text if text.endswith(")") else f"{text}()"
    if name in ("pep", "rfc"):
        return f"{name.upper()} {text}"
    if name in _CROSS_REFERENCES:
        return _INVENTORY.sub("", text)  # another project's page or term ("pypug:Wheel"): the page shows "Wheel"
    return text


def _role_text(content: str) -> str:
    content = content.replace("\\`", "`")
    if explicit := _EXPLICIT_TITLE.match(content):
        return explicit.group(1) or explicit.group(2)
    if content.startswith("~"):  # Sphinx shows only the last component of ~a.b.c
        return content[1:].rsplit(".", 1)[-1]
    return content.lstrip("!")


def is_grid_border(line: str) -> bool:
    """A grid table border such as +----+=====+."""
    stripped = line.strip()
    return len(stripped) > 2 and stripped[0] == "+" and set(stripped) <= set("+-=") and stripped[-1] == "+"


def is_simple_border(line: str) -> bool:
    """A simple table border: two or more runs of '=' separated by spaces."""
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= {"=", " "} and len(stripped.split()) >= 2


def grid_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each row of a grid table, a cell's lines joined; a cell spanning columns is one cell."""
    # Column edges from the border that shows the most of them (the top one may span every column).
    border = max((line for line in lines if is_grid_border(line)), key=lambda line: line.count("+"))
    columns = [i for i, char in enumerate(border) if char == "+"]
    rows: list[list[str]] = []
    cells: dict[int, list[str]] = {}
    for line in lines[1:]:
        if is_grid_border(line):
            rows.append([" ".join(cells[column]) for column in sorted(cells)])
            cells = {}
            continue
        # Only the edges this line draws separate its cells; elsewhere a cell spans.
        edges = [column for column in columns if column < len(line) and line[column] == "|"]
        for start, end in itertools.pairwise(edges):
            # A cell's own line-block bars ("| text") are markup, not separators.
            part = line[start + 1 : end].strip().removeprefix("| ").strip()
            cells.setdefault(start, [])
            if part and part != "|":
                cells[start].append(part)
    return [row for row in rows if any(row)]


def simple_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each row of a simple table; a line with an empty first column continues the row above."""
    border = lines[0]
    starts = [match.start() for match in re.finditer(r"=+", border)]
    rows: list[list[str]] = []
    for line in lines[1:]:
        if is_simple_border(line) or set(line.strip()) <= {"-", " "}:
            continue
        cells = [line[start:end].strip() for start, end in zip(starts, [*starts[1:], None], strict=True)]
        if rows and not cells[0]:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows
