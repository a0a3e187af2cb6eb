"""HTML to text with a browser's inline/block model, minus the page furniture.

Parsing is lxml's (libxml2); this module only decides, per element, what a reader would see as a
separate block. Inline elements (code, em, a, span, ...) stay inside their sentence; block
elements end one; ``pre`` is kept verbatim as its own block; a table row with several filled cells
becomes one line of cells joined by " | ", while a row with a single filled cell (layout tables,
DocBook admonitions) is read as ordinary blocks.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree, html

from index.formats.blocks import TextBuilder, collapse, superscript
from index.loader import LoadedDocument

_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li listing main menu nav ol p plaintext pre
    section summary table tbody tfoot thead tr ul xmp""".split()
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# DocBook's titled boxes (a sidebar, an example, a table, an admonition): the box's title is read as a heading one
# level below any h1-h6, and the heading ends with the box, so that the box's text sits under "... > CULTURE Origin
# of the Debian name" and the text after it under its section again.
_BOX_CLASSES = frozenset("sidebar example table figure equation procedure note tip warning caution important".split())
_BOX_LEVEL = 7
# Code inside code ("<code>APR_HOOK_<var>hookname</var></code>") is a code word of its own, to this depth.
_CODE_DEPTH = 4
_VERBATIM = frozenset({"pre", "listing", "plaintext", "xmp"})
_ICON = "icon"  # the class of an admonition's label cell (see ``_is_data_row``)
# What no cell of a table of data holds, and a cell of a page's layout does: a heading, or a form (a site's search box
# at the top of its menu column) (see ``_is_data_row``). A table in a cell is no sign: Apache's manual nests a table of
# a directive's values in the cell that describes them.
_LAYOUT_CONTENT = ("h1", "h2", "h3", "h4", "h5", "h6", "form")
# Inline elements whose text is code: a command, a file, an option, a key, a variable.
_CODE = frozenset({"code", "kbd", "samp", "tt", "var"})
# The same marks as DocBook's HTML writes some of them, a ``span`` with the DocBook element's name as its class:
# <span class="pkg">isc-dhcp-server</span> (Publican's package names), a man page's name, a key.
_CODE_CLASSES = frozenset(
    "pkg package command filename option literal envar varname systemitem refentrytitle keycap userinput".split()
)
# Never visible as text; removed (keeping what follows them) before anything is read.
_INVISIBLE = tuple(
    """script style noscript template head title svg canvas iframe object embed select button input textarea datalist
    map audio video""".split()
)
# Page furniture. ARIA landmarks that are not content, and the navigation blocks of the documentation
# generators these manuals come from: DocBook (navheader/navfooter/toc), Publican (docnav, #banner),
# Sphinx (related, sphinxsidebar, headerlink pilcrows, footer, a toctree's list of pages), Texinfo (copiable-anchor
# pilcrows; its table of contents, short contents and each chapter's menu of sections; its printed indexes, below),
# rustdoc (the "source" link, an example's "Run" button, the "Expand description" toggle; Node's "[src]" links too),
# Sphinx's viewcode extension (a signature's "[source]" link, "[docs]" beside each definition of the source listing),
# rdoc (a method signature's "click to toggle source").
_FURNITURE_TAGS = frozenset({"nav"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar"})
_FURNITURE_CLASSES = frozenset(
    """headerlink copiable-anchor copiable-link footer skip-link contents-heading shortcontents-heading toplang
    bottomlang srclink test-arrow hideme viewcode-link viewcode-back method-click-advice""".split()
)
# The classes of blocks of links: a table of contents, "Prev | Up | Next", a sidebar of pages. Each is furniture only
# while it is mostly links: Doxygen puts a page's whole text in a ``div.contents`` (Texinfo's table of contents has the
# same class), so a block of that class holding prose (``_PROSE_WORDS`` words or more outside links, and more of them
# than inside) is content, and only the blocks of links inside it are furniture.
_NAV_CLASSES = frozenset(
    """navheader navfooter docnav toc list-of-tables list-of-figures list-of-examples related sphinxsidebar
    sphinxsidebarwrapper mobile-nav menu-wrapper breadcrumbs contents shortcontents section-toc mini-toc
    toctree-wrapper menu mainmenu submenu""".split()
)
_PROSE_WORDS = 40
# The same by id: a page's sidebar (Django's "Last update: ..." column, HAProxy's keyboard help and its converter's name).
_NAV_IDS = frozenset({"sidebar"})
# Texinfo's printed index ("@printindex"): a table classed index-cp, index-fn, ... (one per index, "alias expansion: |
# Aliases" a row), each under a "Jump to: A B C ..." table of links classed summary-letter.
_INDEX_TABLE = re.compile(r"^index-[a-z]+$")
_INDEX_LETTER = "summary-letter"
# The site's header and footer as pages laid out before HTML5's <header> and <footer> mark them (Apache httpd's manual,
# AsciiDoc's "Last updated" line, many a site's copyright and menu): a footer always, a header only when it holds no
# heading (AsciiDoc's ``div#header`` holds the page's h1 and NAME section). Apache's language switchers and the
# quick-view sidebar of its module pages (links to the page's own sections, the bug tracker, the changelog) too.
_FURNITURE_IDS = frozenset({"banner", "footer", "page-footer", "site-footer", "quickview"})
_HEADER_IDS = frozenset({"header", "page-header", "site-header"})
# A link whose whole text is one of the marks that stand for an address: a heading's permalink ("Logging ¶" in Apache's
# manual and MkDocs, "Assert#" in Node's, "🔗" and "⚓" elsewhere), a release note's link to its commit ("(Tom Lane) §",
# PostgreSQL), a footnote's way back ("↩"), a heading's way back to the top ("↑", rdoc's). Read as text it only ends a
# heading or a sentence with a stray mark. Other links made of marks are content: "->" (an operator), "/?" (an option),
# "…" (the prompt of a glossary entry).
_MARK_LINK = re.compile(r"[¶§#⚓🔗↩↑]\ufe0f?")
# An accessibility skip link, to a place on the same page: "Skip to content" (Node's reference, on every page), "Skip to
# main content", "Jump to navigation". Read as text it opens the page's first block.
_SKIP_LINK = re.compile(
    r"(?i)(?:skip|jump)\s+to\s+(?:the\s+)?(?:main\s+|page\s+)?(?:content|navigation|nav|menu|search|main|article|sidebar)$"
)
# Landmarks only outside sectioning content (HTML-AAM): a footnote <aside> inside a <section> is content.
_SECTIONING = frozenset({"article", "aside", "nav", "section"})
_SCOPED = {"aside": _SECTIONING, "header": _SECTIONING | {"main"}, "footer": _SECTIONING | {"main"}}
# A "Prev | Up | Home | Next" row: links, most of them navigational, and no words but these outside them.
_NAV_WORD = re.compile(r"(?i)\b(?:prev|previous|next|up|home|top|contents|index)\b")
_NAV_LEAD = re.compile(r"(?i)^\s*(?:prev|previous|next|up|home)(?![a-z])")
# A link that is only an arrow or a bar's word: texi2any's "[ << ] [ < ] [ Up ] [ > ] [ >> ] [Top] [Contents] [Index]
# [ ? ]" bar, many a site's "«" and "›".
_NAV_MARK = re.compile(r"(?i)^\s*(?:<{1,2}|>{1,2}|[«»‹›←→↑⇐⇒?]|top|contents|index)\s*$")
_NAV_RELS = frozenset({"prev", "previous", "next", "up", "home", "start", "first", "last", "contents", "index", "toc"})
_NAV_KEYS = frozenset({"p", "n", "u", "h"})
_NAV_LINKS = 2
_NAV_ROW_CHARS = 400
_LETTER = re.compile(r"[^\W\d_]")
# A table of contents or a site menu: a block of nothing but links (see ``_is_menu``).
_MENU_TAGS = frozenset({"div", "ul", "ol", "menu", "p", "table", "dl", "td", "span"})
_MENU_LINKS = 3
_MENU_WORDS = 4  # the longest menu entry ("Search the documentation" is 3)
# A footnote's number as its mark shows it: "3", "[3]", "[3] " (see ``_is_note_mark``).
_NOTE_MARK = re.compile(r"\[?\d{1,3}\]?|\[[a-z]\]")
_CLOSING = tuple(".,;:!?)]")  # what may follow a footnote's mark with no space before it
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BREAK = "\x00"  # a <br> inside running text, until the paragraph is flushed
# A formula set as an image (Doxygen's formulaInl and formulaDsp, Sphinx's imgmath, MediaWiki's math fallback): its alt
# text is its TeX source, the only text of the formula the page has ("{\LaTeX}", a word of the sentence it sits in).
# Other images' alt text is not read (icons, logos, arrows of navigation bars).
_FORMULA_CLASS = re.compile(r"(?i)formula|math")
_TEX_COMMAND = re.compile(r"\\+([A-Za-z]+)")  # a run of backslashes too: TeX's line break "\\" before a letter
_GUTTER_ELEMENTS = 3  # a column of line numbers: its cell, perhaps a wrapper, and the ``pre`` of numbers
_FIELD_WORDS = 40  # a field value longer than this is prose of its own, not a label's value
_TOO_DEEP = "elements nested more than 2,048 deep (unclosed tags?): only the text before that depth was read"


def read_html(markup: str) -> LoadedDocument:
    """The visible text of an HTML page as blocks, with its <title> and h1-h6 sections.

    The tree may be 2,048 elements deep (libxml2's "huge" limits; the default, 256, cut a page of a few hundred unclosed
    ``<font>`` tags off at the 256th, with no error). A page nested deeper still is read as far as that depth, and
    says so in a warning.
    """
    parser = html.HTMLParser(huge_tree=True)
    try:
        # lxml refuses a str that still carries an XML encoding declaration (XHTML pages do).
        root = html.document_fromstring(_XML_DECLARATION.sub("", markup, count=1), parser=parser)
    except (etree.ParserError, ValueError):  # "Document is empty": only comments or whitespace
        return LoadedDocument(text="", title="")
    cut = any(error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in parser.error_log)
    title_element = root.find(".//title")
    title = collapse(title_element.text_content()) if title_element is not None else ""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_INVISIBLE, with_tail=False)
    for element in _hidden(root):
        element.drop_tree()
    _drop_note_marks(root)
    _mark_exponents(root)
    header = _before_first_h1(root)
    words = _Words(root)
    furniture = {
        element
        for element in root.iter()
        if isinstance(element.tag, str) and (_is_furniture(element, words) or _is_menu(element, header))
    }
    walker = _Walker(furniture)
    builder = walker.read(root)
    if not builder.text():
        # A page that is all navigation (a table of contents) is better indexed whole than not at all.
        walker = _Walker(set())
        builder = walker.read(root)
    return LoadedDocument(
        text=builder.text(),
        title=title or builder.first_heading,
        sections=builder.sections(title),
        code=walker.code,
        warnings=[_TOO_DEEP] if cut else [],
    )


# Classes that a page's stylesheet hides until a script shows them: Bootstrap's dropdown menus (HAProxy's manual hangs
# one on each keyword its sentences cite, "This keyword is available in sections : Bind options ...", which a reader
# never sees, and read as text it ran into the sentence).
_HIDDEN_CLASSES = frozenset({"dropdown-menu"})


def _hidden(root: html.HtmlElement) -> list[html.HtmlElement]:
    """What a browser does not show: marked hidden, or hidden by a style of its own or of its class."""
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and (
            "hidden" in element.attrib
            or element.get("aria-hidden") == "true"
            or "display:none" in element.get("style", "").replace(" ", "")
            or not _HIDDEN_CLASSES.isdisjoint(element.get("class", "").split())
        )
    ]


def _mark_exponents(root: html.HtmlElement) -> None:
    """Put a "^" before each superscript that is an exponent (``blocks.superscript``): "2<sup>32</sup>" reads "2^32".

    A footnote's mark is no exponent: a superscript holding a link or inside one is left as it is.
    """
    for sup in root.iter("sup"):
        if len(sup) or _inside_link(sup) or not sup.text:
            continue  # only a superscript of plain text: "<sup><a href="#fn2">2</a></sup>" is a footnote's mark
        sup.text = superscript(_text_before(sup), sup.text)


def _drop_note_marks(root: html.HtmlElement) -> None:
    """Remove every footnote mark (``_is_note_mark``), and the space before it when punctuation follows it: "a simple
    example [2]:" reads "a simple example:"."""
    for mark in [element for element in root.iter() if isinstance(element.tag, str) and _is_note_mark(element)]:
        tail = mark.tail or ""
        if tail.lstrip()[:1] in _CLOSING:
            mark.tail = tail.lstrip()
            previous, parent = mark.getprevious(), mark.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "").rstrip() or None
            elif parent is not None and parent.text:
                parent.text = parent.text.rstrip()
        mark.drop_tree()


def _is_note_mark(element: html.HtmlElement) -> bool:
    """Whether ``element`` is a footnote's mark in the text ("ways[3] to manage", "Paris<sup>2</sup>"): DPUB-ARIA's
    ``doc-noteref``, or a link to an anchor on the page whose text is a note number and that is set as a superscript
    or classed as a footnote. The note itself stays where the page has it; its mark, glued to a word, is no part of
    the sentence (and a quoted "[3]" would read as a citation)."""
    if element.get("role") == "doc-noteref":
        return True
    if element.tag != "a" or not element.get("href", "").startswith("#"):
        return False
    if not _NOTE_MARK.fullmatch(element.text_content().strip()):
        return False
    in_sup = element.getparent() is not None and element.getparent().tag == "sup"
    return in_sup or any(True for _ in element.iter("sup")) or "footnote" in element.get("class", "")


def _inside_link(element: html.HtmlElement) -> bool:
    return any(ancestor.tag == "a" for ancestor in element.iterancestors())


def _text_before(element: html.HtmlElement) -> str:
    """The text right before ``element`` in its paragraph: its previous sibling's tail, else its parent's text (and up
    through inline wrappers such as ``<small>``)."""
    while element is not None:
        previous = element.getprevious()
        if previous is not None:
            return previous.tail or previous.text_content()
        parent = element.getparent()
        if parent is None:
            return ""
        if parent.text:
            return parent.text
        if parent.tag in _BLOCK:
            return ""
        element = parent
    return ""


def _is_furniture(element: html.HtmlElement, words: _Words) -> bool:
    tag = element.tag
    if tag in _FURNITURE_TAGS or element.get("role") in _FURNITURE_ROLES or element.get("id") in _FURNITURE_IDS:
        return True
    if element.get("id") in _HEADER_IDS and not any(heading.tag in _HEADINGS for heading in element.iterdescendants()):
        return True
    if tag == "a" and (
        _MARK_LINK.fullmatch(text := element.text_content().strip())
        or _numbers_next(element, text)
        or (_SKIP_LINK.match(text) is not None and element.get("href", "").startswith("#"))
        or element.get("href", "").lstrip().lower().startswith("javascript:")  # a script's button: "Menu", "[−]"
    ):
        return True
    classes = element.get("class", "").split()
    if _FURNITURE_CLASSES.intersection(classes):
        return True
    if _NAV_CLASSES.intersection(classes) or element.get("id") in _NAV_IDS:
        return not words.mostly_prose(element)
    if tag == "table" and (any(_INDEX_TABLE.match(name) for name in classes) or _jumps_to_letters(element)):
        return True
    if tag == "td" and _is_line_gutter(element):
        return True
    if tag in _SCOPED:
        return not any(ancestor.tag in _SCOPED[tag] for ancestor in element.iterancestors())
    return tag in ("p", "div", "ul", "ol", "table", "tr") and _is_nav_row(element)


class _Words:
    """How many words each element's text has, and how many of them are inside links: counted for the whole page at
    once, children before their parents, the first time a block of links' class asks (so nested blocks cost one pass)."""

    def __init__(self, root: html.HtmlElement) -> None:
        self.root = root
        self.counts: dict[html.HtmlElement, tuple[int, int]] | None = None

    def mostly_prose(self, element: html.HtmlElement) -> bool:
        if self.counts is None:
            self.counts = _word_counts(self.root)
        total, linked = self.counts.get(element, (0, 0))
        outside = total - linked
        return outside >= _PROSE_WORDS and outside > linked


def _word_counts(root: html.HtmlElement) -> dict[html.HtmlElement, tuple[int, int]]:
    counts: dict[html.HtmlElement, tuple[int, int]] = {}
    for element in reversed(list(root.iter())):  # every element after all of its descendants
        total = len((element.text or "").split()) if isinstance(element.tag, str) else 0
        linked = 0
        for child in element:
            child_total, child_linked = counts.get(child, (0, 0))
            total += child_total + len((child.tail or "").split())
            linked += child_linked
        counts[element] = (total, total if element.tag == "a" else linked)
    return counts


def _numbers_next(link: html.HtmlElement, text: str) -> bool:
    """Whether ``link`` is the number of the block right after it: its whole text a number, its address that block's
    own ("<label><a href="#o5">5</a></label><p id="o5">", as SiSU numbers every paragraph of a book). Read as text, the
    number would stand between a sentence and the block it announces ("... the following stanza:" / "497" / the
    stanza). Only the link's own wrappers are climbed, each holding nothing else, so a page of such links costs one
    step each."""
    target = link.get("href", "")
    if not (text.isdigit() and target.startswith("#") and len(target) > 1):
        return False
    holder = link
    while (parent := holder.getparent()) is not None and len(parent) == 1 and not (parent.text or "").strip():
        if (holder.tail or "").strip():
            return False
        holder = parent
    following = holder.getnext()
    return following is not None and not (holder.tail or "").strip() and following.get("id") == target[1:]


def _jumps_to_letters(table: html.HtmlElement) -> bool:
    """Whether ``table`` is a printed index's "Jump to: A B C ..." row: links classed summary-letter and no other."""
    links = table.findall(".//a")
    return bool(links) and all(_INDEX_LETTER in link.get("class", "").split() for link in links)


def _before_first_h1(root: html.HtmlElement) -> set[html.HtmlElement]:
    """The elements that come before the page's first ``h1`` and do not hold it (its site header); none without an h1."""
    first = root.find(".//h1")
    if first is None:
        return set()
    holding = set(first.iterancestors())
    before: set[html.HtmlElement] = set()
    for element in root.iter():
        if element is first:
            return before
        if element not in holding:
            before.add(element)
    return before


def _is_menu(element: html.HtmlElement, header: set[html.HtmlElement]) -> bool:
    """Whether ``element``, before the page's first ``h1``, is a block of nothing but links (``_MENU_LINKS`` or more, no
    word outside them): the site's menu of short links ("Home", "Download", "Support") or the page's table of contents
    (every link an anchor on the page: "#checkpointing"). After the first ``h1`` such a block is content: "asyncio has
    these primitives:" and a list of links to them."""
    if element.tag not in _MENU_TAGS or element not in header:
        return False
    links = list(element.iter("a"))
    if len(links) < _MENU_LINKS:
        return False
    outside = _outside_links(element.text_content(), links)
    if _LETTER.search(outside) or any(c.isdigit() for c in outside):
        return False
    targets = [link.get("href") for link in links if link.get("href") is not None]
    if targets and all(target.startswith("#") for target in targets):
        return True
    return all(len(link.text_content().split()) <= _MENU_WORDS for link in links)


def _is_nav_row(element: html.HtmlElement) -> bool:
    text = element.text_content()
    if len(text) > _NAV_ROW_CHARS:
        return False
    links = list(element.iter("a"))
    navigational = sum(1 for link in links if _is_nav_link(link))
    if navigational < _NAV_LINKS or 2 * navigational < len(links):
        return False
    outside = _outside_links(text, links)
    return not _LETTER.search(_NAV_WORD.sub(" ", outside))  # any other word outside the links is content


def _outside_links(text: str, links: list[html.HtmlElement]) -> str:
    """``text`` (an element's) with the text of each of its ``links`` taken out once."""
    for link in links:
        text = text.replace(link.text_content(), " ", 1)
    return text


def _is_nav_link(link: html.HtmlElement) -> bool:
    rels = set(link.get("rel", "").lower().split())
    text = link.text_content()
    return bool(rels & _NAV_RELS) or link.get("accesskey") in _NAV_KEYS or bool(_NAV_LEAD.match(text) or _NAV_MARK.match(text))


class _Walker:
    """One pass over the tree: inline text accumulates until a block boundary flushes it."""

    def __init__(self, skip: set[html.HtmlElement]) -> None:
        self.skip = skip
        self.builder = TextBuilder()
        self.inline: list[str] = []
        self.heading = 0  # level of the heading being read, 0 outside headings
        self.code: list[str] = []  # the texts of the inline code elements read
        # The code elements being read (``_CODE_DEPTH`` at most, nested), each with how many blocks had started before
        # it: one that holds a block is no inline code (its text is several lines), nor one around furniture, which is
        # not read. Counted as the walk goes, and each text read by a few at most, so a page stays linear to read.
        self.open_code: list[tuple[html.HtmlElement, int]] = []
        self.blocks = 0
        self.box: html.HtmlElement | None = None  # the titled box whose title is being read
        self.box_title: html.HtmlElement | None = None
        self.open_boxes: set[html.HtmlElement] = set()  # boxes whose title heading is in force until their end

    def read(self, root: html.HtmlElement) -> TextBuilder:
        body = root.find(".//body")
        walker = etree.iterwalk(body if body is not None else root, events=("start", "end"))
        for event, element in walker:
            tag = element.tag
            if not isinstance(tag, str):
                continue
            if event == "start":
                if element in self.skip:
                    self.blocks += 1  # a code element around furniture reads text the page does not
                    walker.skip_subtree()  # its tail is still read, at its end event
                    continue
                if tag in _BLOCK or tag in _VERBATIM:
                    self.blocks += 1
                elif len(self.open_code) < _CODE_DEPTH and _is_code(element):
                    self.open_code.append((element, self.blocks))
                if tag in _VERBATIM:
                    self._flush()
                    self.builder.add(_verbatim(element, self.skip))
                    walker.skip_subtree()
                elif tag == "dt" and (value := _field_value(element)) is not None:
                    # A field of a field list ("Author: Gordon McMillan") is read as one line, as a person reads it.
                    self._flush()
                    self.code += _code_in(element, value)
                    self.builder.add(f"{collapse(element.text_content())} {collapse(value.text_content())}")
                    self.skip.add(value)
                    walker.skip_subtree()
                    continue  # its own text is read already
                elif tag == "tr" and _is_data_row(element):
                    self._flush()
                    # Tables of packages and commands hold the most code of a manual: keep its marks too.
                    self.code += _code_in(element)
                    self.builder.add(" | ".join(text for cell in _cells(element) if (text := collapse(cell.text_content()))))
                    walker.skip_subtree()
                elif tag == "br":
                    self.inline.append(_BREAK)
                elif tag == "img" and _FORMULA_CLASS.search(element.get("class", "")):
                    self.inline.append(_formula_text(element.get("alt", "")))
                elif tag in _BLOCK and not self.heading:  # inside a heading, blocks are part of its line
                    self._flush()
                    self.heading = _HEADINGS.get(tag, 0)
                    if (box := _box_of(element)) is not None:
                        self.heading, self.box, self.box_title = _BOX_LEVEL, box, element
                if element.text and tag not in _VERBATIM:
                    self.inline.append(element.text)
            else:
                if self.open_code and self.open_code[-1][0] is element:
                    self._close_code(element)
                if tag in _BLOCK and (self.heading in (0, _HEADINGS.get(tag)) or element is self.box_title):
                    self._flush()
                if element in self.open_boxes:
                    self._flush()
                    self.builder.close_heading(_BOX_LEVEL)
                    self.open_boxes.discard(element)
                if element.tail:
                    self.inline.append(element.tail)
        self._flush()
        return self.builder

    def _close_code(self, element: html.HtmlElement) -> None:
        """The end of the innermost open code element: its text is a code word unless a block started inside it."""
        _, blocks = self.open_code.pop()
        if blocks == self.blocks and (code := collapse(_read_text(element))):
            self.code.append(code)

    def _flush(self) -> None:
        if self.inline:
            lines = (collapse(line) for line in "".join(self.inline).split(_BREAK))
            added = self.builder.add("\n".join(line for line in lines if line), heading=self.heading)
            if added is not None and self.box is not None:
                self.open_boxes.add(self.box)
            self.inline.clear()
        self.heading = 0
        self.box = self.box_title = None


def _read_text(element: html.HtmlElement) -> str:
    """``element``'s text as its sentence reads it: a formula image's TeX source in its place (``_formula_text``)."""
    if not any(_FORMULA_CLASS.search(image.get("class", "")) for image in element.iter("img")):
        return str(element.text_content())
    parts = []
    for event, node in etree.iterwalk(element, events=("start", "end")):  # not recursive: elements nest thousands deep
        if event == "start" and node.tag == "img" and _FORMULA_CLASS.search(node.get("class", "")):
            parts.append(_formula_text(node.get("alt", "")))
        elif event == "start" and isinstance(node.tag, str):  # a comment's text is no text
            parts.append(node.text or "")
        elif event == "end" and node is not element:
            parts.append(node.tail or "")
    return "".join(parts)


def _formula_text(alt: str) -> str:
    """A formula's TeX source as text: braces and math delimiters dropped, a command read as its name ("{\\LaTeX}" ->
    "LaTeX", "\\(x^2\\)" -> "x^2", "$\\sqrt{2}$" -> "sqrt 2")."""
    text = alt.strip()
    for opening, closing in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$")):
        if text.startswith(opening) and text.endswith(closing) and len(text) >= len(opening) + len(closing):
            text = text[len(opening) : len(text) - len(closing)]
            break
    return " ".join(_TEX_COMMAND.sub(r"\1 ", text).replace("{", " ").replace("}", " ").split())


def _box_of(element: html.HtmlElement) -> html.HtmlElement | None:
    """The DocBook box (``_BOX_CLASSES``) that ``element`` titles, if it is a title (``p`` or a heading of class
    "title") at the box's top. PostgreSQL's manual titles each admonition with a heading, ``<div class="note"><h3
    class="title">Note</h3>``, at the level of the subsections around it: read by its level, it would end the
    subsection it sits in, and the text after the box would stay under "Note"."""
    if (element.tag != "p" and element.tag not in _HEADINGS) or "title" not in element.get("class", "").split():
        return None
    for ancestor in element.iterancestors():
        classes = set(ancestor.get("class", "").split())
        if ancestor.tag != "div" or not (classes <= {"titlepage"} or classes & _BOX_CLASSES):
            return None  # inside anything else (a section's title page is a div too, but its title is a heading)
        if classes & _BOX_CLASSES:
            return ancestor
    return None


def _is_code(element: html.HtmlElement) -> bool:
    """Whether ``element`` marks its text as code: a code tag (``_CODE``), or a span of a code class (``_CODE_CLASSES``)."""
    tag = element.tag
    return tag in _CODE or (tag == "span" and not _CODE_CLASSES.isdisjoint(element.get("class", "").split()))


def _code_in(*elements: html.HtmlElement) -> list[str]:
    """The texts of the inline code elements inside ``elements``, for a block read whole (a table row, a field)."""
    return [
        code
        for element in elements
        for inner in element.iter(*_CODE, "span")
        if _is_code(inner) and (code := collapse(inner.text_content()))
    ]


def _field_value(term: html.HtmlElement) -> html.HtmlElement | None:
    """The ``dd`` of a docutils field list's ``dt`` ("Author:", "Release:") when it is one short paragraph, else None.

    A field whose value holds lists or several paragraphs (Sphinx's "Parameters:") stays a heading-like line
    followed by its blocks.
    """
    field_list = term.getparent()
    value = term.getnext()
    if field_list is None or "field-list" not in field_list.get("class", "").split() or value is None or value.tag != "dd":
        return None
    blocks = [child for child in value if isinstance(child.tag, str) and child.tag in _BLOCK]
    if len(blocks) > 1 or any(
        inner.tag in _BLOCK for block in blocks for inner in block.iterdescendants() if isinstance(inner.tag, str)
    ):
        return None
    return value if len(collapse(value.text_content()).split()) <= _FIELD_WORDS else None


def _cells(row: html.HtmlElement) -> list[html.HtmlElement]:
    return [cell for cell in row if cell.tag in ("td", "th")]


def _is_line_gutter(cell: html.HtmlElement) -> bool:
    """Whether ``cell`` is a code listing's column of line numbers: nothing but numbers, one a line, in a row of two
    cells whose other one holds the listing (``_holds_listing``). Pygments' ``td.linenos`` and gtk-doc's
    ``td.listing_lines`` set listings so; read as text, "1 2 3 4 5 6 7 8" would open the code.

    Only the cells' tops are read (a column of numbers is a ``pre``, perhaps in one wrapper), so that a page of tables
    nested in tables is read in linear time."""
    if len(list(islice(cell.iter(), _GUTTER_ELEMENTS + 1))) > _GUTTER_ELEMENTS:
        return False
    numbers = cell.text_content().split()
    if len(numbers) < 2 or not all(number.isdigit() for number in numbers):
        return False
    row = cell.getparent()
    cells = _cells(row) if row is not None else []
    return len(cells) == 2 and any(other is not cell and _holds_listing(other) for other in cells)


def _holds_listing(cell: html.HtmlElement) -> bool:
    """Whether a verbatim block is ``cell``'s child, or its child's (Pygments wraps it in ``div.highlight``)."""
    return any(child.tag in _VERBATIM or any(inner.tag in _VERBATIM for inner in child) for child in cell)


def _is_data_row(row: html.HtmlElement) -> bool:
    """Whether ``row`` holds data in more than one cell. An admonition's icon cell ("Note" beside its text, AsciiDoc's
    ``td.icon``) is layout: the note is read as blocks, "Note" a line of its own, not "Note | ORIG_HEAD is not ...".
    So is a row whose cells hold a heading or a form: a page laid out in columns (a site's menu and search box beside
    its content, as libxml's and libxslt's pages and many hand-written sites are), whose blocks are read as blocks.
    So is a code listing set beside its line numbers (``_is_line_gutter``): its lines are kept as the page shows them."""
    cells = _cells(row)
    if any(next(cell.iter(*_LAYOUT_CONTENT), None) is not None for cell in cells):
        return False
    if any(_is_line_gutter(cell) for cell in cells):
        return False
    return sum(1 for cell in cells if cell.text_content().strip() and _ICON not in cell.get("class", "").split()) > 1


def _verbatim(element: html.HtmlElement, skip: set[html.HtmlElement]) -> str:
    """A verbatim block's text as the page shows it, line for line; furniture inside it (``skip``: a "[docs]" link in a
    source listing, a hidden menu) is not read, the text after it is."""
    for line_break in element.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")
    parts: list[str] = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, inner in walker:
        if event == "start":
            if inner in skip:
                walker.skip_subtree()  # its tail is still read, at its end event
            elif isinstance(inner.tag, str) and inner.text:
                parts.append(inner.text)
        elif inner is not element and inner.tail:
            parts.append(inner.tail)
    text = "".join(parts).replace("\r\n", "\n").expandtabs()
    return "\n".join(line.rstrip() for line in text.split("\n"))
