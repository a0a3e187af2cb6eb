"""Reading each supported format, and clear errors for files that cannot be indexed.

Each format must keep sentences whole (inline markup never splits one, a block always ends one),
keep code verbatim, drop page furniture, and report its headings as sections.
"""

from __future__ import annotations

import codecs
import gzip
import io
import lzma
import re
import struct
import tempfile
import zipfile
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from decks import deck, smartart_deck
from epubs import BOOK, CONTAINER, epub, xhtml_page
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packages import odf_writer, with_parts
from pdfs import pdf_file, pdf_page, pdf_with_pages

from index.formats.pdf import read_pdf
from index.formats.pdflayout import Block, Line, join_lines, running_furniture
from index.loader import (
    LOADER_VERSION,
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    LoadError,
    Section,
    file_type,
    is_supported,
    load,
    page_word,
    split_suffix,
)
from index.sentences import split_sentences


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def sentences(doc: LoadedDocument) -> list[str]:
    return [doc.text[span.start : span.end] for span in split_sentences(doc.text)]


def blocks(doc: LoadedDocument) -> list[str]:
    return doc.text.split("\n\n")


# --------------------------------------------------------------------------- HTML


def test_a_path_given_as_a_string_loads_as_a_path_does(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "# Title\n\nThe *first* sentence.\n")
    assert load(str(path)).text == load(path).text == "Title\n\nThe first sentence."


def test_html_keeps_only_visible_text(tmp_path: Path) -> None:
    markup = (
        "<html><head><title>Report</title><style>p{color:red}</style></head>"
        "<body><script>alert('x')</script><h1>Aid</h1><p>Ten doctors were sent.</p></body></html>"
    )
    doc = load(write(tmp_path / "r.html", markup))
    assert doc.title == "Report"
    assert "Ten doctors were sent." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text


def test_html_inline_elements_stay_inside_their_sentence(tmp_path: Path) -> None:
    markup = """<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body>
    <div class="para">
        For <code class="command">at</code> tasks, it is almost as easy: run
        <code class="command">atrm <em class="replaceable">task-number</em></code>. The task number is shown by
        <a href="at.html"><span>at</span></a>&nbsp;itself.
    </div></body></html>"""
    doc = load(write(tmp_path / "at.html", markup))
    assert sentences(doc) == [
        "For at tasks, it is almost as easy: run atrm task-number.",
        "The task number is shown by at itself.",
    ]


def test_html_an_exponent_reads_as_a_power_not_as_another_number(tmp_path: Path) -> None:
    markup = """<body><p>A 32-bit system cannot use more than 4 GB of RAM (2<sup>32</sup> bytes).</p>
    <p>Integers go up to 2<small><sup>31</sup></small>-1; a tick is 10<sup>-6</sup> s; <em>x</em><sup>5</sup> + 1.</p>
    <p>A note<a href="#fn1"><sup class="footnote">[1]</sup></a>, Paris<sup><a href="#fn2">2</a></sup>, the 1<sup>st</sup>
    day; <sup>3</sup> opens this line.</p></body>"""
    doc = load(write(tmp_path / "p.html", markup))
    assert blocks(doc) == [
        "A 32-bit system cannot use more than 4 GB of RAM (2^32 bytes).",
        "Integers go up to 2^31-1; a tick is 10^-6 s; x^5 + 1.",
        # Footnote marks (a link to a note, or inside one) go; an ordinal's letters and a superscript after no word
        # are no powers.
        "A note, Paris, the 1st day; 3 opens this line.",
    ]


def test_html_footnote_marks_go_and_their_notes_stay(tmp_path: Path) -> None:
    markup = """<body><p>Too many ways<a href="#ftn.1" class="footnote" id="r1"><sup class="footnote">[3]</sup></a> to
    manage; a simple example <a href="#ftn.2" class="footnote"><sup>[2]</sup></a>: see section <a href="#s2">2</a>.
    A subset of JavaScript <a class="footnote-reference brackets" href="#id2" role="doc-noteref"><span>[</span>1<span>]
    </span></a> ).</p><div class="footnote"><p><a href="#r1" class="para"><sup class="para">[3] </sup></a>The note.</p>
    </div><p><span class="label">[<a role="doc-backlink" href="#id1">1</a>]</span> Another note.</p></body>"""
    # DocBook's and Sphinx's marks go with the space before punctuation; a cross-reference by number and a note's own
    # label stay, and so does every note.
    assert blocks(load(write(tmp_path / "n.html", markup))) == [
        "Too many ways to manage; a simple example: see section 2. A subset of JavaScript).",
        "The note.",
        "[1] Another note.",
    ]


def test_html_a_contents_block_holding_the_page_is_read_and_its_table_of_contents_is_not(tmp_path: Path) -> None:
    # Doxygen puts a page's whole text in ``div.contents``, the class Texinfo gives its table of contents: a block of
    # that class with prose of its own is content, and only the blocks of links inside it are furniture.
    prose = " ".join(["The executable reads the sources and writes the documentation."] * 6)
    page = f"""<html><body><div class="header"><div class="headertitle"><div class="title">Getting started</div></div>
    </div><div class="contents"><div class="toc"><h3>Table of Contents</h3><ul><li><a href="#s1">Step 1</a></li>
    <li><a href="#s2">Step 2</a></li><li><a href="#s3">Step 3</a></li></ul></div><div class="textblock"><p>{prose}</p>
    <h1 id="s1">Step 1</h1><p>Run <code>doxygen -g</code> to create a <a href="#cfg">configuration</a> file.</p>
    </div></div></body></html>"""
    assert blocks(load(write(tmp_path / "starting.html", page))) == [
        "Getting started",
        prose,
        "Step 1",
        "Run doxygen -g to create a configuration file.",
    ]


def test_html_skip_links_are_furniture_and_a_link_saying_jump_to_something_else_is_not(tmp_path: Path) -> None:
    page = """<body><a href="#apicontent" class="skip-to-content">Skip to content</a><a href="#m">Jump to navigation</a>
    <h1>Policies</h1><p>Read it or <a href="#examples">jump to the examples</a> below.</p></body>"""
    assert blocks(load(write(tmp_path / "policy.html", page))) == ["Policies", "Read it or jump to the examples below."]


def test_html_a_formula_image_reads_as_its_tex_and_other_images_not_at_all(tmp_path: Path) -> None:
    # Doxygen sets "LaTeX" as an image of the formula {\LaTeX}: its alt text is the only text the word has.
    page = """<body><h1>Output Formats</h1><dl><dt><img class="formulaInl" alt="{\\LaTeX}" src="form_0.png"/></dt>
    <dd>Generated if <code>GENERATE_LATEX</code> is set.</dd></dl><p>A distance <img class="math" alt="$\\sqrt{2}$">
    away. <img src="logo.png" alt="Project logo"></p></body>"""
    assert blocks(load(write(tmp_path / "output.html", page))) == [
        "Output Formats",
        "LaTeX",
        "Generated if GENERATE_LATEX is set.",
        "A distance sqrt 2 away.",
    ]


def test_html_a_menu_of_links_and_a_scripts_buttons_are_furniture(tmp_path: Path) -> None:
    # SQLite's pages without an h1 kept their site menu ("Home", "Menu", "About", ...), whose "Menu" and "Search" are
    # buttons of a script; Texinfo's chapter menus list the sections that follow.
    page = """<body><div class="menu mainmenu"><ul><li><a href="index.html">Home</a></li>
    <li><a href="javascript:void(0)" onclick='toggle_div("submenu")'>Menu</a></li><li><a href="about.html">About</a></li>
    </ul></div><p>Release 3.3.7. <a href="javascript:void(0)">Search</a></p><ul class="menu"><li><a href="#a">Array
    Parameters</a></li><li><a href="#p">Positional Parameters</a></li></ul><h2>Array Parameters</h2><p>An array.</p>
    </body>"""
    assert blocks(load(write(tmp_path / "page.html", page))) == ["Release 3.3.7.", "Array Parameters", "An array."]


def test_html_rustdoc_buttons_and_source_links_are_furniture(tmp_path: Path) -> None:
    page = """<body><h1>Function std::fs::read_to_string</h1><span class="out-of-band"><span class="since">1.26.0</span>
    <a class="srclink" href="../../src/std/fs.rs.html#283-291">source</a></span><details class="rustdoc-toggle top-doc">
    <summary class="hideme"><span>Expand description</span></summary><div class="docblock"><p>Read the entire contents
    of a file into a string.</p><div class="example-wrap"><pre class="rust rust-example-rendered"><code>use std::fs;</code>
    </pre><a class="test-arrow" href="https://play.rust-lang.org/?code=x">Run</a></div></div></details></body>"""
    assert blocks(load(write(tmp_path / "fn.read_to_string.html", page))) == [
        "Function std::fs::read_to_string",
        "1.26.0",
        "Read the entire contents of a file into a string.",
        "use std::fs;",
    ]


def test_html_a_listing_beside_its_line_numbers_keeps_its_lines_and_loses_the_numbers(tmp_path: Path) -> None:
    # gtk-doc and Pygments set a listing in a table: a cell of line numbers beside a cell holding the code. Read as a row
    # of cells, every line ran into one: "1 2 3 | GHashTableIter iter; gpointer key, value; ...".
    page = """<body><h1>Hash Tables</h1><div class="informalexample"><table class="listing_frame"><tr>
    <td class="listing_lines"><pre>1
2
3</pre></td><td class="listing_code"><pre class="programlisting">GHashTableIter iter;
while (next (&amp;iter))
  { /* do something */ }</pre></td></tr></table></div>
    <table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>7
8</pre></div></td><td class="code"><div class="highlight"><pre>x = 1
y = 2</pre></div></td></tr></table>
    <table><tr><td>2</td><td>3</td></tr><tr><td>10</td><td><pre>ten</pre></td></tr></table></body>"""
    assert blocks(load(write(tmp_path / "glib-Hash-Tables.html", page))) == [
        "Hash Tables",
        "GHashTableIter iter;\nwhile (next (&iter))\n  { /* do something */ }",
        "x = 1\ny = 2",
        "2 | 3",  # numbers beside numbers are data
        "10 | ten",  # one number beside a listing is a row of data, not a column of line numbers
    ]


def test_html_source_links_hidden_menus_and_a_sidebar_of_links_are_furniture(tmp_path: Path) -> None:
    # Sphinx's viewcode links, in a signature and inside a source listing; HAProxy's dropdown menus, which its stylesheet
    # hides, hung on the keywords its sentences cite, inside verbatim text and out; Django's sidebar; rdoc's heading marks
    # and a method's "click to toggle source".
    page = """<body><div id="sidebar"><h3>Last update:</h3><p class="topless">Nov 11, 2026</p></div>
    <h1>Paginator<span><a href="#p">¶</a> <a href="#top">↑</a></span></h1><div class="method-heading"><span
    class="method-callseq">add(o)</span><span class="method-click-advice">click to toggle source</span></div>
    <dl><dt>class Paginator(object_list)<a href="_modules/p.html"><span class="viewcode-link">[source]</span></a></dt>
    <dd>Splits a list into pages.</dd></dl><pre><a class="viewcode-back" href="../p.html">[docs]</a>class Page:
    pass</pre><pre class="text">used with "<span class="dropdown"><a class="dropdown-toggle" href="#">ca-file</a><ul
    class="dropdown-menu"><li class="dropdown-header">This keyword is available in sections :</li><li><a href="#b">Bind
    options</a></li></ul></span>" and "crl-file".</pre><p>See also : "<span class="dropdown"><a href="#m">maxconn</a><ul
    class="dropdown-menu"><li>Log forwarding</li></ul></span>" and the tuning guide.</p></body>"""
    assert blocks(load(write(tmp_path / "paginator.html", page))) == [
        "Paginator",
        "add(o)",
        "class Paginator(object_list)",
        "Splits a list into pages.",
        "class Page:\n    pass",
        'used with "ca-file" and "crl-file".',
        'See also : "maxconn" and the tuning guide.',
    ]


def test_html_texinfo_contents_menus_and_indexes_are_navigation(tmp_path: Path) -> None:
    page = """<html><body><h1>Shell Manual</h1><h2 class="contents-heading">Table of Contents</h2>
    <div class="contents"><ul><li><a href="#Intro">1 Introduction</a></li></ul></div>
    <h2 class="chapter" id="Intro">1 Introduction</h2><ul class="section-toc"><li><a href="#What">What is it?</a></li></ul>
    <h3 id="What">1.1 What is it?</h3><p>The shell reads commands.</p>
    <h2>Concept Index</h2><table><tr><th>Jump to:</th><td><a class="summary-letter" href="#A"><b>A</b></a></td></tr></table>
    <table class="index-cp"><tr><td><a href="#x">alias expansion</a>:</td><td><a href="#Intro">Aliases</a></td></tr></table>
    <table><tr><td><a href="#Intro">1 Introduction</a></td><td>where it starts</td></tr></table></body></html>"""
    doc = load(write(tmp_path / "manual.html", page))
    assert blocks(doc) == [
        "Shell Manual",
        "1 Introduction",
        "1.1 What is it?",
        "The shell reads commands.",
        "Concept Index",
        "1 Introduction | where it starts",  # a table with words of its own is content
    ]


def test_html_a_bar_of_arrow_links_is_navigation_and_a_sentence_with_arrows_is_not(tmp_path: Path) -> None:
    # texi2any's bar above and below every section of a many-page manual; "<<" and ">>" as words of a sentence stay.
    bar = """<table class="header"><tr><td>[<a href="a.html"> &lt;&lt; </a>]</td><td>[<a href="b.html"> &lt; </a>]</td>
    <td>[<a href="index.html"> Up </a>]</td><td>[<a href="#c"> &gt; </a>]</td><td>[<a href="d.html"> &gt;&gt; </a>]</td>
    <td> &nbsp; </td><td>[<a href="index.html">Top</a>]</td><td>[<a href="toc.html">Contents</a>]</td>
    <td>[<a href="ix.html">Index</a>]</td><td>[<a href="abt.html"> ? </a>]</td></tr></table>"""
    closing = '<p>[<a href="a.html"> &lt;&lt; </a>] | [<a href="d.html"> &gt;&gt; </a>] | [<a href="index.html">Top</a>]</p>'
    page = f"""<html><body>{bar}<h1>14 Expansion</h1><p>Use <code>&lt;&lt;</code> for a here-document and
    <a href="r.html">&gt;&gt;</a> to append.</p>{bar}{closing}</body></html>"""
    doc = load(write(tmp_path / "Expansion.html", page))
    assert blocks(doc) == ["14 Expansion", "Use << for a here-document and >> to append."]


def test_html_the_z_shell_manual_reads_without_its_navigation_bars() -> None:
    text = load(Path("/usr/share/doc/zsh-common/html/Expansion.html")).text  # zsh-doc, which make test installs
    assert "[ << ]" not in text and "[Contents]" not in text and "Up ]" not in text
    assert "The following types of expansions are performed in the indicated order in five steps:" in text


def test_html_blocks_are_separated_by_a_blank_line(tmp_path: Path) -> None:
    markup = """<body><h2>Setup</h2><p>First paragraph</p><ul><li>one item</li><li>two <b>bold</b> item
    <ul><li>nested</li></ul></li></ul><dl><dt>term</dt><dd>its definition</dd></dl>
    <blockquote>quoted</blockquote><div>a div<p>inner</p>tail</div><p>line one<br>line two</p></body>"""
    doc = load(write(tmp_path / "b.html", markup))
    assert blocks(doc) == [
        "Setup",
        "First paragraph",
        "one item",
        "two bold item",
        "nested",
        "term",
        "its definition",
        "quoted",
        "a div",
        "inner",
        "tail",
        "line one\nline two",
    ]


# Pieces of the structures the HTML reader treats apart, to be put together in any order, closed or not: fields and
# definition lists, data rows and layout rows (a heading or a form in a cell), DocBook boxes, code, footnote marks and
# exponents, navigation (and blocks of its classes holding prose), hidden elements, script, sectioning and verbatim
# blocks.
HTML_PARTS = [
    *["<p>", "</p>", "<div>", "</div>", "<br>", "<ul>", "<li>", "</ul>", "<blockquote>", "</blockquote>"],
    *["<dl>", "<dl class='field-list'>", "</dl>", "<dt>", "</dt>", "<dd>", "</dd>"],
    *["<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "</th>", "<form>", "</form>"],
    *["<h1>", "</h1>", "<h3>", "</h3>", "<title>", "</title>", "<div class='sidebar'><p class='title'>", "</div>"],
    *["<pre>", "</pre>", "<code>", "</code>", "<span class='pkg'>", "</span>", "<kbd>", "</kbd>"],
    *["<sup>", "</sup>", "<a href='#fn1'>", "<a href='next.html' rel='next'>", "</a>", "<nav>", "</nav>"],
    *["<div hidden>", "<span style='display: none'>", "<script>", "</script>", "<section>", "</section>", "<aside>"],
    *["<div class='contents'>", "<div class='toc'>"],  # furniture while mostly links, content once they hold prose
    # A listing beside its line numbers, Sphinx's viewcode links, a hidden dropdown menu, a sidebar, a link to the top.
    *["<td class='linenos'><pre>1\n2</pre></td>", "<div id='sidebar'>", "<ul class='dropdown-menu'>", "<a href='#top'>↑"],
    *["<a class='viewcode-back' href='x.html'>[docs]</a>", "<span class='viewcode-link'>[source]</span>"],
    *["<img class='formulaInl' alt='{\\LaTeX}'>", "<img class='math' alt='$x^2$'>", "<img src='logo.png' alt='Logo'>"],
    *["Words here. ", "mkpasswd", "2", "32", "Next", "Prev", "\n", " ", "&amp;", "&#8230;", "\u00ad"],
    " ".join(["A sentence of prose long enough to count."] * 3),
]


def loaded_or_refused(name: str, text: str | bytes) -> LoadedDocument | None:
    """``text`` written as a file named ``name`` and loaded; None when the loader refuses it with a LoadError."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            return load(write(Path(folder) / name, text))
        except LoadError as error:
            assert str(error)  # a reason a user can read
            return None


def assert_sections_are_ordered_spans(document: LoadedDocument) -> None:
    spans = [(section.start, section.end) for section in document.sections]
    assert all(0 <= start < end <= len(document.text) for start, end in spans)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.sampled_from(HTML_PARTS), max_size=60))
@example(["<code>", "Words here. ", "<img class='formulaInl' alt='{\\LaTeX}'>", "Words here. "])  # a formula in code
def test_html_of_any_shape_reads_as_ordered_blocks_without_markup(parts: list[str]) -> None:
    document = loaded_or_refused("any.html", "".join(parts))
    if document is None:
        return
    assert_sections_are_ordered_spans(document)
    assert "<" not in document.text and ">" not in document.text  # no tag is ever read as text
    blocks = document.text.split("\n\n") if document.text else []
    assert all(block == block.strip("\n") and block.strip() for block in blocks)
    # Only code that is read as a sentence's part is a code word: none around a block or furniture (a line break inside
    # one joins its lines, as before).
    letters = "".join(document.text.split())
    assert all("".join(code.split()) in letters for code in document.code)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(st.sampled_from("\\{}$()[]^_ aLTeXsqrt2"), max_size=40))
@example("\\\\L")  # TeX's line break before a letter: the letter was left behind a backslash
def test_a_formulas_tex_of_any_shape_reads_as_words_without_braces_or_commands(alt: str) -> None:
    from index.formats.html import _formula_text

    text = _formula_text(alt)
    assert "{" not in text and "}" not in text and not re.search(r"\\[A-Za-z]", text)
    assert text == " ".join(text.split())


def test_html_a_title_is_never_text_and_code_around_blocks_is_no_code_word(tmp_path: Path) -> None:
    # bash's manual page as HTML prints a header before its doctype, so the parser puts the <title> in the body; SQLite's
    # pages repeat theirs in the body. A browser shows neither.
    markup = "Content-type: text/html\n\n<!DOCTYPE html><html><head><title>Man page of BASH</title></head><body>"
    markup += "<h1>BASH</h1><p>Run <code>mkpasswd</code> now.</p><title>BASH again</title><code>ls<p>Words here.</p></code>"
    doc = load(write(tmp_path / "bash.html", markup))
    assert doc.title == "Man page of BASH"
    assert "Man page" not in doc.text and "again" not in doc.text and "Run mkpasswd now." in doc.text
    assert doc.code == ["mkpasswd"]  # not "lsWords here.", a word no block holds


def test_html_docbook_box_titles_head_the_box_only(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Guide</title></head><body><div class='section'><div class='titlepage'><h2>1.1. Scheduling</h2>"
        "</div><p>Use cron for repeated tasks.</p><div class='sidebar'><div class='titlepage'><div><div>"
        "<p class='title'><strong><em>TIP</em> Cancelling a job</strong></p></div></div></div>"
        "<div class='para'>Run <code>atrm</code> with the job number.</div></div>"
        "<p>Use at for one-off tasks.</p><p class='title'>Not a box title</p></div></body></html>"
    )
    doc = load(write(tmp_path / "guide.html", page))
    assert "TIP Cancelling a job\n\nRun atrm with the job number." in doc.text
    assert doc.heading_path_at(doc.text.index("Run atrm")) == ("1.1. Scheduling", "TIP Cancelling a job")
    # The box ends, and so does its heading: the text after it is under the section again.
    assert doc.heading_path_at(doc.text.index("Use at for")) == ("1.1. Scheduling",)
    assert doc.heading_path_at(doc.text.index("Not a box title")) == ("1.1. Scheduling",)


def test_html_docbook_admonitions_titled_by_a_heading_stay_inside_their_subsection(tmp_path: Path) -> None:
    # PostgreSQL's manual: a subsection's title and each note's title are both h3; the note is a box inside the subsection.
    page = (
        "<html><head><title>Connections</title></head><body><div class='sect1'><div class='titlepage'><div><div>"
        "<h2 class='title'>20.3. Connections</h2></div></div></div><div class='sect2'><div class='titlepage'><div><div>"
        "<h3 class='title'>20.3.1. Connection Settings</h3></div></div></div><p>The <code>port</code> defaults to 5432.</p>"
        "<div class='note'><h3 class='title'>Note</h3><p>On Windows, a value of 0 means two hours.</p></div>"
        "<p>The <code>tcp_user_timeout</code> parameter closes a silent connection.</p></div>"
        "<div class='sect2'><div class='titlepage'><div><div><h3 class='title'>20.3.2. Authentication</h3></div></div>"
        "</div><p>The <code>authentication_timeout</code> bounds a login.</p></div></div></body></html>"
    )
    doc = load(write(tmp_path / "connections.html", page))
    settings = ("20.3. Connections", "20.3.1. Connection Settings")
    assert doc.heading_path_at(doc.text.index("On Windows")) == (*settings, "Note")
    # The note ends, and the parameter after it is still one of the subsection's (it was filed under "Note").
    assert doc.heading_path_at(doc.text.index("The tcp_user_timeout parameter")) == settings
    assert doc.heading_path_at(doc.text.index("The authentication_timeout")) == ("20.3. Connections", "20.3.2. Authentication")
    # A section's own heading is no box title, whatever its class.
    assert doc.heading_path_at(doc.text.index("The port defaults")) == settings


def test_html_code_blocks_stay_intact(tmp_path: Path) -> None:
    markup = (
        "<body><p>Equivalent to:</p><pre>def all(iterable):\n    for element in iterable:\n"
        "        if not <b>element</b>:\n\n            return False\n    return True\n</pre><p>After.</p></body>"
    )
    doc = load(write(tmp_path / "c.html", markup))
    code = (
        "def all(iterable):\n    for element in iterable:\n        if not element:\n\n            return False\n    return True"
    )
    assert doc.text == f"Equivalent to:\n\n{code}\n\nAfter."


def test_html_tables_become_rows_of_cells_and_layout_tables_blocks(tmp_path: Path) -> None:
    markup = """<body><table><tr><th>package</th><th>size</th></tr><tr><td>dpkg</td><td><p>5989</p></td></tr>
    <tr><td></td><td>only cell</td></tr></table>
    <table class="note"><tr><td><img alt="Note"/></td><th>Note</th></tr><tr><td></td><td><p>First.</p><p>Second.</p></td></tr>
    </table></body>"""
    doc = load(write(tmp_path / "t.html", markup))
    assert blocks(doc) == ["package | size", "dpkg | 5989", "only cell", "Note", "First.", "Second."]


def test_html_a_page_laid_out_in_table_columns_reads_as_blocks(tmp_path: Path) -> None:
    # An old site's layout (libxml's and libxslt's pages): a menu column beside a content column, one row of two cells.
    markup = """<body><table><tr><td><b>Main Menu</b><ul><li><a href="index.html">Home</a></li></ul></td>
    <td><h2>FAQ</h2><ol><li><p>Troubles compiling?</p><p>Use</p><pre>xslt-config --cflags</pre><p>to get the flags.</p></li>
    </ol><table><tr><td>option</td><td>meaning</td></tr></table></td></tr></table></body>"""
    assert blocks(load(write(tmp_path / "site.html", markup))) == [
        "Main Menu",
        "Home",
        "FAQ",
        "Troubles compiling?",
        "Use",
        "xslt-config --cflags",
        "to get the flags.",
        "option | meaning",  # a table of data inside a column is still read as rows of cells
    ]
    # A page whose content column has no heading: the menu column's search box marks the row as layout.
    searched = """<body><table><tr><td><form action="search.php"><input name="query"/></form><ul><li><a href="a.html">Home</a>
    </li></ul></td><td><p>Well, bugs are always possible.</p><ul><li>Check the list.</li></ul></td></tr></table></body>"""
    assert blocks(load(write(tmp_path / "bugs.html", searched))) == ["Home", "Well, bugs are always possible.", "Check the list."]


def test_html_a_site_menu_and_contents_before_the_first_h1_are_dropped(tmp_path: Path) -> None:
    markup = """<body><div class="tagline">Small. Fast.</div>
    <div class="menu"><ul><li><a href="index.html">Home</a><li><a href="javascript:void(0)">Menu</a>
    <li><a href="docs.html">Documentation</a><li><a href="download.html">Download</a></ul></div>
    <div class="title">Write-Ahead Logging</div>
    <div class="toc"><a onclick="toggle()">&#x25ba; Table Of Contents</a>
    <div><a href="#overview">1. Overview</a></div><div><a href="#how">2. How WAL Works And What It Costs Today</a></div>
    <div><a href="#checkpointing">2.1. Checkpointing</a></div></div>
    <p><a href="a.html">See</a> <a href="b.html">also</a> <a href="c.html">this</a> and more words.</p>
    <h1 id="overview">1. Overview</h1><p>asyncio has these primitives:</p>
    <ul><li><a href="#lock">Lock</a></li><li><a href="#event">Event</a></li><li><a href="#barrier">Barrier</a></li></ul>
    </body>"""
    # Before the first h1, a block of nothing but links is the site's menu (short links) or the page's contents
    # (links to its own anchors); a block with words of its own is content. After it, a list of links is content.
    assert blocks(load(write(tmp_path / "wal.html", markup))) == [
        "Small. Fast.",
        "Write-Ahead Logging",
        "See also this and more words.",
        "1. Overview",
        "asyncio has these primitives:",
        "Lock",
        "Event",
        "Barrier",
    ]


def test_html_page_furniture_is_dropped(tmp_path: Path) -> None:
    markup = """<html><head><title>9.7. Scheduling</title></head><body>
    <div id="banner"><a href="http://x"><span>Download the ebook</span></a></div>
    <header><a href="/">Site name</a></header><nav><a href="/">Home</a></nav>
    <div class="navheader"><table><tr><th>Chapter 9</th></tr><tr><td><a accesskey="p" href="a.html">Prev</a></td>
    <td><a accesskey="n" href="b.html">Next</a></td></tr></table></div>
    <div class="related" role="navigation"><h3>Navigation</h3><ul><li><a href="i.html">index</a></li></ul></div>
    <div class="sphinxsidebar"><h3>Table of Contents</h3></div>
    <ul class="menu"><li><a accesskey="p" href="a.html"><strong>Prev</strong>9.6. Inetd</a></li>
    <li><a accesskey="u" href="#"><strong>Up</strong></a></li><li><a accesskey="h" href="index.html">Home</a></li></ul>
    <div class="header"><p>Next: <a rel="next" href="#n">Intro</a>, Up: <a rel="up" href="#t">Top</a> [<a rel="contents"
    href="#c">Contents</a>]</p></div>
    <section><h1>Cron<a class="headerlink" href="#cron">¶</a></h1><p>Cron runs jobs.<span hidden>secret</span></p>
    <header><p>Section header kept.</p></header>
    <aside class="footnote"><p>A footnote inside the section is content.</p></aside>
    <p style="display: none">invisible</p><p aria-hidden="true">also invisible</p></section>
    <aside><p>Sidebar ad</p></aside><div role="contentinfo">Copyright</div><footer>Page footer</footer>
    <ul class="docnav"><li class="previous"><a accesskey="p" href="a.html">Prev</a></li>
    <li class="home">The Handbook</li></ul></body></html>"""
    doc = load(write(tmp_path / "f.html", markup))
    assert blocks(doc) == ["Cron", "Cron runs jobs.", "Section header kept.", "A footnote inside the section is content."]
    assert doc.title == "9.7. Scheduling"


def test_html_header_and_footer_laid_out_as_divs_are_dropped(tmp_path: Path) -> None:
    # Apache httpd's manual: a site header that holds no heading, permalink pilcrows, a language switcher, a quick-view
    # sidebar and a footer of copyright lines and a menu, as div ids and classes rather than HTML5 elements.
    markup = """<html><body><div id="page-header"><p class="apache">Apache HTTP Server Version 2.4</p></div>
    <div id="page-content"><div id="preamble"><h1>Apache Module mod_rewrite</h1>
    <div class="toplang"><p><span>Available Languages: </span><a href="x.en">&nbsp;en&nbsp;</a> |
    <a href="x.fr">&nbsp;fr&nbsp;</a></p></div><p>Summary of the module.</p></div>
    <div id="quickview"><h3>Topics</h3><ul><li><a href="#logging">Logging</a></li></ul></div>
    <h2 id="logging">Logging <a title="Permanent link" href="#logging" class="permalink">&para;</a></h2>
    <p>Fixed a crash (Tom Lane) <a href="https://postgr.es/c/1">§</a></p>
    <p>The <a href="#op">-&gt;</a> operator and the <a href="w.html#q">/?</a> option stay.</p></div>
    <div id="footer"><p class="apache">Copyright 2026 The Apache Software Foundation.</p>
    <p class="menu"><a href="a">Modules</a> | <a href="b">Directives</a> | <a href="c">FAQ</a></p></div></body></html>"""
    doc = load(write(tmp_path / "mod_rewrite.html", markup))
    assert blocks(doc) == [
        "Apache Module mod_rewrite",
        "Summary of the module.",
        "Logging",
        "Fixed a crash (Tom Lane)",
        "The -> operator and the /? option stay.",
    ]
    assert [section.path for section in doc.sections][-1] == ("Apache Module mod_rewrite", "Logging")


def test_html_a_header_div_that_holds_the_title_is_content(tmp_path: Path) -> None:
    # AsciiDoc's page: its div#header holds the h1 and the NAME section; its admonition's label cell is layout.
    markup = """<html><body><div id="header"><h1>git-rebase(1) Manual Page</h1><h2>NAME</h2>
    <div class="sectionbody"><p>git-rebase - Reapply commits on top of another base tip</p></div></div>
    <div id="content"><div class="admonitionblock"><table><tr><td class="icon"><div class="title">Note</div></td>
    <td class="content"><code>ORIG_HEAD</code> is not guaranteed to still point to the previous tip.</td></tr></table>
    </div></div><div id="footer"><div id="footer-text">Last updated 2024-05-31 00:35:55 UTC</div></div></body></html>"""
    doc = load(write(tmp_path / "git-rebase.html", markup))
    assert blocks(doc) == [
        "git-rebase(1) Manual Page",
        "NAME",
        "git-rebase - Reapply commits on top of another base tip",
        "Note",
        "ORIG_HEAD is not guaranteed to still point to the previous tip.",
    ]


def test_html_a_page_of_nothing_but_navigation_is_still_indexed(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "toc.html", "<body><nav><ul><li><a href='a'>Chapter 1</a></li></ul></nav></body>"))
    assert doc.text == "Chapter 1"


def test_html_headings_become_sections(tmp_path: Path) -> None:
    markup = """<html><head><title>Guide</title></head><body><p>Preamble.</p><h1>Intro</h1><p>A.</p>
    <h2>Install <code>pkg</code></h2><p>B.</p><h3>Debian</h3><p>C.</p><h2>Use</h2><p>D.</p>
    <h1>Next part</h1><p>E.</p></body></html>"""
    doc = load(write(tmp_path / "s.html", markup))
    assert doc.heading_path_at(doc.text.index("Preamble")) == ("Guide",)
    assert doc.heading_path_at(doc.text.index("A.")) == ("Intro",)
    assert doc.heading_path_at(doc.text.index("C.")) == ("Intro", "Install pkg", "Debian")
    assert doc.heading_path_at(doc.text.index("D.")) == ("Intro", "Use")
    assert doc.heading_path_at(doc.text.index("E.")) == ("Next part",)
    assert doc.heading_path_at(doc.text.index("Install")) == ("Intro", "Install pkg")
    assert [s.start for s in doc.sections] == sorted(s.start for s in doc.sections)
    assert doc.sections[-1].end == len(doc.text)


@pytest.mark.parametrize(
    ("page", "encoding", "text", "warning"),
    [
        # A declared encoding, in each of the places a page declares one.
        ('<meta charset="iso-8859-1"><p>Café crème, 3 €.</p>', "cp1252", "Café crème, 3 €.", "read as iso-8859-1"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=shift_jis"><p>日本語の説明です。</p>',
            "shift_jis",
            "日本語の説明です。",
            "read as shift_jis",
        ),
        (
            '<?xml version="1.0" encoding="windows-1251"?><html><p>Привет, мир.</p></html>',
            "cp1251",
            "Привет, мир.",
            "windows-1251",
        ),
        # None declared: windows-1252, as a browser reads it ("smart quotes" included).
        ("<p>“Quoted” by Jan Pokorný.</p>", "cp1252", "“Quoted” by Jan Pokorný.", "no encoding declared"),
        # Valid UTF-8 is UTF-8, whatever the page says: what loaded before loads as before, with no warning.
        ('<meta charset="iso-8859-1"><p>Café crème.</p>', "utf-8", "Café crème.", ""),
    ],
)
def test_html_in_another_encoding_reads_as_a_browser_reads_it(
    tmp_path: Path, page: str, encoding: str, text: str, warning: str
) -> None:
    doc = load(write(tmp_path / "page.html", page.encode(encoding)))
    assert text in doc.text
    assert (warning in doc.warnings[0]) if warning else doc.warnings == []


def test_text_that_is_not_utf8_is_still_refused(tmp_path: Path) -> None:
    # Plain text, Markdown and reST declare no encoding, and a guess from a short text is often wrong (a detector
    # reads "café crème" in Latin-1 as Urdu): they are refused with the reason, not read as mojibake.
    with pytest.raises(LoadError, match="not valid UTF-8"):
        load(write(tmp_path / "notes.md", "caf\xe9 cr\xe8me".encode("latin-1")))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize(
    ("name", "source", "text"),
    [
        ("notes.txt", "Notes\n\nThe café opens at 9 — Ünïcödé.\n", "Notes\n\nThe café opens at 9 — Ünïcödé.\n"),
        ("notes.md", "# Notes\n\nThe café opens at *9*.\n", "Notes\n\nThe café opens at 9."),
        ("page.html", "<html><body><h1>Notes</h1><p>The café opens at 9.</p></body></html>", "Notes\n\nThe café opens at 9."),
    ],
)
def test_text_in_utf16_or_utf32_with_its_byte_order_mark_is_read(
    tmp_path: Path, codec: str, name: str, source: str, text: str
) -> None:
    # Windows Notepad's "Unicode" and Windows PowerShell's ">" write UTF-16: it was refused as binary content.
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    document = load(write(tmp_path / name, mark + source.encode(codec)))
    assert document.text == text and document.warnings == [] and document.title == "Notes"


def test_utf16_without_its_mark_or_broken_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="binary content"):
        load(write(tmp_path / "bare.txt", "No mark, so no telling it from binary.".encode("utf-16-le")))
    with pytest.raises(LoadError, match="not valid UTF-16 text"):
        load(write(tmp_path / "cut.txt", "A file cut short".encode("utf-16") + b"\x41"))  # an odd byte at the end
    with pytest.raises(LoadError, match="binary content"):
        load(write(tmp_path / "nul.txt", "A\x00\x01 binary behind a mark".encode("utf-16")))


def test_html_without_visible_text_is_an_error(tmp_path: Path) -> None:
    for name, markup in [("comment.html", "<!-- nothing -->"), ("script.html", "<script>x()</script>")]:
        with pytest.raises(LoadError, match="no text could be extracted"):
            load(write(tmp_path / name, markup))


# --------------------------------------------------------------------------- Markdown


def test_text_and_markdown_titles(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "a.md", "\n# Field notes\n\nThe river rose by 3 metres."))
    assert doc.title == "Field notes"
    assert "3 metres" in doc.text and doc.pages == []


def test_a_long_title_is_cut_after_a_whole_word(tmp_path: Path) -> None:
    line = "The harbour authority's annual report on cranes, tides, dredging and the new container terminal, " * 3
    doc = load(write(tmp_path / "long.txt", f"{line}\n\nThe river rose by 3 metres."))
    assert len(doc.title) <= 120 and doc.title.endswith("…") and line.startswith(doc.title[:-1])
    assert line[len(doc.title) - 1] == " "  # no word is cut in half
    one_word = "x" * 300
    assert load(write(tmp_path / "word.txt", f"{one_word}\n\nText.")).title == "x" * 119 + "…"


def test_markdown_markup_is_reduced_to_text(tmp_path: Path) -> None:
    source = """---
title: Harbour guide
tags: [x]
---
# Cranes

The *harbour* has **twelve** [cranes](http://example.com) and runs `crane --lift`
every morning.  \nSecond line.

- first item
- second *item*
  continued

```python
def lift():

    return 12
```

| crane | tons |
|---|---|
| north | `40` |

## Tugs <br>

<div><p>Raw <b>HTML</b> block.</p></div>
"""
    doc = load(write(tmp_path / "h.md", source))
    assert blocks(doc) == [
        "Cranes",
        "The harbour has twelve cranes and runs crane --lift every morning.\nSecond line.",
        "first item",
        "second item continued",
        "def lift():",
        "    return 12",
        "crane | tons",
        "north | 40",
        "Tugs",
        "Raw HTML block.",
    ]
    assert "def lift():\n\n    return 12" in doc.text  # the fence is one block, its blank line kept
    assert doc.title == "Harbour guide"
    assert doc.heading_path_at(doc.text.index("north")) == ("Cranes",)
    assert doc.heading_path_at(doc.text.index("Raw")) == ("Cranes", "Tugs")


MYST = """(install-guide)=
# Installing

% A comment the built page does not show.

Use {pypi}`certifi` or {ref}`the cache <pypug:caching>`, as {pep}`518` says; call {func}`os.getcwd` first[^1].

```{note}
:class: dropdown
The *cache* lives in [the folder] and
spans two lines.

- one item
```

:::{warning} Mind the gap
Read **this**.
:::

```{versionchanged} 21.3
The build is `in place`.
```

```{versionadded} 22.2
- a list comes after its label
```

```{code-block} python
---
linenos: true
---
x = {"a": 1}
```

```{toctree}
:hidden:
getting-started
```

```{pip-cli}
$ pip install sample
[...]
Successfully installed sample
```

```{eval-rst}
An **inline** ``rst`` note.
```

+++

[the folder]: https://example.com/folder
[^1]: The footnote's own sentence.
"""


def test_myst_markdown_is_read_as_its_built_page_shows_it(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "guide.md", MYST))
    assert blocks(doc) == [
        "Installing",
        "Use certifi or the cache, as PEP 518 says; call os.getcwd() first.",
        "The cache lives in the folder and spans two lines.",  # a note's Markdown, its option gone
        "one item",
        "Mind the gap",  # an admonition's title, then its text
        "Read this.",
        "Changed in version 21.3: The build is in place.",
        "New in version 22.2.",
        "a list comes after its label",
        'x = {"a": 1}',  # code verbatim, its YAML options gone
        "$ pip install sample\n[...]\nSuccessfully installed sample",  # a project's own directive, as written
        "An inline rst note.",
        "The footnote's own sentence.",  # where the page shows it: at the end, without its mark
    ]
    assert "getting-started" not in doc.text and "install-guide" not in doc.text  # toctree and target go
    assert {"os.getcwd()", "in place", "rst"} <= set(doc.code)  # a code role is code, as a code span is
    assert doc.heading_path_at(doc.text.index("Read this")) == ("Installing",)


def test_markdown_that_is_not_myst_keeps_its_lines_of_percent_and_plus(tmp_path: Path) -> None:
    source = (
        "# Budget\n\nThe plan:\n\n% of the budget went to roads.\n\n+++\n\nFootnote[^a] and {not a role}, `${HOME}` "
        "and `{x}`.\n\n[^a]: Its note.\n"
    )
    assert blocks(load(write(tmp_path / "plain.md", source))) == [
        "Budget",
        "The plan:",
        "% of the budget went to roads.",
        "+++",
        "Footnote and {not a role}, ${HOME} and {x}.",  # code that holds braces is no role
        "Its note.",
    ]


MYST_PARTS = [
    "```{note}\n",
    "````{tab} Linux\n",
    "```\n",
    "````\n",
    ":::{warning} Title\n",
    ":::\n",
    "```{versionadded} 1.0\n",
    "```{eval-rst}\n",
    "```{toctree}\n",
    "```{code-block} python\n",
    ":class: tip\n",
    "---\nkey: value\n---\n",
    "{pypi}`certifi` ",
    "{ref}`text <pypug:target>` ",
    "{pep}`8` ",
    "[^1] ",
    "[^1]: note\n",
    "(target)=\n",
    "% comment\n",
    "+++\n",
    "- item\n",
    "> quote\n",
    "# Heading\n",
    "\n",
    "Words here. ",
]


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.sampled_from(MYST_PARTS) | st.text(max_size=20), max_size=40))
def test_myst_of_any_shape_reads_or_raises_a_load_error(parts: list[str]) -> None:
    # Fences opened and never closed, closed twice, nested in any order, options anywhere, roles in headings.
    document = loaded_or_refused("any.md", "".join(parts))
    if document is None:
        return
    assert_sections_are_ordered_spans(document)  # headings inside directives too
    assert "\x00" not in document.text or any("\x00" in part for part in parts)  # a hard break's mark never leaks


def test_myst_fences_nested_past_the_readers_depth_keep_every_word(tmp_path: Path) -> None:
    depth = 40  # each level a longer fence around the next: past eight, a body is kept as written
    source = "".join(f"{'`' * (3 + depth - level)}{{note}}\nlevel{level} words\n" for level in range(depth))
    source += "".join(f"{'`' * (3 + level + 1)}\n" for level in range(depth))
    doc = load(write(tmp_path / "nested.md", source))
    words = [word for word in doc.text.split() if not word.strip("`{}").startswith("note") and word.strip("`")]
    assert [word for word in words if word.startswith("level")] == [f"level{level}" for level in range(depth)]
    assert blocks(doc)[:3] == ["level0 words", "level1 words", "level2 words"]


# --------------------------------------------------------------------------- reStructuredText


RST = """:tocdepth: 2

.. _intro:

=========
 Library
=========

Use :func:`open` or :meth:`~io.TextIOBase.read`, see :ref:`the guide <guide>` and ``os.path``.
*Emphasis* and **strong** go; `Python <https://python.org>`_ keeps its text [#]_.
:pep:`8` and :rfc:`2822` name their documents; :term:`pypug:Wheel` is another project's term.

.. index:: single: open

.. note::
   Files must be closed,
   even on errors.

.. versionadded:: 3.2
   The *mode* argument.

Section
-------

Example::

    with open("f") as f:

        f.read()

.. code-block:: python
   :linenos:

   print("hi")

.. function:: open(file, mode='r')
              open(fd)

   Open *file*.

- item one
- item
  two

.. This is a comment
   spanning lines.

Sub
~~~

+------+-------+
| name | value |
+======+=======+
| a    | 1     |
+------+-------+
"""


def test_restructured_text_is_reduced_to_what_the_built_page_shows(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "lib.rst", RST))
    assert blocks(doc) == [
        "Library",
        "Use open() or read(), see the guide and os.path. Emphasis and strong go; Python keeps its text. PEP 8 and RFC "
        "2822 name their documents; Wheel is another project's term.",
        "Files must be closed, even on errors.",
        "New in version 3.2. The mode argument.",
        "Section",
        "Example:",
        'with open("f") as f:',
        "    f.read()",
        'print("hi")',
        "open(file, mode='r')",
        "open(fd)",
        "Open file.",
        "item one",
        "item two",
        "Sub",
        "name | value",
        "a | 1",
    ]
    assert 'with open("f") as f:\n\n    f.read()' in doc.text
    assert doc.title == "Library"
    assert doc.heading_path_at(doc.text.index("Open file")) == ("Library", "Section")
    assert doc.heading_path_at(doc.text.index("a | 1")) == ("Library", "Section", "Sub")


def test_sphinx_sources_are_restructured_text_and_other_txt_is_plain(tmp_path: Path) -> None:
    source = "Title\n=====\n\nCall :func:`len`.\n"
    (tmp_path / "_sources").mkdir()
    assert load(write(tmp_path / "_sources" / "f.txt", source)).text == "Title\n\nCall len()."
    assert load(write(tmp_path / "f.rst.txt", source)).text == "Title\n\nCall len()."  # a copied Sphinx source
    assert load(write(tmp_path / "plain.txt", source)).text == source
    assert load(write(tmp_path / "first.txt", source)).title == "Title"  # plain text keeps its words
    assert is_supported(Path("x.rst"))


def test_plain_text_keeps_its_words_and_gains_the_headings_a_reader_sees(tmp_path: Path) -> None:
    source = (
        "Lake Baikal\n\nLake Baikal is a rift lake in Siberia.\n\n== Geography ==\n\nThe lake is 636 km long.\n\n"
        "=== Depth ===\nIt is 1,642 m deep.\n\nEarly life and career \n\nThe town was founded in 1200 by\n"
        "settlers from the north.\n\n(Global Times)\n\nApr. 02, 2020|Updated: 2020-04-01\n\nNo comments yet.\n"
    )
    doc = load(write(tmp_path / "baikal.txt", source))
    assert doc.text == source and doc.title == "Lake Baikal"
    assert doc.heading_path_at(doc.text.index("rift lake")) == ("Lake Baikal",)
    assert doc.heading_path_at(doc.text.index("636 km")) == ("Lake Baikal", "Geography")
    assert doc.heading_path_at(doc.text.index("1,642 m")) == ("Lake Baikal", "Geography", "Depth")
    # A short line alone is a heading; a wrapped line is not, nor one that ends in punctuation, nor a date line.
    assert doc.heading_path_at(doc.text.index("settlers")) == ("Lake Baikal", "Early life and career")
    assert doc.heading_path_at(doc.text.index("No comments")) == ("Lake Baikal", "Early life and career")


def test_plain_text_without_headings_has_no_sections(tmp_path: Path) -> None:
    source = "the first line is no heading, being lower case\n\nAnd a paragraph follows it.\n"
    doc = load(write(tmp_path / "flat.txt", source))
    assert doc.text == source and doc.sections == []


def test_a_paragraphs_number_linked_to_it_is_not_text(tmp_path: Path) -> None:
    # SiSU numbers every paragraph with a link to it: read as text, "497" stood between a sentence and its stanza.
    page = (
        '<div><label class="ocn"><a href="#o5">5</a></label><p id="o5">Add the following stanza:</p></div>'
        '<div><label class="ocn"><a href="#o6">6</a></label><pre id="o6">Pin-Priority: -1</pre></div>'
        # A number that links elsewhere, or one inside a sentence, is the page's own text.
        '<p><a href="#o9">7</a></p><p id="o8">Seven items.</p><p>See note <a href="#o8">2</a> above.</p>'
    )
    doc = load(write(tmp_path / "book.html", page))
    assert doc.text == "Add the following stanza:\n\nPin-Priority: -1\n\n7\n\nSeven items.\n\nSee note 2 above."


# --------------------------------------------------------------------------- EPUB


def test_epub_chapters_in_spine_order_under_the_books_title(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "guide.epub", epub(BOOK, ["nav.xhtml", "cover.png", "one.xhtml", "two.xhtml"])))
    assert doc.title == "Field Guide"
    # The navigation document and the image are no text; the chapters follow the spine, not the manifest.
    assert doc.text == (
        "Birds\n\nA swift can stay aloft for ten months; run tally --swifts to count them."
        "\n\nMoths\n\nFlight\n\nMost moths fly at night, guided by the moon."
    )
    assert "A swift can stay aloft for ten months; run tally --swifts to count them." in sentences(doc)
    assert doc.heading_path_at(doc.text.index("Most moths")) == ("Field Guide", "Moths", "Flight")
    assert doc.heading_path_at(doc.text.index("A swift")) == ("Field Guide", "Birds")
    assert doc.code == ["tally --swifts"]


def test_epub_a_file_listed_twice_or_under_fragments_is_read_once(tmp_path: Path) -> None:
    data = epub(BOOK, ["one.xhtml", "one.xhtml", "two.xhtml"], href_two_xhtml="one.xhtml#part2")
    doc = load(write(tmp_path / "guide.epub", data))
    assert doc.text.count("A swift can stay aloft") == 1 and "Moths" not in doc.text


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"mimetype": "application/epub+zip"}, "unreadable EPUB: .*META-INF/container.xml"),
        ({"META-INF/container.xml": "<container><rootfiles/></container>"}, "names no package document"),
        ({"META-INF/container.xml": CONTAINER}, "unreadable EPUB: .*OPS/book.opf"),
        ({"META-INF/container.xml": CONTAINER, "OPS/book.opf": "<package><manifest"}, "unreadable EPUB"),
    ],
    ids=["no container", "no package named", "package missing", "package not XML"],
)
def test_a_broken_epub_is_a_load_error(tmp_path: Path, files: dict[str, str], reason: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(LoadError, match=reason):
        load(write(tmp_path / "broken.epub", buffer.getvalue()))


def test_an_epub_whose_chapter_is_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"unreadable EPUB: .*OPS/one.xhtml"):
        load(write(tmp_path / "gap.epub", epub({"one.xhtml": ""}, ["one.xhtml"]).replace(b"OPS/one.xhtml", b"OPS/gap.xhtml")))
    with pytest.raises(LoadError, match="no text could be extracted"):
        load(write(tmp_path / "blank.epub", epub({"one.xhtml": xhtml_page("Blank", "")}, ["one.xhtml"])))


def _with_encryption(data: bytes, uris: list[str]) -> bytes:
    references = "".join(
        f'<enc:EncryptedData><enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData>'
        for uri in uris
    )
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(
            "META-INF/encryption.xml",
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            f'xmlns:enc="http://www.w3.org/2001/04/xmlenc#">{references}</encryption>',
        )
    return buffer.getvalue()


def test_a_drm_locked_epub_is_refused_with_a_reason_and_obfuscated_fonts_are_not(tmp_path: Path) -> None:
    locked = _with_encryption(epub(BOOK, ["one.xhtml", "two.xhtml"]), ["OPS/one.xhtml", "OPS/two.xhtml"])
    with pytest.raises(LoadError, match=r"encrypted EPUB \(DRM: OPS/one.xhtml and others are locked\)"):
        load(write(tmp_path / "locked.epub", locked))
    fonts = _with_encryption(epub(BOOK, ["one.xhtml"]), ["OPS/fonts/serif.otf"])
    assert "A swift can stay aloft" in load(write(tmp_path / "fonts.epub", fonts)).text


def test_an_epub_that_inflates_past_the_limit_is_refused_unread(tmp_path: Path) -> None:
    # 50 MB of text in a file of about 50 kB: refused after the first megabyte.
    bomb = epub({"one.xhtml": xhtml_page("Big", "<p>" + "a" * 50_000_000 + "</p>")}, ["one.xhtml"])
    assert len(bomb) < 200_000
    with pytest.raises(LoadError, match="decompresses to more than 1 MB, over the limit"):
        load(write(tmp_path / "bomb.epub", bomb), max_bytes=1_000_000)


def test_an_epub_package_with_an_entity_bomb_is_not_expanded(tmp_path: Path) -> None:
    # "Billion laughs": each entity ten of the one before, 10^9 letters from the last.
    laughs = '<!DOCTYPE package [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    path = write(tmp_path / "laughs.epub", epub(BOOK, ["one.xhtml"], title="&i;", doctype=laughs + "]>"))
    try:
        doc = load(path)
    except LoadError as error:  # libxml2 refuses the amplification itself
        assert "unreadable EPUB" in str(error) and "entity" in str(error)
    else:  # or reads the book without expanding the entity
        assert len(doc.title) < 200 and "A swift" in doc.text


# --------------------------------------------------------------------------- ODT


def odt(build: Callable[[Any], None], title: str = "") -> bytes:
    """An OpenDocument Text file written by odfpy; ``build`` adds the body's elements."""
    from odf import dc
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    if title:
        document.meta.addElement(dc.Title(text=title))
    build(document.text)
    buffer = io.BytesIO()
    with odf_writer():
        document.save(buffer)
    return buffer.getvalue()


def _field_notes(body: Any) -> None:
    from odf import table, text

    contents = text.TableOfContent(name="Contents")
    index = text.IndexBody()
    index.addElement(text.P(text="Birds 1"))
    contents.addElement(index)
    body.addElement(contents)
    body.addElement(text.H(outlinelevel=1, text="Birds"))
    paragraph = text.P(text="A swift can stay aloft ")
    paragraph.addElement(text.Span(text="for ten months"))
    paragraph.addText("; run tally  --swifts.")
    body.addElement(paragraph)
    body.addElement(text.H(outlinelevel=2, text="Counting"))
    items = text.List()
    item = text.ListItem()
    item.addElement(text.P(text="Count at dawn."))
    items.addElement(item)
    body.addElement(items)
    rows = table.Table(name="Tally")
    for cells in (("bird", "months aloft"), ("swift", "10")):
        row = table.TableRow()
        for value in cells:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        rows.addElement(row)
    body.addElement(rows)


def test_odt_headings_paragraphs_lists_and_tables_in_order(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "notes.odt", odt(_field_notes, title="Field Notes")))
    assert doc.title == "Field Notes"
    # The generated table of contents is navigation; a span stays inside its sentence.
    assert doc.text == (
        "Birds\n\nA swift can stay aloft for ten months; run tally --swifts.\n\nCounting\n\nCount at dawn."
        "\n\nbird | months aloft\n\nswift | 10"
    )
    assert doc.heading_path_at(doc.text.index("Count at dawn")) == ("Birds", "Counting")
    assert "A swift can stay aloft for ten months; run tally --swifts." in sentences(doc)


def test_odt_without_a_title_is_titled_by_its_first_heading(tmp_path: Path) -> None:
    assert load(write(tmp_path / "notes.odt", odt(_field_notes))).title == "Birds"


def _package(content: str) -> bytes:
    """An OpenDocument package whose content.xml is ``content``."""
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


_BODY = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
    "<text:p>{}</text:p></office:text></office:body></office:document-content>"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "unreadable ODT: File is not a zip file"),
        (_package("<not xml"), "unreadable ODT: it holds no text document"),
        (_package(_BODY.replace("office:text", "office:spreadsheet").format("")), "no text could be extracted"),
        # An external entity would read a file of this machine into the index: refused, never resolved.
        (_package('<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + _BODY.format("&x;")), "unreadable ODT: .*x"),
        (_package('<!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">]>' + _BODY.format("&a;")), "unreadable ODT"),
    ],
    ids=["not a zip", "content not XML", "a spreadsheet", "external entity", "internal entity"],
)
def test_a_broken_odt_is_a_load_error(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load(write(tmp_path / "broken.odt", data))


def test_an_odt_that_inflates_past_the_limit_is_refused_unread(tmp_path: Path) -> None:
    bomb = _package(_BODY.format("a" * 50_000_000))
    assert len(bomb) < 200_000
    with pytest.raises(LoadError, match="decompresses to more than 1 MB, over the limit"):
        load(write(tmp_path / "bomb.odt", bomb), max_bytes=1_000_000)


# --------------------------------------------------------------------------- PPTX


def test_pptx_slides_are_pages_read_top_to_bottom_with_their_notes(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "deck.pptx", deck()))
    assert doc.title == "Field Notes"
    assert doc.text == (
        "Swifts\n\nA swift can stay aloft for ten months.\n\nThey sleep on the wing.\n\nMention the 2016 tracking study."
        "\n\nTally\n\nbird | months aloft\n\nswift | 10\n\nCounted at dawn."
    )
    # A citation says which slide its sentence is on; the empty third slide is no page.
    assert [doc.page_at(doc.text.index(words)) for words in ("They sleep", "Mention", "swift | 10", "Counted")] == [1, 1, 2, 2]
    assert [page.number for page in doc.pages] == [1, 2]
    assert doc.heading_path_at(doc.text.index("Counted")) == ("Tally",)


def test_pptx_smartart_nodes_are_read_in_order(tmp_path: Path) -> None:
    # python-pptx reads no text of a SmartArt graphic: its nodes live in a data part of their own.
    steps = ["Freeze the branch.", "Run the release tests.", "Tag and publish the build."]
    doc = load(write(tmp_path / "process.pptx", smartart_deck(steps)))
    assert blocks(doc) == ["Release process", *steps]
    assert doc.heading_path_at(doc.text.index("Tag and publish")) == ("Release process",)


def test_a_decks_pages_are_called_slides() -> None:
    assert [page_word(name) for name in ("talk.pptx", "Talk.PPTX", "report.pdf", "report.pdf.gz", "notes")] == [
        "slide",
        "slide",
        "page",
        "page",
        "page",
    ]


def test_pptx_without_a_title_is_titled_by_its_first_slide(tmp_path: Path) -> None:
    assert load(write(tmp_path / "deck.pptx", deck(title=""))).title == "Swifts"


def test_a_broken_or_oversized_pptx_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="unreadable PPTX"):
        load(write(tmp_path / "broken.pptx", b"PK\x03\x04 not a zip"))
    big = write(tmp_path / "big.pptx", deck(filler=" a" * 2_500_000))
    assert big.stat().st_size < 200_000
    with pytest.raises(LoadError, match="decompresses to more than 1 MB, over the limit"):
        load(big, max_bytes=1_000_000)


_PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "word/document.xml",
    "word/_rels/document.xml.rels",
    "ppt/presentation.xml",
    "docProps/core.xml",
    "mimetype",
    "content.xml",
    "META-INF/manifest.xml",
    "META-INF/container.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
]
_PART_TEXTS = [
    "",
    "<x/>",
    "<<",
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="content.xml"/>'
    "</rootfiles></container>",
]


@settings(max_examples=400, deadline=None, database=None)
@given(
    parts=st.dictionaries(st.sampled_from(_PARTS), st.sampled_from(_PART_TEXTS) | st.binary(max_size=40), max_size=len(_PARTS)),
    suffix=st.sampled_from([".docx", ".pptx", ".odt", ".epub", ".xlsx", ".ods"]),
)
def test_a_package_of_any_parts_loads_or_raises_a_load_error(parts: dict[str, str | bytes], suffix: str) -> None:
    # A damaged package: the parts a reader looks for, missing, empty, not XML or XML of another shape.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / f"doc{suffix}", buffer.getvalue())
        try:
            document = load(path, max_bytes=100_000)
        except LoadError as error:
            assert str(error)
        else:
            assert document.text.strip()


def _word_document() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Field Notes"
    document.add_heading("Findings", 1)
    document.add_paragraph("The survey counted 42 nests.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("part", ["/docProps/core.xml", "/word/styles.xml"])
def test_docx_whose_properties_or_styles_part_is_of_another_type_reads_its_text(tmp_path: Path, part: str) -> None:
    # Found by mutating real packages: a part declared with another content type is a plain part to python-docx, which
    # then fails with AttributeError on the title or on each paragraph's style. The text does not depend on either.
    def retype(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        return data.replace(f'PartName="{part}" ContentType="'.encode(), f'PartName="{part}" ContentType="text/x-'.encode())

    doc = load(write(tmp_path / "notes.docx", with_parts(_word_document(), retype)))
    assert "The survey counted 42 nests." in doc.text
    assert doc.title == ("Field Notes" if part.endswith("styles.xml") else "Findings")


def test_a_package_relationship_without_its_target_is_a_load_error(tmp_path: Path) -> None:
    def untarget(name: str, data: bytes) -> bytes:
        return data.replace(b' Target="', b' Targe="') if name.endswith(".rels") else data

    for name, package in (("deck.pptx", deck()), ("notes.docx", _word_document())):
        with pytest.raises(LoadError, match=r"unreadable (PPTX|DOCX): "):
            load(write(tmp_path / name, with_parts(package, untarget)))


def workbook() -> bytes:
    """An Excel workbook as openpyxl writes it: a sheet of releases (dates, numbers, truth values) and a sheet of notes."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    releases = book.active
    releases.title = "Releases"
    releases.append(["version", "codename", "release", "share", "supported"])
    releases.append([11, "Bullseye", datetime.datetime(2021, 8, 14), 0.1 + 0.2, False])
    releases.append([12, "Bookworm", datetime.date(2023, 6, 10), 2.5, True])
    releases["B40"] = "Trixie"  # a cell far below the rest, after 36 empty rows
    notes = book.create_sheet("Notes")
    notes.append(["Every release is supported for three years."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def open_spreadsheet() -> bytes:
    """An OpenDocument spreadsheet as odfpy writes it, with the repeats LibreOffice writes: a row's trailing empty
    cells as one cell repeated to the sheet's last column, a run of identical rows as one row with a count."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    def row(*values: str, repeated: int = 1, empty: int = 16_000) -> TableRow:
        element = TableRow(numberrowsrepeated=repeated) if repeated > 1 else TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            element.addElement(cell if value else CoveredTableCell())
        element.addElement(TableCell(numbercolumnsrepeated=empty))
        return element

    document = OpenDocumentSpreadsheet()
    sheet = Table(name="Population")
    for values in (("Country", "Population in millions", "Area km2"), ("Austria", "8.3", "83,858"), ("Belgium", "", "30,510")):
        sheet.addElement(row(*values))
    sheet.addElement(row("Chad", "16", "1,284,000", repeated=3))
    sheet.addElement(row(repeated=1_048_000))  # the sheet's empty rows to its end
    document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    with odf_writer():
        document.write(buffer)
    return buffer.getvalue()


def _real_packages() -> dict[str, bytes]:
    chapter = xhtml_page("One", "<h1>Chapter one</h1><p>Run <code>ls</code> now.</p><table><tr><td>a</td></tr></table>")
    packages = {".docx": _word_document(), ".pptx": deck(), ".epub": epub({"c1.xhtml": chapter}, ["c1.xhtml"])}
    return {**packages, ".xlsx": workbook(), ".ods": open_spreadsheet()}


REAL_PACKAGES = _real_packages()
_INSERTS = [b"<w:p>", b"</w:p>", b"<w:tbl>", b"<w:tc>", b"<a:p>", b"<p>", b"&amp;", b"\x00", b"&a;", b"\xff", b'="', b"/>"]


@settings(max_examples=150, deadline=None, database=None)
@given(
    suffix=st.sampled_from(sorted(REAL_PACKAGES)),
    edits=st.lists(
        st.tuples(
            st.integers(0, 99),
            st.floats(0, 1),
            st.integers(1, 300),
            st.sampled_from(["cut", "repeat", "end", "insert"]),
            st.sampled_from(_INSERTS),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_a_real_package_damaged_anywhere_loads_or_raises_a_load_error(suffix: str, edits: list[tuple[Any, ...]]) -> None:
    # Real documents, their XML parts cut, repeated, ended early or given stray markup: the damage a disk, a transfer
    # or another program leaves. Each reads, or is refused with a reason; no library's own error escapes.
    package = REAL_PACKAGES[suffix]
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = [name for name in archive.namelist() if name.endswith((".xml", ".rels", ".opf", ".xhtml"))]
    damaged = {names[part % len(names)]: (where, size, how, insert) for part, where, size, how, insert in edits}

    def damage(name: str, data: bytes) -> bytes:
        if name not in damaged:
            return data
        where, size, how, insert = damaged[name]
        at = int(where * len(data))
        return {
            "cut": data[:at] + data[at + size :],
            "repeat": data[:at] + data[at : at + size] * 3 + data[at:],
            "end": data[:at],
            "insert": data[:at] + insert + data[at:],
        }[how]

    document = loaded_or_refused(f"damaged{suffix}", with_parts(package, damage))
    if document is not None:
        assert document.text.strip()
        assert_sections_are_ordered_spans(document)


# The part each reader cannot do without: its compressed data damaged, the package cannot be read.
_MAIN_PARTS = {
    ".docx": "word/document.xml",
    ".pptx": "ppt/presentation.xml",
    ".epub": "OPS/c1.xhtml",
    ".xlsx": "xl/worksheets/sheet1.xml",
    ".ods": "content.xml",
    ".odt": "content.xml",
}


def _with_inflate_broken(package: bytes, part: str) -> bytes:
    """``package`` with ``part``'s deflated data made invalid, as a bad sector or a cut transfer leaves it: its first
    byte set to 0xFF, a block of the type deflate reserves (zlib: "invalid block type"). The archive's directory and
    the part's sizes stay as they were, so only inflating the part finds the damage."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        info = archive.getinfo(part)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    data = bytearray(package)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)  # the local header's lengths
    data[info.header_offset + 30 + name_length + extra_length] = 0xFF
    return bytes(data)


@pytest.mark.parametrize("suffix", sorted(_MAIN_PARTS))
def test_a_package_whose_compressed_data_is_damaged_is_refused_with_a_reason(tmp_path: Path, suffix: str) -> None:
    package = REAL_PACKAGES[suffix] if suffix in REAL_PACKAGES else odt(_field_notes)
    with pytest.raises(LoadError, match=r"^unreadable (DOCX|PPTX|EPUB|Excel workbook|ODS|ODT): .*(invalid|Bad CRC)"):
        load(write(tmp_path / f"broken{suffix}", _with_inflate_broken(package, _MAIN_PARTS[suffix])))


@settings(max_examples=150, deadline=None, database=None)
@given(
    suffix=st.sampled_from(sorted(REAL_PACKAGES)),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(1, 64), st.sampled_from(["flip", "cut", "zero", "repeat"])),
        min_size=1,
        max_size=4,
    ),
)
def test_a_package_damaged_in_its_bytes_loads_or_raises_a_load_error(suffix: str, edits: list[tuple[Any, ...]]) -> None:
    # The archive itself damaged, not only its parts' XML: bytes flipped, cut, zeroed or repeated anywhere, in its
    # directory, its headers or a part's compressed data. Each reads, or is refused with a reason.
    data = REAL_PACKAGES[suffix]
    for where, size, how in edits:
        at = int(where * len(data))
        data = {
            "flip": data[:at] + bytes(b ^ 0x5A for b in data[at : at + size]) + data[at + size :],
            "cut": data[:at] + data[at + size :],
            "zero": data[:at] + bytes(len(data[at : at + size])) + data[at + size :],
            "repeat": data[:at] + data[at : at + size] * 2 + data[at:],
        }[how]
    document = loaded_or_refused(f"damaged{suffix}", data)
    if document is not None:
        assert document.text.strip()
        assert_sections_are_ordered_spans(document)


# --------------------------------------------------------------------------- DOCX


def test_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Quarterly summary")
    document.add_paragraph("Revenue grew by 12 percent.")
    document.save(str(tmp_path / "d.docx"))
    doc = load(tmp_path / "d.docx")
    assert doc.title == "Quarterly summary"
    assert "12 percent" in doc.text


def test_a_docx_that_inflates_past_the_limit_is_refused_unread(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("a" * 5_000_000)
    document.save(str(tmp_path / "big.docx"))
    assert (tmp_path / "big.docx").stat().st_size < 100_000
    with pytest.raises(LoadError, match="decompresses to more than 1 MB, over the limit"):
        load(tmp_path / "big.docx", max_bytes=1_000_000)
    assert len(load(tmp_path / "big.docx", max_bytes=10_000_000).text) == 5_000_000


def test_docx_an_exponent_reads_as_a_power(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for runs in (["Max size: 281 TB (2", "^48", " bytes)."], ["The 1", "^st", " item", "^2", "."], ["^4", " alone."]):
        paragraph = document.add_paragraph()
        for text in runs:
            paragraph.add_run(text.lstrip("^")).font.superscript = text.startswith("^")
    document.save(str(tmp_path / "e.docx"))
    # A number set as a superscript after a digit or a letter is a power; an ordinal's letters are not.
    assert blocks(load(tmp_path / "e.docx")) == ["Max size: 281 TB (2^48 bytes).", "The 1st item^2.", "4 alone."]


WORD_XML = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_element(fragment: str) -> Any:
    """One element of a Word document's XML, written with the ``w:`` prefix."""
    from lxml import etree

    return etree.fromstring(f"<root {WORD_XML}>{fragment}</root>")[0]


def test_docx_reads_what_word_shows_inside_controls_revisions_fields_and_text_boxes(tmp_path: Path) -> None:
    import docx

    # Each as Word writes it; python-docx's paragraph text reads only the runs right under a paragraph.
    parts = [
        "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>A paragraph in a content control.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>",
        "<w:p><w:r><w:t>The client is </w:t></w:r><w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>Acme Corporation</w:t></w:r>"
        "</w:sdtContent></w:sdt><w:r><w:t>.</w:t></w:r></w:p>",
        '<w:p><w:r><w:t xml:space="preserve">The fee is </w:t></w:r><w:ins w:id="1" w:author="A"><w:r><w:t>40 euros</w:t></w:r>'
        '</w:ins><w:del w:id="2" w:author="A"><w:r><w:delText>30 euros</w:delText></w:r></w:del><w:r><w:t>.</w:t></w:r></w:p>',
        '<w:ins w:id="3" w:author="A"><w:p><w:r><w:t>A paragraph inserted with changes tracked.</w:t></w:r></w:p></w:ins>',
        '<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:fldSimple w:instr="REF t3"><w:r><w:t>Table 3</w:t></w:r>'
        '</w:fldSimple><w:r><w:t xml:space="preserve"> and </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText>PAGEREF p9</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>page 9</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>.</w:t></w:r></w:p>',
        '<w:p><w:r><w:t xml:space="preserve">We meet in </w:t></w:r><w:smartTag w:uri="u" w:element="place"><w:r><w:t>Lyon</w:t>'
        "</w:r></w:smartTag><w:r><w:t>.</w:t></w:r></w:p>",
        # A text box as Word 2010 and later write it: the drawing, and a VML copy for older readers (read once).
        '<w:p xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:r><w:t>The chart shows sales.</w:t></w:r>'
        "<w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>Sales doubled in 2021.</w:t></w:r>"
        "</w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r>"
        "<w:t>Sales doubled in 2021.</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
    ]
    document = docx.Document()
    body = document.element.body
    for part in parts:
        body.insert(len(body) - 1, word_element(part))
    table = document.add_table(rows=1, cols=2)
    cell = table.rows[0].cells[1]._tc
    cell.remove(cell[-1])
    cell.append(word_element(parts[0]))
    table.rows[0].cells[0].text = "Control"
    document.save(str(tmp_path / "c.docx"))
    assert blocks(load(tmp_path / "c.docx")) == [
        "A paragraph in a content control.",
        "The client is Acme Corporation.",
        "The fee is 40 euros.",  # the tracked insertion, not the deletion
        "A paragraph inserted with changes tracked.",
        "See Table 3 and page 9.",  # fields' results, not their codes
        "We meet in Lyon.",
        "The chart shows sales.",
        "Sales doubled in 2021.",  # the text box after the paragraph it sits in, once
        "Control | A paragraph in a content control.",
    ]


def test_docx_notes_follow_the_paragraph_or_row_that_cites_them(tmp_path: Path) -> None:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    def mark(kind: str, number: int) -> str:
        return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{number}"/></w:r>'

    def notes(kind: str, texts: dict[int, str]) -> bytes:
        """The notes part: each note's text, then whatever runs follow it in its paragraph (after a "|")."""
        separator = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        bodies = "".join(
            f'<w:{kind} w:id="{number}"><w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t></w:r>'
            f"{runs}</w:p></w:{kind}>"
            for number, (text, _, runs) in ((number, text.partition("|")) for number, text in texts.items())
        )
        return f"<w:{kind}s {WORD_XML}>{separator}{bodies}</w:{kind}s>".encode()

    document = docx.Document()
    body = document.element.body
    for part in [
        f"<w:p><w:r><w:t>The lake is 289 m deep.</w:t></w:r>{mark('footnote', 1)}</w:p>",
        "<w:p><w:r><w:t>It is the oldest lake in Europe.</w:t></w:r></w:p>",
        f"<w:p><w:r><w:t>Its basin formed in the Pliocene.</w:t></w:r>{mark('endnote', 1)}</w:p>",
    ]:
        body.insert(len(body) - 1, word_element(part))
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Area"
    cell = table.rows[0].cells[1]._tc
    cell.remove(cell[-1])
    cell.append(word_element(f"<w:p><w:r><w:t>358 km2</w:t></w:r>{mark('footnote', 2)}</w:p>"))
    for kind, texts, relation in [
        # Footnote 2 cites itself, as no Word document does: it is read once, not until the reader's stack runs out.
        (
            "footnote",
            {1: "Measured by sonar in 2019.", 2: f"Shared with Albania.|{mark('footnote', 2)}"},
            RELATIONSHIP_TYPE.FOOTNOTES,
        ),
        ("endnote", {1: "See the geological survey."}, RELATIONSHIP_TYPE.ENDNOTES),
    ]:
        content_type = f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"
        part = Part(PackURI(f"/word/{kind}s.xml"), content_type, notes(kind, texts), document.part.package)
        document.part.relate_to(part, relation)
    document.save(str(tmp_path / "n.docx"))
    assert blocks(load(tmp_path / "n.docx")) == [
        "The lake is 289 m deep.",
        "Measured by sonar in 2019.",
        "It is the oldest lake in Europe.",
        "Its basin formed in the Pliocene.",
        "See the geological survey.",
        "Area | 358 km2",
        "Shared with Albania.",
    ]


def test_docx_whose_notes_do_not_parse_is_read_without_them(tmp_path: Path) -> None:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = docx.Document()
    document.add_paragraph("The body is whole.")
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    broken = Part(PackURI("/word/footnotes.xml"), content_type, b"<w:footnotes><unclosed>", document.part.package)
    document.part.relate_to(broken, RELATIONSHIP_TYPE.FOOTNOTES)
    document.save(str(tmp_path / "b.docx"))
    loaded = load(tmp_path / "b.docx")
    assert loaded.text == "The body is whole."
    assert len(loaded.warnings) == 1 and loaded.warnings[0].startswith("its footnotes could not be read")


RUN_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)  # what XML can hold


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.tuples(st.sampled_from(["text", "tab", "line", "page", "column", "superscript"]), RUN_TEXT), max_size=8))
def test_docxparagraph_text_is_python_docxs_where_it_reads_every_run(runs: list[tuple[str, str]]) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    from index.formats.docx import paragraph_text

    paragraph = docx.Document().add_paragraph()
    for kind, text in runs:
        run = paragraph.add_run(text)
        if kind == "tab":
            run.add_tab()
        elif kind in ("line", "page", "column"):
            run.add_break({"line": WD_BREAK.LINE, "page": WD_BREAK.PAGE, "column": WD_BREAK.COLUMN}[kind])
        elif kind == "superscript":
            run.font.superscript = True
    boxes: list[Any] = []
    text = paragraph_text(paragraph._p, boxes)
    if not any(kind == "superscript" for kind, _ in runs):  # a raised exponent reads "^" on purpose
        assert text == paragraph.text
    unraised = "".join(text.replace("^", "").split())  # an exponent's "^" and the space before it aside, the same
    assert unraised == "".join(paragraph.text.replace("^", "").split()) and boxes == []


def raised_pdf(runs: list[tuple[float, float, str]]) -> bytes:
    """A one-line PDF of Helvetica runs (size, text rise, text) written one after another."""
    ops = []
    for size, rise, text in runs:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"/F1 {size} Tf {rise} Ts ({escaped}) Tj")
    return pdf_page(("BT 72 720 Td " + " ".join(ops) + " ET").encode())


def test_pdf_an_exponent_reads_as_a_power(tmp_path: Path) -> None:
    # PDFium reads the raised, smaller "32" after "2" as "232": a false number, quoted as a fact.
    runs = [(12, 0, "A 32-bit system addresses 4 GB (2"), (8, 5, "32"), (12, 0, " bytes); 2 32 and 10"), (8, -3, "2")]
    runs += [(12, 0, " stay as set, and so does 2"), (12, 5, "5"), (12, 0, " raised at full size. It is (a+b)"), (8, 5, "2")]
    runs += [(12, 0, " in all, as most do."), (8, 5, "17"), (12, 0, " Notes follow, here"), (8, 5, "3"), (12, 0, ".")]
    text = load(write(tmp_path / "memory.pdf", raised_pdf(runs))).text
    assert "4 GB (2^32 bytes)" in text and "It is (a+b)^2 in all" in text
    # After a full stop or a comma, raised digits are a footnote's mark, not a number of the sentence: they go, and the
    # sentence ends where it ends. After a word the mark reads as a power would, not glued into the word.
    assert "as most do. Notes follow, here^3." in text
    # Two numbers with a space between, a subscript, and a raised digit of the full size are not powers.
    assert "2 32 and 102" in text and "so does 25 raised" in text
    assert text.count("^") == 3


def test_pdf_a_number_inside_a_word_is_no_page_number() -> None:
    # Nettle's manual ends a page with a prototype's second line, "uint8 t *data)", on the page printed 8: the "8" of
    # "uint8" read as the page's number, and the line was dropped as a running footer.
    def line(text: str, baseline: float) -> Line:
        return Line(text, 72.0, 300.0, baseline, baseline, 10.0, False, 792.0)

    pages = [
        [line(f"Chapter 7: Reference {index + 5}", 760.0), line("Hash some data.", 400.0), line(last, 60.0)]
        for index, last in enumerate(["more of the text", "and more", "the rest", "uint8 t *data)", "the end", "x y"])
    ]
    furniture = running_furniture(pages)
    assert {(index, 0) for index in range(6)} <= furniture  # every running header, its number the page's
    assert (3, 2) not in furniture  # "uint8" holds no number of its own


@pytest.mark.parametrize(
    ("last", "first", "goes_on"),
    [
        ("a constant overhead in the region of", "50 bytes. Random data is coded at 8 bits.", True),
        ("the GNU FDL (versions 1.2 or", "1.3), and the Mozilla Public License", True),
        ("the rest of the", "document follows.", True),  # lower case goes on, as before
        ("a sum of weighted polynomials of", "1 // a and b occupy D bits", False),  # a listing's numbered line
        ("remove a prefix check in libc-2.so", "441512 Remove an unneeded check", False),  # a list of bug numbers
        ("Combining individual CRCs . . . 18", "4.11.3 Efficient computation . . . 19", False),
        ("The limits are listed in", "2. The second item", False),  # a numbered list item
    ],
)
def test_pdf_a_paragraph_goes_on_onto_the_next_page(last: str, first: str, goes_on: bool) -> None:
    assert Block("prose", last, 10.0).continues_into(Block("prose", first, 10.0)) is goes_on


@pytest.mark.parametrize(
    ("text", "line", "joined"),
    [
        ("informa-", "tion about", "information about"),
        ("directory trees^2", ", there are", "directory trees^2, there are"),  # PDFium's new line after a raised run
        ("like perror()", ". The only", "like perror(). The only"),
        ("freely^2", ".", "freely^2."),
        # A line may well start with these: a dot file, a regular expression's dot, spaced dots, operators, a colon.
        ("edit your", ".bashrc file", "edit your .bashrc file"),
        ("by itself", ". match any character", "by itself . match any character"),
        ("key2 value2", ". . . )", "key2 value2 . . . )"),
        ("the names", "?1, ?2", "the names ?1, ?2"),
        (":", ": (a colon)", ": : (a colon)"),
        # Texinfo breaks code after an underscore with no hyphen (nettle's, bash's and libtasn1's manuals as PDF).
        ("such as foo_", "set_key (a function)", "such as foo_set_key (a function)"),
        ("If BASH_", "COMPAT is unset", "If BASH_COMPAT is unset"),
        ("before calling __init__", "on it", "before calling __init__ on it"),  # a name's own underscores
        ("_single underscores_", "**double asterisks**", "_single underscores_ **double asterisks**"),
    ],
)
def test_pdf_wrapped_lines_join_as_written(text: str, line: str, joined: str) -> None:
    assert join_lines(text, line) == joined
    # A paragraph's block joins its lines the same way, line by line ("such as" / "foo_" / "set_key (a function)").
    first, *wrapped = [*text.split(" "), line]
    block = Block("prose", first, 10.0)
    for piece in wrapped:
        block.append(Line(piece, 0, 100, 0, 0, 10.0, False, 800))
    assert block.text == joined


def test_pdf_an_underscore_drawn_as_a_stroke_is_read_as_one() -> None:
    # A stroke in the gap between two words at their baseline is an underscore (Texinfo's slanted typewriter type draws
    # it so); an underline under a word, and a stroke in a gap but high above the line, leave the space a space.
    stream = b"""BT /F1 12 Tf 72 720 Td (size) Tj ET
BT /F1 12 Tf 100 720 Td (t length, of a) Tj ET
94 719.5 5.5 0.8 re f
BT /F1 12 Tf 72 680 Td (ab cd ef) Tj ET
72 678.6 12.6 0.8 re f
BT /F1 12 Tf 72 640 Td (gh) Tj ET
BT /F1 12 Tf 100 640 Td (ij) Tj ET
90 652 5.5 0.8 re f
"""
    assert read_pdf(pdf_page(stream)).text == "size_t length, of a\n\nab cd ef\n\ngh ij"
    # A page of more than 20,000 objects is a drawing: its strokes are not looked at, and cost nothing.
    dots = b"\n".join(b"%d %d 0.5 0.5 re f" % (50 + n % 500, 50 + n // 500) for n in range(20_000))
    assert read_pdf(pdf_page(stream + dots)).text.startswith("size t length")


def test_pdf_a_definitions_category_at_the_margin_leads_it_and_its_prototype_is_one_line() -> None:
    # Texinfo's entry: "void f (int a, const" ... "[Function]" at the right margin, the prototype going on below, then
    # the description, read with the name it describes. Read as Texinfo's other outputs write it; a bracketed word a
    # word space away is a citation.
    stream = b"""BT /F1 10 Tf 72 700 Td (void f \\(int a, const) Tj ET
BT /F1 10 Tf 480 700 Td ([Function]) Tj ET
BT /F1 10 Tf 100 688 Td (char *b\\)) Tj ET
BT /F1 10 Tf 90 676 Td (Does something with a and b.) Tj ET
BT /F1 10 Tf 72 640 Td (As shown in [Knuth]) Tj ET
BT /F1 10 Tf 72 610 Td (F_SIZE) Tj ET
BT /F1 10 Tf 480 610 Td ([Constant]) Tj ET
BT /F1 10 Tf 90 598 Td (The size of an F.) Tj ET
"""
    assert read_pdf(pdf_page(stream)).text == (
        "Function: void f (int a, const char *b) Does something with a and b.\n\nAs shown in [Knuth]"
        "\n\nConstant: F_SIZE The size of an F."
    )


def test_docx_headings_and_tables_in_document_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Annual report", 0)
    document.add_heading("Revenue", 1)
    document.add_paragraph("Revenue grew   by 12 percent.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Region", "2023", "2024"], ["North", "10", "12"], ["Total", "", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).merge(table.cell(2, 2)).text = "22"
    document.add_heading("Costs", 2)
    document.add_paragraph("Costs fell.")
    document.save(str(tmp_path / "r.docx"))
    doc = load(tmp_path / "r.docx")
    assert blocks(doc) == [
        "Annual report",
        "Revenue",
        "Revenue grew by 12 percent.",
        "Region | 2023 | 2024",
        "North | 10 | 12",
        "Total | 22",
        "Costs",
        "Costs fell.",
    ]
    assert doc.heading_path_at(doc.text.index("North")) == ("Annual report", "Revenue")
    assert doc.heading_path_at(doc.text.index("fell")) == ("Annual report", "Revenue", "Costs")


# --------------------------------------------------------------------------- PDF


def layout_pdf(pages: list[list[tuple[float, float, float, str, str]]]) -> bytes:
    """A PDF whose pages hold lines (x, y, size, font, text); fonts: H Helvetica, B Helvetica-Bold, C Courier."""
    fonts = {"H": "Helvetica", "B": "Helvetica-Bold", "C": "Courier"}
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font_ids = {key: 3 + i for i, key in enumerate(fonts)}
    objects += [f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} >>".encode() for name in fonts.values()]
    kids = []
    resources = " ".join(f"/{key} {number} 0 R" for key, number in font_ids.items())
    for lines in pages:
        ops = []
        for x, y, size, font, text in lines:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /{font} {size} Tf {x} {y} Td ({escaped}) Tj ET")
        stream = "\n".join(ops).encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
            f"/Resources << /Font << {resources} >> >> >>".encode()
        )
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    return pdf_file(objects)


def furnished(number: int, lines: list[tuple[float, float, float, str, str]]) -> list[tuple[float, float, float, str, str]]:
    """A page with a running header and a page-number footer around ``lines``."""
    return [(72, 760, 9, "H", "Harbour Survey 2024"), *lines, (300, 40, 9, "H", str(number))]


HARBOUR = [
    furnished(
        1,
        [
            (72, 700, 18, "B", "Cranes and tugs"),
            (72, 670, 11, "H", "The harbour at Quillmark has twelve cranes that lift the containers"),
            (72, 656, 11, "H", "from the ships. We need more informa-"),
            (72, 642, 11, "H", "tion about the tugs."),
            (72, 614, 11, "H", "Each tug sails at dawn and returns before the evening tide turns, as"),
            (72, 600, 11, "H", "the harbour master requires. The ferry timetable lists four departures on"),
        ],
    ),
    furnished(
        2,
        [
            (72, 700, 11, "H", "weekdays and two on Sundays."),
            (72, 660, 14, "B", "Timetable"),
            (72, 630, 10, "C", "def departures(day):"),
            (96, 618, 10, "C", "return 4 if day < 5 else 2"),
            (72, 590, 11, "H", "The code above is the whole rule."),
        ],
    ),
    furnished(3, [(72, 700, 11, "H", "Tugs are inspected every spring by the port authority.")]),
]


def test_pdf_lines_are_reflowed_into_paragraphs_without_page_furniture(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "harbour.pdf", layout_pdf(HARBOUR)))
    assert "Harbour Survey" not in doc.text
    assert not any(block.strip().isdigit() for block in blocks(doc))
    found = sentences(doc)
    assert "The harbour at Quillmark has twelve cranes that lift the containers from the ships." in found
    assert "We need more information about the tugs." in found  # hyphenated line end joined
    assert "Each tug sails at dawn and returns before the evening tide turns, as the harbour master requires." in found
    # A sentence running over a page break is one sentence, and the page spans still say where each page starts.
    crossing = "The ferry timetable lists four departures on weekdays and two on Sundays."
    assert crossing in found
    start = doc.text.index(crossing)
    assert doc.page_at(start) == 1 and doc.page_at(start + len(crossing) - 1) == 2
    assert "def departures(day):\n    return 4 if day < 5 else 2" in blocks(doc)
    assert [page.number for page in doc.pages] == [1, 2, 3]
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    assert all(a.end <= b.start for a, b in zip(doc.pages, doc.pages[1:], strict=False))
    assert "inspected every spring" in doc.text[doc.pages[2].start : doc.pages[2].end]


def test_pdf_sections_come_from_the_outline_or_else_from_type_size(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = load(write(tmp_path / "plain.pdf", layout_pdf(HARBOUR)))
    assert plain.heading_path_at(plain.text.index("We need")) == ("Cranes and tugs",)
    assert plain.heading_path_at(plain.text.index("def departures")) == ("Cranes and tugs", "Timetable")

    writer = PdfWriter(clone_from=io.BytesIO(layout_pdf(HARBOUR)))
    chapter = writer.add_outline_item("Cranes and tugs", 0)
    writer.add_outline_item("Timetable", 1, parent=chapter)
    writer.add_outline_item("Inspections", 2)
    outlined = io.BytesIO()
    writer.write(outlined)
    doc = load(write(tmp_path / "outlined.pdf", outlined.getvalue()))
    assert doc.heading_path_at(doc.text.index("def departures")) == ("Cranes and tugs", "Timetable")
    assert doc.text[doc.sections[1].start :].startswith("Timetable")
    assert doc.heading_path_at(doc.text.index("Tugs are inspected")) == ("Inspections",)


def test_a_pdf_heading_over_two_lines_is_one_heading(tmp_path: Path) -> None:
    # Set at 18 pt with 22 pt leading, wider than the text's 14 pt pitch: still one heading, not a heading and a line.
    words = "the commands that both the administrator and users may use when no other filesystem is mounted".split()
    page = [
        (72, 700, 18, "B", "3.4. /bin : Essential user command binaries (for"),
        (72, 678, 18, "B", "use by all users)"),
        *((72, 650 - 14 * n, 11, "H", " ".join(words[n:] + words[:n])) for n in range(8)),
        (72, 520, 14, "B", "Requirements"),
        (72, 492, 11, "H", "The following commands or symbolic links to them are required in /bin."),
    ]
    doc = load(write(tmp_path / "fhs.pdf", layout_pdf([page])))
    heading = "3.4. /bin : Essential user command binaries (for use by all users)"
    assert blocks(doc)[0] == heading
    assert doc.heading_path_at(doc.text.index("The following commands")) == (heading, "Requirements")


def test_running_headers_are_recognised_by_repetition_or_by_the_page_number_they_carry() -> None:
    def line(text: str, baseline: float) -> Line:
        return Line(text, 72, 500, baseline, baseline, 10, False, 792)

    chapters = ["Introduction", "Shell Syntax", "Builtins"]
    pages = [
        [
            # Odd pages name their chapter (text that changes), even pages the book; both carry the printed number.
            line(f"Chapter {n // 4 + 1}: {chapters[n // 4]} {n + 5}" if n % 2 else f"{n + 5} Bash Reference Manual", 740),
            line(f"and the text goes on {chr(65 + n)} under its first line", 728),
            line(f"Body text of page {n} that mentions {n + 5} apples.", 600),
            line("Closing line of the body.", 300),
        ]
        for n in range(12)
    ]
    pages.append([line("A one-line page keeps its line: 17", 740)])
    furniture = running_furniture(pages)
    assert furniture == {(n, 0) for n in range(12)}


def test_a_chapters_running_title_is_furniture_and_a_line_that_recurs_here_and_there_is_not() -> None:
    def line(text: str, baseline: float) -> Line:
        return Line(text, 72, 500, baseline, baseline, 10, False, 792)

    # 40 pages: one chapter's title runs atop each of its 6 pages, another's atop every other page (a two-sided book);
    # neither is on 30 % of the pages. An error code's name opens three pages far apart: content, not a title.
    titles = {n: "The /usr Hierarchy" for n in range(10, 16)} | {n: "The /var Hierarchy" for n in range(20, 27, 2)}
    pages = []
    for n in range(40):
        opening = f"Opening words {chr(65 + n % 26) * (n // 26 + 1)}."
        top = titles.get(n) or ("BZ_PARAM_ERROR" if n in (3, 17, 33) else opening)
        goes_on = line(f"and the text goes on {chr(65 + n % 26)} under its first line", 728)
        pages.append([line(top, 740), goes_on, line(f"Body text of page {n}.", 600), line("Closing line of the body.", 300)])
    assert running_furniture(pages) == {(n, 0) for n in titles}


def test_a_running_header_is_told_by_where_it_stands_when_its_words_change() -> None:
    def line(text: str, baseline: float) -> Line:
        return Line(text, 72, 500, baseline, baseline, 10, False, 792)

    # Each chapter is a page or two long, so no header's words run over three pages; every header stands at the same
    # height, well above the text. A chapter's first page opens lower with its title, and the text of a page that
    # starts at the top of the text block (one line's space below the header's height) stays.
    pages = []
    for n in range(30):
        if n % 3 == 0:
            pages.append([line(f"Chapter {n // 3}: Topic {chr(65 + n // 3)}", 700), line("Opening text.", 660)])
        else:
            header = f"CHAPTER {n // 3}. TOPIC {chr(65 + n // 3)} … {n // 3}.{n % 3}. WHAT ABOUT {chr(75 + n)}?"
            pages.append(
                [line(header, 760), line(f"Body text {chr(65 + n)} goes on", 720), line(f"and ends at {chr(97 + n)}.", 708)]
            )
    pages.append([line("Body text at the top of the text block.", 748), line("And its second line.", 736)])
    assert running_furniture(pages) == {(n, 0) for n in range(30) if n % 3}
    # Slides: each title stands where the last one stood, set apart from the text, but in larger type.
    slides = [
        [Line(f"Slide title {chr(65 + n)}", 72, 500, 760, 760, 20, False, 792), line(f"A point about {chr(65 + n)}.", 700)]
        for n in range(10)
    ]
    assert running_furniture(slides) == set()


def test_a_pages_footnotes_are_its_last_blocks_in_smaller_type_from_a_numbered_one() -> None:
    from index.formats.pdflayout import Block, footnotes

    def block(text: str, size: float = 10, kind: str = "prose") -> Block:
        return Block(kind, text, size)

    text = [block("Heading", 14, "heading"), block("The license may")]
    assert footnotes([*text, block("1 The archive uses the term.", 8), block("It goes on.", 8)], 10) == 2
    assert footnotes([*text, block("3Historically, packages were kept.", 8)], 10) == 1  # its mark glued to the note
    # Small type that no numbered note opens (a caption, a table's source), code and a page of notes alone are text.
    assert footnotes([*text, block("Source: the archive.", 8)], 10) == 0
    assert footnotes([*text, block("Source: the archive.", 8), block("2 A note.", 8)], 10) == 1
    assert footnotes([*text, block("1 rm -rf build", 8, "code")], 10) == 0
    assert footnotes([block("1 A note.", 8), block("2 Another.", 8)], 10) == 0


def test_a_printed_table_of_contents_is_furniture() -> None:
    from index.formats.pdflayout import Line, table_of_contents

    def line(text: str, baseline: float) -> Line:
        return Line(text, 72, 500, baseline, baseline, 10, False, 792)

    contents = [
        line("Contents", 740),
        line("1 Definitions and overview 1", 710),  # a chapter's entry, set without a leader
        line("1.1 What is this FAQ? . . . . . . . . . . . . . . . . . 1", 696),
        line("1.2 What is Debian GNU/Linux? . . . . . . . . . . . . . 1", 682),
        line("3.1 Which Debian distribution (stable/testing/unstable) is better for", 668),
        line("me? . . . . . . . . . . . . . . . . . . . . . . . . . . . . 7", 654),  # the same entry, wrapped
        line("3.4. /bin : Essential user command binaries .............. 5", 640),
        line("Appendix . . . . . . . . . . . . . . . . . . . . . . . . . xii", 626),
    ]
    form = [
        line("Please fill in the form below and return it.", 740),
        line("Name: ........................................ 1", 700),  # one leader on a page of prose
        line("The signature must be dated.", 660),
    ]
    text = [line("1. Introduction", 740), line("7.6. Contributors ........................ 43", 700), line("Body.", 660)]
    # The contents' last entry on the page where the text starts goes too; the form's leader, pages away, stays.
    assert table_of_contents([form, contents, text, form]) == {(1, n) for n in range(1, 8)} | {(2, 1)}


def test_pdf_loads_from_many_threads_at_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # PDFium is not thread-safe; the viewer and a sync may load at the same moment.
    path = write(tmp_path / "harbour.pdf", layout_pdf(HARBOUR))
    expected = load(path).text
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(lambda _: load(path).text, range(12))) == {expected}


def test_pdf_pages_are_kept_and_empty_pages_reported(tmp_path: Path) -> None:
    doc = load(write(tmp_path / "p.pdf", pdf_with_pages(["First page text.", "", "Third page text."])))
    assert [p.number for p in doc.pages] == [1, 3]
    assert doc.page_at(doc.text.index("Third")) == 3
    assert doc.page_at(0) == 1
    assert doc.warnings == ["page 2 has no extractable text (scanned image?)"]


# --------------------------------------------------------------------------- the document model and errors


def test_heading_path_outside_every_section_is_empty() -> None:
    doc = LoadedDocument(text="x" * 30, title="t", sections=[Section(5, 10, ("A",)), Section(10, 20, ("A", "B"))])
    assert [doc.heading_path_at(offset) for offset in (0, 5, 9, 10, 19, 20, 29)] == [
        (),
        ("A",),
        ("A",),
        ("A", "B"),
        ("A", "B"),
        (),
        (),
    ]
    assert LoadedDocument(text="x", title="").heading_path_at(0) == ()
    assert isinstance(LOADER_VERSION, str) and LOADER_VERSION


# --------------------------------------------------------------------------- compressed documents

SEED = Path(__file__).resolve().parent.parent / "seeds" / "003_8cf9f7c4be1979b2.txt"


def compressed(path: Path, suffix: str) -> Path:
    """A copy of ``path`` compressed as ``suffix`` says, named ``<name><suffix>``."""
    import bz2
    import gzip
    import lzma

    module = {".gz": gzip, ".bz2": bz2, ".xz": lzma}[suffix]
    return write(path.with_name(path.name + suffix), module.compress(path.read_bytes()))


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_a_compressed_document_reads_as_the_file_inside(tmp_path: Path, suffix: str) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Harbour report", level=1)
    document.add_paragraph("The harbour counted 14 ferries in May.")
    document.save(str(tmp_path / "report.docx"))
    originals = [
        write(tmp_path / SEED.name, SEED.read_bytes()),
        write(tmp_path / "notes.md", "# Notes\n\nRun `apt-file search` to find a file's package.\n"),
        write(tmp_path / "page.html", "<h1>Guide</h1><p>For <code>at</code> tasks, run <code>atrm</code>.</p>"),
        write(tmp_path / "pages.pdf", pdf_with_pages(["The first page.", "The second page names 7 cranes."])),
        tmp_path / "report.docx",
    ]
    for original in originals:
        plain, packed = load(original), load(compressed(original, suffix))
        assert plain.text.strip()
        assert (packed.text, packed.title, packed.pages, packed.sections, packed.code) == (
            plain.text,
            plain.title,
            plain.pages,
            plain.sections,
            plain.code,
        )


def test_a_compressed_file_is_read_by_the_type_before_its_compression() -> None:
    assert all(is_supported(Path(name)) for name in ["a.md.gz", "Guide.HTML.GZ", "manual.pdf.xz", "notes.txt.bz2"])
    # A bare compressed file says no type (Debian's NEWS.gz, changelog.gz), nor does an archive of many files.
    assert not any(is_supported(Path(name)) for name in ["NEWS.gz", "site.tar.gz", ".gz", "photo.jpg.gz"])
    assert [file_type(name) for name in ["NEWS.gz", "site.tar.gz", "a.PDF", "README"]] == [".gz", ".tar.gz", ".pdf", "(none)"]
    # The two suffixes stay together, so that a numbered copy is "notes (2).md.gz", not "notes.md (2).gz".
    assert [split_suffix(name) for name in ["notes.md.gz", "NEWS.gz", "a.b.txt"]] == [
        ("notes", ".md.gz"),
        ("NEWS", ".gz"),
        ("a.b", ".txt"),
    ]


def test_a_compressed_file_is_inflated_only_up_to_the_limit(tmp_path: Path) -> None:
    import gzip

    # 50 MB of text in a 50 kB file: refused after the first megabyte, without inflating the rest.
    bomb = write(tmp_path / "bomb.txt.gz", gzip.compress(b"a" * 50_000_000, compresslevel=9))
    with pytest.raises(LoadError, match="decompresses to more than 1 MB, over the limit"):
        load(bomb, max_bytes=1_000_000)
    # A file that inflates to exactly the limit is read whole.
    exact = write(tmp_path / "exact.txt.gz", gzip.compress(b"word " * 200_000))
    assert len(load(exact, max_bytes=1_000_000).text) == 1_000_000


@settings(max_examples=150, deadline=None, database=None)  # no example database written into the repo
@given(
    data=st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode),
    suffix=st.sampled_from([*sorted(SUPPORTED_SUFFIXES), ".1", ".3p", ".info-2"]),  # and manual pages, split Info parts
    compression=st.sampled_from(["", ".gz", ".bz2", ".xz"]),
    packed=st.booleans(),
)
def test_any_bytes_under_any_name_load_or_raise_a_load_error(data: bytes, suffix: str, compression: str, packed: bool) -> None:
    import bz2

    if compression and packed:  # really compressed, or junk under a compression suffix
        data = {".gz": gzip, ".bz2": bz2, ".xz": lzma}[compression].compress(data)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / f"doc{suffix}{compression}", data)
        try:
            document = load(path, max_bytes=10_000)
        except LoadError as error:
            assert str(error)
        else:
            assert document.text.strip() and isinstance(document.title, str)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", "", "file is empty"),
        ("blank.md", "  \n\t\n", "file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary content"),
        ("latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1"), "not valid UTF-8"),
        ("image.png", b"\x89PNG", "unsupported file type .png"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
        ("broken.docx", b"PK not a zip", "unreadable DOCX"),
        ("pages.pdf", pdf_with_pages(["", ""]), "no text could be extracted"),
        ("markup.md", "<!-- only a comment -->\n", "no text could be extracted"),
        ("broken.txt.gz", b"\x1f\x8b not really gzip", "not a readable gzip file"),
        ("truncated.md.gz", gzip.compress(b"# Title\n\nSome text that is cut short.", mtime=0)[:-12], "not a readable gzip file"),
        ("text.html.xz", b"<p>plain, not xz</p>", "not a readable xz file"),
        ("random.pdf.bz2", b"BZh9 junk", "not a readable bzip2 file"),
        ("empty.txt.gz", gzip.compress(b"", mtime=0), "file is empty"),
        ("NEWS.gz", gzip.compress(b"Version 2 fixes the parser.", mtime=0), "unsupported file type .gz"),
        ("binary.txt.xz", lzma.compress(b"\x00\x01\x02"), "binary content"),
        # A rotated log is named as a manual page is; an alias page only points at another.
        ("syslog.1", b"Dec  6 10:00:01 host CRON[1]: session opened\n", "not a manual page: no troff macro"),
        ("init.1.gz", gzip.compress(b".so man1/systemd.1\n", mtime=0), r"a link to another manual page \(man1/systemd.1\)"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, data: str | bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load(write(tmp_path / name, data))


def test_encrypted_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_with_pages(["Secret budget figures."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hunter2", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="encrypted PDF"):
        load(path)
    # A certificate (public-key) security handler is refused the same way.
    trailer = b"/Root 1 0 R"
    sealed = pdf_with_pages(["Board minutes."]).replace(trailer, trailer + b" /Encrypt << /Filter /Adobe.PubSec /V 4 >>")
    with pytest.raises(LoadError, match="encrypted PDF; decrypt it first"):
        load(write(tmp_path / "sealed.pdf", sealed))


def test_page_at_finds_each_offsets_page() -> None:
    from index.loader import LoadedDocument, Page

    document = LoadedDocument(text="x" * 40, title="t", pages=[Page(1, 0, 10), Page(2, 12, 20), Page(5, 20, 30)])
    assert [document.page_at(offset) for offset in (0, 9, 12, 19, 20, 29)] == [1, 1, 2, 2, 5, 5]
    assert document.page_at(10) == 5 and document.page_at(35) == 5  # between or after pages: the last page, as always
    assert LoadedDocument(text="x", title="t").page_at(0) is None


# --- Nesting: no depth drops text unannounced ------------------------------------------------------------------------


def _unclosed_fonts(count: int) -> str:
    """An old hand-written page: ``count`` <font> tags never closed, each around a word, then a last paragraph."""
    words = "".join(f"<font color=red>word{i} " for i in range(count))
    return f"<html><head><title>Old page</title></head><body><p>The first paragraph.</p>{words}<p>The last paragraph.</p>"


def test_a_page_of_hundreds_of_unclosed_tags_is_read_to_its_end(tmp_path: Path) -> None:
    # lxml's default depth of 256 cut this page off after its 254th word, with no error.
    document = load(write(tmp_path / "old.html", _unclosed_fonts(1000).encode()))
    assert [f"word{i}" for i in range(1000)] == [w for w in document.text.split() if w.startswith("word")]
    assert "The last paragraph." in document.text and document.warnings == []


def test_a_page_nested_past_what_the_parser_holds_is_read_to_that_depth_and_says_so(tmp_path: Path) -> None:
    document = load(write(tmp_path / "older.html", _unclosed_fonts(3000).encode()))
    assert "The first paragraph." in document.text and "word2000" in document.text
    assert "The last paragraph." not in document.text
    assert document.warnings == [
        "elements nested more than 2,048 deep (unclosed tags?): only the text before that depth was read"
    ]
    # Nothing but text past that depth: the error names the depth, not only that no text came out.
    buried = "<html><body>" + "<div>" * 3000 + "Buried sentence." + "</div>" * 3000 + "</body></html>"
    with pytest.raises(LoadError, match="no text could be extracted; elements nested more than 2,048 deep"):
        load(write(tmp_path / "buried.html", buried.encode()))


@pytest.mark.parametrize("depth", [3, 8])
def test_a_markdown_list_or_quote_is_read_as_markdown_up_to_its_readers_depth(tmp_path: Path, depth: int) -> None:
    nested = "".join("  " * level + f"- item{level}\n" for level in range(depth))
    document = load(write(tmp_path / "list.md", nested.encode()))
    assert document.text.split() == [f"item{level}" for level in range(depth)] and document.warnings == []
    quoted = load(write(tmp_path / "quote.md", (">" * depth * 2 + " A *deep* remark.\n\nAfter it.\n").encode()))
    assert quoted.text == "A deep remark.\n\nAfter it." and quoted.warnings == []


@pytest.mark.parametrize(
    ("name", "nested"),
    [
        # markdown-it stops at 20 levels of nesting and drops the rest of the block, with no error: a list's tenth level.
        ("deep.md", "# Notes\n\n" + "".join("  " * level + f"- item{level}\n" for level in range(10))),
        ("deep.md", ">" * 20 + " A remark under twenty quotes.\n"),
        ("deep.md", ">" * 5000 + " A remark under five thousand quotes.\n"),
        # Past what the reader's recursion follows.
        ("deep.rst", "Title\n=====\n\n" + "".join("  " * level + f"- item{level}\n\n" for level in range(600))),
    ],
    ids=["markdown list ten deep", "markdown quote twenty deep", "markdown quote 5,000 deep", "rest list 600 deep"],
)
def test_markup_nested_past_what_its_reader_follows_is_read_as_plain_text(tmp_path: Path, name: str, nested: str) -> None:
    document = load(write(tmp_path / name, nested.encode()))
    assert document.warnings == ["lists or quotes nested too deeply for its markup to be read: read as plain text"]
    words = [word for word in nested.split() if word.strip("#->=")]
    assert [word for word in document.text.split() if word.strip("#->=")] == words  # every word, in order


def test_a_binary_format_nested_past_what_its_reader_can_follow_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.formats.docx

    def too_deep(data: bytes, max_bytes: int) -> LoadedDocument:
        raise RecursionError("maximum recursion depth exceeded")  # as a reader's recursion over nested tables does

    monkeypatch.setattr(index.formats.docx, "read_docx", too_deep)
    with pytest.raises(LoadError, match="nested too deeply to read"):
        load(write(tmp_path / "tables.docx", b"PK\x03\x04 not read"))


# A manual page as man(7) writes one: a bold option as a tagged paragraph's term, an italic placeholder, a sentence wrapped
# over source lines with inline font changes, and a subsection.
MAN_PAGE = r""".\" A comment before the title.
.TH DEMO 1 "2026-12-06" "Demo 1.0" "User Commands"
.SH NAME
demo \- print a greeting
.SH SYNOPSIS
.B demo
[\fB\-v\fR] [\fIname\fR]
.SH DESCRIPTION
.B demo
prints a greeting to
.I name
and exits with status 0 unless the
.B \-\-strict
check fails.
.SS Options
.TP
.B \-v
Verbose mode: print the name of each file as it is read.
.TP
.BI \-\-config " file"
Read the greeting from
.IR file ,
not from
.IR /etc/demo.conf .
.SH FILES
.TP
.I /etc/demo.conf
The greeting to print.
"""


def test_a_manual_page_reads_as_its_sections_with_each_option_over_its_description(tmp_path: Path) -> None:
    document = load(write(tmp_path / "demo.1", MAN_PAGE))
    assert document.title == "demo - print a greeting"  # its NAME line, not the running header "DEMO(1)"
    sentences = [document.text[span.start : span.end] for span in split_sentences(document.text)]
    # Inline font changes stay inside their sentence; lines wrapped in the source are one sentence.
    assert "demo prints a greeting to name and exits with status 0 unless the --strict check fails." in sentences
    # A tagged paragraph is its term on a line of its own, then the description, as an HTML definition list reads.
    assert "-v\n\nVerbose mode: print the name of each file as it is read." in document.text
    assert "--config file\n\nRead the greeting from file, not from /etc/demo.conf." in document.text
    # The running header and footer (name, section, date, version) are no part of the text.
    assert "DEMO(1)" not in document.text and "2026-12-06" not in document.text and "Demo 1.0" not in document.text
    # Bold is what the reader types: names, as <code> is in HTML.
    assert {"demo", "-v", "--strict"} <= set(document.code)
    at = document.text.index("Verbose mode: print")
    assert document.heading_path_at(at) == ("demo - print a greeting", "DESCRIPTION", "Options")
    assert document.heading_path_at(document.text.index("The greeting to print.")) == ("demo - print a greeting", "FILES")
    assert is_supported(Path("open.3p.gz")) and is_supported(Path("CA.pl.1ssl")) and is_supported(Path("after.n"))
    assert not any(is_supported(Path(name)) for name in ("notes.10", "default.nix", "readme.nfo", "report.2023"))


def test_a_manual_page_without_mandoc_is_refused_with_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.formats.man

    monkeypatch.setattr(index.formats.man, "MANDOC", "mandoc-not-installed")
    with pytest.raises(LoadError, match=r"read with mandoc, which is not installed \(Debian: apt-get install mandoc\)"):
        load(write(tmp_path / "demo.1", MAN_PAGE))


# Pieces of troff: both macro sets, font escapes, macro definitions (a recursive one among them), includes, tables.
MAN_PIECES = [
    *[".SH ", ".SS ", ".TP\n", ".B ", ".I ", ".BI ", ".PP\n", ".IP ", ".RS\n", ".RE\n", ".nf\n", ".fi\n", ".br\n"],
    *["\\fB", "\\fI", "\\fR", "\\-", "\\(em", "\\*(", "\\", '\\"', '.\\" ', "\\c", "\\n(", "\\h'", "\\s-2"],
    *[".de X\n.X\n..\n", ".X\n", ".so other.1\n", ".TS\n", "l l.\n", ".TE\n", ".if n .ne 5\n", ".ig\n", "..\n"],
    *[".Dd\n", ".Bl -tag -width Ds\n", ".It Fl v\n", ".El\n", ".Nm ", ".Fl ", ".Ar ", ".Xr ls 1\n"],
    *["\n", " ", "word", "-v", "Sentence. ", "\t", "\x00", "\xe9"],
]


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(MAN_PIECES) | st.text(max_size=8), max_size=60))
def test_any_troff_loads_as_a_manual_page_or_is_refused_with_a_reason(pieces: list[str]) -> None:
    document = loaded_or_refused("any.1", (".TH ANY 1\n" + "".join(pieces)).encode("utf-8", "surrogatepass"))
    assert document is None or (document.text.strip() and isinstance(document.title, str))


# A GNU Info manual as makeinfo writes one: the preamble, a Top node with its menu, a chapter whose table of options
# stands over their descriptions, an example inside one, a cross-reference, quoted code, a footnote, and an index.
INFO_MANUAL = """This is demo.info, produced by makeinfo version 6.8 from demo.texi.

INFO-DIR-SECTION Utilities
START-INFO-DIR-ENTRY
* demo: (demo).                 Print a greeting.
END-INFO-DIR-ENTRY

\x1f
File: demo.info,  Node: Top,  Next: Invoking,  Up: (dir)

Demo
****

‘demo’ prints a greeting.

* Menu:

* Invoking::                    Command-line options.
* Index::                       Every entry.

\x1f
File: demo.info,  Node: Invoking,  Next: Index,  Prev: Top,  Up: Top

1 Invoking ‘demo’
*****************

The options of ‘demo’ are as follows.  Each one can be given more than
once.  *Note Index::, for every entry.

‘-v’
‘--verbose’
     Print the name of each file as it is read, on the standard error
     stream.(1)

     For example:

          demo -v 'my file'

     prints the name ‘my file’.

'--config=FILE'
     Read the greeting from FILE, not from '/etc/demo.conf'.  It's read
     once (*note Invoking::).

   ---------- Footnotes ----------

   (1) Not on the standard output.

\x1f
File: demo.info,  Node: Index,  Prev: Invoking,  Up: Top

Index
*****

\x00\x08[index\x00\x08]
* Menu:

* --config:                              Invoking.              (line 20)

\x1f
Tag Table:
Node: Top190
\x1f
End Tag Table
"""


def test_an_info_manual_reads_node_by_node_with_each_option_over_its_description(tmp_path: Path) -> None:
    document = load(write(tmp_path / "demo.info.gz", gzip.compress(INFO_MANUAL.encode())))
    text = document.text
    assert document.title == "Demo"  # the Top node's title
    sentences = [text[span.start : span.end] for span in split_sentences(text)]
    # Lines filled to the margin are one paragraph; quoted code is its text, kept as code; a cross-reference reads as
    # its words.
    assert "The options of demo are as follows." in sentences and "See Index, for every entry." in sentences
    # A table's item: its names on one line over the description, which goes on over its own paragraphs.
    assert "-v, --verbose\n\nPrint the name of each file as it is read, on the standard error stream.(1)" in text
    assert "--config=FILE\n\nRead the greeting from FILE, not from /etc/demo.conf. It's read once (see Invoking)." in text
    # An example keeps its lines and its own quotes; the footnote stays, its rule goes.
    assert "For example:\n\ndemo -v 'my file'\n\nprints the name my file." in text
    assert "(1) Not on the standard output." in text and "Footnotes" not in text
    # Menus, the index, the preamble and the tag table are no text.
    for furniture in ("Menu", "Command-line options.", "(line 20)", "makeinfo", "INFO-DIR", "Tag Table", "\x1f", "\x00"):
        assert furniture not in text, furniture
    assert {"demo", "-v", "--verbose", "--config=FILE", "/etc/demo.conf"} <= set(document.code)
    at = text.index("Print the name")
    assert document.heading_path_at(at) == ("Demo", "1 Invoking demo")
    # Split manuals' parts ("find.info-1") are read too; other ".info-" suffixes are no manual.
    assert is_supported(Path("find.info-1.gz")) and is_supported(Path("zsh.info-6")) and is_supported(Path("a.INFO"))
    assert not any(is_supported(Path(name)) for name in ("a.info-x", "a.info-0", "a.infos"))


def test_a_file_named_info_that_is_no_info_manual_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not an Info manual"):
        load(write(tmp_path / "notes.info", b"Just some notes about the project.\n"))
    with pytest.raises(LoadError, match="no text in this Info file"):
        load(write(tmp_path / "index.info", b"\x1f\nFile: x.info,  Node: Index\n\n* Menu:\n\n* a:  b.\n"))
    # Latin-1, as its local variables declare it, reads as that.
    latin = "\x1f\nFile: x.info,  Node: Top\n\nCaf\xe9\n****\n\nUn caf\xe9 cr\xe8me.\n"
    latin += "\x1f\nLocal Variables:\ncoding: iso-8859-1\nEnd:\n"
    assert "Un café crème." in load(write(tmp_path / "x.info", latin.encode("latin-1"))).text


INFO_PIECES = [
    *["\x1f\n", "File: a.info,  Node: Top,  Up: (dir)\n", "File: a.info,  Node: N\n", "* Menu:\n", "* N::  x.\n"],
    *["Title\n", "*****\n", "=====\n", "-----\n", "....\n", "‘code’", "'-v'", "`x'", "*Note N::", "*note N: M.", "\n\n"],
    *["     ", "          ", " -- Test: -name pattern\n", "   • item\n", "---------- Footnotes ----------\n"],
    *["\x00\x08[index\x00\x08]\n", "\x00\x08[image src='a.png'\x00\x08]", "Tag Table:\n", "\x0c", "word ", "Sentence. "],
    *[",", "', '\n", "1. ", "B. ", "Indirect:\n", "a.info-1: 120\n", "coding: latin-1\n"],
]


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(INFO_PIECES) | st.text(max_size=8), max_size=60))
@example(["File: a.info,  Node: Top,  Up: (dir)\n", "File: a.info,  Node: Top,  Up: (dir)\n", "* Menu:\n"])
@example(["File: a.info,  Node: Top,  Up: (dir)\n", "0", "* Menu:\n"])
@example(["File: a.info,  Node: Top,  Up: (dir)\n", "* Menu:\n", "*****\n", "word "])
def test_any_info_text_loads_as_a_manual_or_is_refused_with_a_reason(pieces: list[str]) -> None:
    source = "".join(pieces)
    document = loaded_or_refused("any.info", source.encode("utf-8", "surrogatepass"))
    assert document is None or (document.text.strip() and isinstance(document.title, str))
    # A line that begins with "* Menu:" opens a menu, which is dropped; inside a line the words are text ("0* Menu:").
    in_lines = sum(line.count("* Menu:") - line.strip().startswith("* Menu:") for line in re.split("[\n\x1f]", source))
    assert document is None or ("\x1f" not in document.text and document.text.count("* Menu:") <= in_lines)


# --------------------------------------------------------------------------- tables (.csv, .tsv) and notebooks

RELEASES = """version,codename,release,eol
10,Buster,2019-07-06,2022-09-10
11,Bullseye,2021-08-14,
"12","Bookworm, the toy octopus",2023-06-10,"2026-06-10"
"""


def test_a_table_reads_each_row_as_one_block_of_its_columns_and_values(tmp_path: Path) -> None:
    document = load(write(tmp_path / "releases.csv", RELEASES))
    assert document.title == "releases" and not document.warnings
    assert blocks(document) == [
        "version: 10 | codename: Buster | release: 2019-07-06 | eol: 2022-09-10",
        "version: 11 | codename: Bullseye | release: 2021-08-14",  # an empty value is left out
        "version: 12 | codename: Bookworm, the toy octopus | release: 2023-06-10 | eol: 2026-06-10",  # quotes parsed
    ]
    # The file's name is the section of every row: embedded and searched with it.
    assert [section.path for section in document.sections] == [("releases",)]
    # A row stays one sentence: the answer quotes it whole, its values beside their columns. Each is chunked alone.
    assert sentences(document)[1] == "version: 11 | codename: Bullseye | release: 2021-08-14"
    assert document.breaks == [document.text.index(row) for row in blocks(document)]


def test_a_table_finds_its_separator_and_header_as_a_spreadsheet_writes_them(tmp_path: Path) -> None:
    # Excel in much of Europe writes ";" (a decimal comma), and names it on a first line "sep=;" when asked to.
    semicolons = "name;price\nTea;2,50\n"
    assert blocks(load(write(tmp_path / "a.csv", semicolons))) == ["name: Tea | price: 2,50"]
    assert blocks(load(write(tmp_path / "b.csv", "sep=|\nname|note\nTea|hot; sweet\n"))) == ["name: Tea | note: hot; sweet"]
    # A .tsv is tab-separated whatever its first line holds, and a line break inside quotes is a space of the value.
    assert blocks(load(write(tmp_path / "c.tsv", 'a,b\tc\n"one\ntwo"\t3\n'))) == ["a,b: one two | c: 3"]
    # A first row of numbers is data, not names; so is a row that names a column twice, and a one-column list.
    assert blocks(load(write(tmp_path / "d.csv", "1,2.5,-3\n4,5,6\n"))) == ["1 | 2.5 | -3", "4 | 5 | 6"]
    assert blocks(load(write(tmp_path / "e.csv", "x,x\n1,2\n"))) == ["x | x", "1 | 2"]
    assert blocks(load(write(tmp_path / "f.csv", "Tea\nCoffee\n"))) == ["Tea", "Coffee"]
    # Years name columns beside a word; a value past the header's columns, or under an empty name, stands alone.
    assert blocks(load(write(tmp_path / "g.csv", ",country,2019\n0,Chad,16\n1,Mali,20,est.\n"))) == [
        "0 | country: Chad | 2019: 16",
        "1 | country: Mali | 2019: 20 | est.",
    ]
    # A name that explains its column in a sentence is cut after a word: every row repeats it.
    explained = "name,a column whose name explains at length what each of its values means and where it came from\nTea,hot\n"
    assert blocks(load(write(tmp_path / "h.csv", explained))) == [
        "name: Tea | a column whose name explains at length what each of its…: hot"
    ]


def test_a_table_in_another_encoding_or_beyond_the_parser_is_read_with_a_warning(tmp_path: Path) -> None:
    # Excel's CSV on Windows is windows-1252; its "Unicode text" is UTF-16 with a byte-order mark, tab-separated.
    document = load(write(tmp_path / "cafe.csv", "item,price\nCafé crème,3 €\n".encode("cp1252")))
    assert blocks(document) == ["item: Café crème | price: 3 €"] and "windows-1252" in document.warnings[0]
    utf16 = load(write(tmp_path / "cafe.tsv", "item\tprice\nCafé\t3\n".encode("utf-16")))
    assert blocks(utf16) == ["item: Café | price: 3"] and not utf16.warnings
    # A value longer than the csv module reads (128 kB) leaves the file readable as plain text, with the reason.
    long = load(write(tmp_path / "long.csv", 'name,text\nx,"' + "word " * 30_000 + '"\n'))
    assert long.text.startswith("name,text") and "read as plain text" in long.warnings[0]
    compressed = load(write(tmp_path / "r.csv.gz", gzip.compress(RELEASES.encode())))
    assert compressed.title == "r" and blocks(compressed)[0].startswith("version: 10 | codename: Buster")
    with pytest.raises(LoadError, match="no text"):
        load(write(tmp_path / "blank.csv", ",,\n,,\n"))


def notebook(cells: list[dict[str, Any]], **extra: Any) -> str:
    """A notebook (nbformat 4) of ``cells`` as its JSON file holds it."""
    import json

    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **extra})


def cell(kind: str, source: str | list[str], outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"cell_type": kind, "metadata": {}, "source": source, **({"outputs": outputs} if kind == "code" else {})}


NOTEBOOK = notebook(
    [
        cell("markdown", ["# Fitting a line\n", "\n", "We fit a line with `numpy.polyfit` and plot it."]),
        cell("markdown", "## Data\n\nThe points come from a *noisy* sensor.\n\n```python\nnever closed"),
        cell(
            "code",
            "import numpy as np\n\nslope, intercept = np.polyfit(x, y, 1)\nprint(slope)",
            [
                {"output_type": "stream", "name": "stdout", "text": ["\x1b[32m2.0003\x1b[0m\n"]},
                {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]}},
                {"output_type": "error", "ename": "ValueError", "evalue": "x and y differ", "traceback": ["\x1b[0;31mboom"]},
            ],
        ),
        cell("raw", "\\section{For LaTeX only}"),
        cell("markdown", "## Result\n\nThe slope is close to two."),
    ]
)


def test_a_notebook_reads_its_cells_in_order_as_the_notebook_shows_them(tmp_path: Path) -> None:
    document = load(write(tmp_path / "fit.ipynb", NOTEBOOK))
    assert document.title == "Fitting a line"
    assert document.text == "\n\n".join(
        [
            "Fitting a line",
            "We fit a line with numpy.polyfit and plot it.",
            "Data",
            "The points come from a noisy sensor.",
            "never closed",  # an unclosed fence ends with its cell, as Jupyter renders each cell alone
            "import numpy as np\n\nslope, intercept = np.polyfit(x, y, 1)\nprint(slope)",  # verbatim, its blank line too
            "2.0003",
            "<Figure>",
            "ValueError: x and y differ",
            "Result",
            "The slope is close to two.",
        ]
    )
    text = document.text
    # The raw cell, the image and the traceback's frames are not read; nor are terminal colour codes.
    assert "LaTeX" not in text and "iVBOR" not in text and "\x1b" not in text and "boom" not in text
    assert document.heading_path_at(text.index("The slope")) == ("Fitting a line", "Result")
    assert document.heading_path_at(text.index("2.0003")) == ("Fitting a line", "Data")
    assert "numpy.polyfit" in document.code


def test_an_old_notebook_reads_its_worksheets_and_a_broken_one_is_refused_with_a_reason(tmp_path: Path) -> None:
    import json

    old = {
        "nbformat": 3,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 2, "source": ["Setup"]},
                    {"cell_type": "code", "input": "1 + 1", "outputs": [{"output_type": "pyout", "text": ["2"]}]},
                ]
            }
        ],
    }
    document = load(write(tmp_path / "old.ipynb", json.dumps(old)))
    assert blocks(document) == ["Setup", "1 + 1", "2"] and document.title == "Setup"
    with pytest.raises(LoadError, match="not a Jupyter notebook: not valid JSON"):
        load(write(tmp_path / "cut.ipynb", NOTEBOOK[:-20]))
    with pytest.raises(LoadError, match="not a Jupyter notebook: no list of cells"):
        load(write(tmp_path / "list.ipynb", "[1, 2]"))
    with pytest.raises(LoadError, match="not a Jupyter notebook"):
        load(write(tmp_path / "deep.ipynb", "[" * 100_000 + "]" * 100_000))
    with pytest.raises(LoadError, match="no text"):
        load(write(tmp_path / "empty.ipynb", notebook([cell("code", ""), {"cell_type": "markdown"}, "junk"])))  # type: ignore[list-item]


TABLE_PIECES = [",", ";", "\t", "|", '"', '""', "\n", "\r\n", "sep=;\n", "name", "2019", "1.5", "-", " ", "é", "\x00"]


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(TABLE_PIECES) | st.text(max_size=6), max_size=60), st.sampled_from(["a.csv", "a.tsv"]))
def test_any_table_text_loads_row_by_row_or_is_refused_with_a_reason(pieces: list[str], name: str) -> None:
    document = loaded_or_refused(name, "".join(pieces).encode("utf-8", "surrogatepass"))
    assert document is None or (document.text.strip() and document.title == "a")
    assert document is None or all(block.strip() for block in blocks(document))


NOTEBOOK_PIECES = ['{"cells": [', "]}", "{", "}", ",", '"cell_type": "markdown"', '"cell_type": "code"', '"source": ']
NOTEBOOK_PIECES += ['"# Title"', '["a\\n", "b"]', '"outputs": [{"output_type": "stream", "text": "x"}]', "null", "1", '"```"']


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(NOTEBOOK_PIECES) | st.text(max_size=6), max_size=40))
def test_any_notebook_text_loads_cell_by_cell_or_is_refused_with_a_reason(pieces: list[str]) -> None:
    document = loaded_or_refused("any.ipynb", "".join(pieces).encode("utf-8", "surrogatepass"))
    assert document is None or (document.text.strip() and isinstance(document.title, str))


def test_a_workbook_reads_sheet_by_sheet_each_row_as_a_table_row_is(tmp_path: Path) -> None:
    document = load(write(tmp_path / "releases.xlsx", workbook()))
    assert document.title == "releases" and not document.warnings
    assert blocks(document) == [
        # A date as ISO 8601, a float as Excel shows it (0.1 + 0.2 is 0.3), a truth value as TRUE or FALSE.
        "version: 11 | codename: Bullseye | release: 2021-08-14 | share: 0.3 | supported: FALSE",
        "version: 12 | codename: Bookworm | release: 2023-06-10 | share: 2.5 | supported: TRUE",
        "codename: Trixie",  # the empty rows above it are no blocks
        "Every release is supported for three years.",  # a sheet of one column is a list: no header
    ]
    at = document.text.index
    assert document.heading_path_at(at("codename: Trixie")) == ("releases", "Releases")
    assert document.heading_path_at(at("Every release")) == ("releases", "Notes")
    # Each row is a record chunked alone: a passage is one row, which the cross-encoder reads whole.
    assert document.breaks == [at(block) for block in blocks(document)]


def test_an_open_spreadsheet_reads_its_cells_as_shown_and_its_repeats_once(tmp_path: Path) -> None:
    document = load(write(tmp_path / "countries.ods", open_spreadsheet()))
    assert blocks(document) == [
        "Country: Austria | Population in millions: 8.3 | Area km2: 83,858",
        "Country: Belgium | Area km2: 30,510",  # a merged (covered) cell is empty, and keeps the columns in place
        "Country: Chad | Population in millions: 16 | Area km2: 1,284,000",  # three identical rows, read once
    ]
    assert [section.path for section in document.sections] == [("countries", "Population")]


def test_an_element_in_no_namespace_is_read_past_and_leaves_later_files_readable(tmp_path: Path) -> None:
    # An element in no namespace (what a damaged part often holds) is read past; odfpy then keeps the empty namespace
    # for the life of the process, which later reads ignore and the tests' writer drops (``packages.odf_writer``).
    def stray(name: str, data: bytes) -> bytes:
        return data.replace(b"</office:spreadsheet>", b"<stray>x</stray></office:spreadsheet>") if name == "content.xml" else data

    strayed = load(write(tmp_path / "stray.ods", with_parts(REAL_PACKAGES[".ods"], stray)))
    assert blocks(strayed)[0] == "Country: Austria | Population in millions: 8.3 | Area km2: 83,858"
    later = load(write(tmp_path / "later.ods", open_spreadsheet()))
    assert blocks(later) == blocks(strayed)


def test_a_broken_spreadsheet_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="unreadable Excel workbook"):
        load(write(tmp_path / "locked.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 600))  # an encrypted workbook is an OLE file
    with pytest.raises(LoadError, match="unreadable ODS: it holds no spreadsheet"):
        load(write(tmp_path / "text.ods", _text_document()))
    with pytest.raises(LoadError, match="decompresses to more than 1 MB"):
        load(
            write(tmp_path / "big.xlsx", with_parts(workbook(), lambda name, data: data + b" " * 2_000_000)), max_bytes=1_000_000
        )
    # A billion laughs in the workbook's part (parsed by lxml: libxml2 caps what entities amplify) or in a sheet (parsed
    # by defusedxml, which refuses any DTD) is refused, not expanded.
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    for part, word in (("xl/workbook.xml", b"Releases"), ("xl/worksheets/sheet1.xml", b"Bullseye")):

        def laughs(name: str, data: bytes, part: str = part, word: bytes = word) -> bytes:
            bomb = f"<!DOCTYPE x [{entities}]>".encode() + data.replace(word, b"&l9;")
            return bomb if name == part else data

        with pytest.raises(LoadError, match="unreadable Excel workbook"):
            load(write(tmp_path / "laughs.xlsx", with_parts(workbook(), laughs)))


def _text_document() -> bytes:
    from odf.text import P

    return odt(lambda body: body.addElement(P(text="Not a spreadsheet.")))


# --------------------------------------------------------------------------- email (.eml, .mbox)


def message(subject: str, sender: str, body: str, *, date: str = "Mon, 04 Mar 2024 10:00:00 +0000", html: str = "") -> bytes:
    """A message as a mail program writes it (Python's ``email``): a plain body, else an HTML one; encoded headers."""
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"], mail["Date"] = subject, sender, "team@example.org", date
    if html:
        mail.set_content(html, subtype="html")
    else:
        mail.set_content(body)
    return bytes(mail)


def test_a_message_reads_its_subject_senders_and_text_without_its_signature(tmp_path: Path) -> None:
    body = (
        "Hi all,\n\nThe build server moves to\nthe new rack on Friday.\n\n> Will it be down?\nA few hours.\n\n-- \nAnn Lee, ops\n"
    )
    mail = message("Server move — Friday", "Ann Lée <ann@example.org>", body)  # encoded words in the headers
    assert b"=?utf-8?" in mail
    document = load(write(tmp_path / "move.eml", mail))
    assert document.title == "Server move — Friday"
    assert blocks(document) == [
        "Server move — Friday",
        "From: Ann Lée <ann@example.org>\nTo: team@example.org\nDate: Mon, 04 Mar 2024 10:00:00 +0000",
        "Hi all,",
        "The build server moves to\nthe new rack on Friday.",  # a wrapped paragraph's lines, one sentence
        "> Will it be down?\nA few hours.",  # a single message keeps what it quotes: the only copy it has
    ]
    assert "The build server moves to\nthe new rack on Friday." in sentences(document)
    assert "Ann Lee, ops" not in document.text  # the signature, below "-- "
    assert document.heading_path_at(document.text.index("Hi all")) == ("Server move — Friday",)


def test_a_message_in_html_or_with_attachments_reads_its_text_and_names_the_files(tmp_path: Path) -> None:
    from email.message import EmailMessage

    html = message("Notes", "bob@example.org", "", html="<p>Run <code>make check</code> before <b>every</b> push.</p>")
    assert blocks(load(write(tmp_path / "notes.eml", html)))[2] == "Run make check before every push."
    mail = EmailMessage()
    mail["Subject"], mail["From"] = "Report", "carol@example.org"
    mail.set_content("The report is attached.")
    mail.add_attachment(b"%PDF-1.4 binary", maintype="application", subtype="pdf", filename="report.pdf")
    document = load(write(tmp_path / "report.eml", bytes(mail)))
    assert blocks(document)[-2:] == ["The report is attached.", "Attachments: report.pdf"]
    assert "PDF-1.4" not in document.text
    with pytest.raises(LoadError, match="no text"):
        load(write(tmp_path / "empty.eml", b"Content-Type: text/plain\n\n\n"))


def test_a_mailbox_reads_each_message_under_its_subject_and_leaves_out_what_replies_quote(tmp_path: Path) -> None:
    first = message("Release date", "ann@example.org", "We release on 12 May.\n")
    reply_body = "On Mon, 4 Mar 2024, Ann wrote:\n> We release on 12 May.\n\nThat works for the docs team.\n"
    reply = message("Re: Release date", "bob@example.org", reply_body, date="Tue, 05 Mar 2024 09:00:00 +0000")
    mailbox = (
        b"From ann@example.org Mon Mar  4 10:00:00 2024\n" + first + b"\nFrom bob@example.org Tue Mar  5 09:00:00 2024\n" + reply
    )
    document = load(write(tmp_path / "dev-list.mbox", mailbox))
    assert document.title == "dev-list"
    assert [section.path for section in document.sections] == [("dev-list", "Release date"), ("dev-list", "Re: Release date")]
    text = document.text
    assert text.count("We release on 12 May.") == 1, "the reply's quote is not read twice"
    assert "Ann wrote" not in text and "That works for the docs team." in text
    assert document.heading_path_at(text.index("That works")) == ("dev-list", "Re: Release date")
    assert "From bob@example.org Tue" not in text  # the separator line is no text


MAIL_PIECES = ["From a@b Mon Jan  1 00:00:00 2024\n", "Subject: =?utf-8?q?caf=C3=A9?=\n", "From: x <y@z>\n", "\n", "\n\n"]
MAIL_PIECES += ["Content-Type: multipart/mixed; boundary=B\n", "--B\n", "--B--\n", "Content-Type: text/html\n", "<p>hi</p>"]
MAIL_PIECES += ["Content-Transfer-Encoding: base64\n", "aGVsbG8=\n", "charset=bogus\n", "> quoted\n", "-- \n", "wrote:\n"]
# What the email package's own parsers failed on in a fuzz of 20,000 messages (read past since): an address whose "<"
# never closes, a group where an address stands, a parameter without a value, a NUL in an encoded parameter.
MAIL_PIECES += ["To: a <b\n", "From: g: a@b\n", "Content-Type: text/plain; a\n", "Content-Type: text/plain; x*=''\x00\n"]


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.sampled_from(MAIL_PIECES) | st.text(max_size=8), max_size=40), st.sampled_from(["a.eml", "a.mbox"]))
def test_any_mail_text_loads_message_by_message_or_is_refused_with_a_reason(pieces: list[str], name: str) -> None:
    document = loaded_or_refused(name, "".join(pieces).encode("utf-8", "surrogatepass"))
    assert document is None or (document.text.strip() and isinstance(document.title, str))
    assert document is None or assert_sections_are_ordered_spans(document) is None


# --------------------------------------------------------------------------- JSON (.json, .jsonl)

SERVICE = {
    "name": "citewise",
    "ports": [7860, 8000],
    "database": {"engine": "sqlite", "path": "/var/lib/citewise/chats.db", "wal": True},
    "releases": [
        {
            "version": "1.0",
            "date": "2026-01-10",
            "notes": "<p>First <em>release</em>.</p>",
            "author": {"name": "Ann", "team": "core"},
        },
        {"version": "1.1", "date": "2026-03-02", "notes": None, "tags": ["fix", "docs"]},
    ],
}


def test_json_reads_its_lists_of_objects_as_records_and_its_objects_field_by_field(tmp_path: Path) -> None:
    import json

    document = load(write(tmp_path / "service.json", json.dumps(SERVICE)))
    assert document.title == "service"
    assert blocks(document) == [
        "name: citewise\nports: 7860, 8000",  # a list of plain values is one value
        "engine: sqlite\npath: /var/lib/citewise/chats.db\nwal: true",  # as JSON writes it
        "version: 1.0 | date: 2026-01-10 | notes: First release. | author.name: Ann | author.team: core",  # HTML as its text
        "version: 1.1 | date: 2026-03-02 | notes: null | tags: fix, docs",
    ]
    at = document.text.index
    assert document.heading_path_at(at("engine")) == ("service", "database")
    assert document.heading_path_at(at("version: 1.1")) == ("service", "releases")
    assert document.breaks == [at("version: 1.0"), at("version: 1.1")]  # each record chunked alone, as a table's row
    assert_sections_are_ordered_spans(document)


def test_json_lines_read_each_line_as_a_record_and_broken_json_is_refused_with_its_line(tmp_path: Path) -> None:
    lines = '{"user": "ann", "said": "The build is green."}\n\n{"user": "bob", "said": "Merging now."}\n'
    document = load(write(tmp_path / "chat.jsonl", lines))
    assert blocks(document) == ["user: ann | said: The build is green.", "user: bob | said: Merging now."]
    assert [section.path for section in document.sections] == [("chat",)]
    with pytest.raises(LoadError, match=r"not valid JSON: line 2: Expecting"):
        load(write(tmp_path / "cut.jsonl", '{"a": 1}\n{"a": \n'))
    with pytest.raises(LoadError, match=r"not valid JSON: Expecting .* \(line 1, column 7\)"):
        load(write(tmp_path / "cut.json", '{"a": '))
    with pytest.raises(LoadError, match="values nested too deeply"):
        load(write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000))
    assert blocks(load(write(tmp_path / "one.json", '"Just a sentence."'))) == ["Just a sentence."]


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
        max_leaves=30,
    ),
    st.sampled_from(["a.json", "a.jsonl"]),
)
def test_any_json_value_loads_as_records_and_fields_or_is_refused_with_a_reason(value: Any, name: str) -> None:
    import json

    text = json.dumps(value) if name.endswith(".json") else "\n".join(json.dumps(item) for item in [value, value])
    document = loaded_or_refused(name, text)
    assert document is None or (document.text.strip() and document.title == "a")
    assert document is None or assert_sections_are_ordered_spans(document) is None
    assert document is None or all(0 <= start < len(document.text) for start in document.breaks)
