"""The loader on real manuals: sentences come out whole, furniture does not come out, code stays code.

The documents are Debian's documentation packages, installed by `make test`:
``apt-get install -y debian-handbook debian-reference-en bash-doc python3.11-doc sqlite3-doc debian-policy apache2-doc
git-doc live-manual-epub python3-pip doxygen-doc postgresql-doc-15 mandoc distro-info-data python-nbconvert-doc
python-odf-doc``, and bash's own manual page. Each test skips, naming the package, only when that package is not installed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from fakes import FakeReranker, passage

from assistant.extractive import ExtractiveAnswerer
from index.loader import LoadedDocument, load
from index.sentences import split_sentences
from index.text import code_terms

HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US")
REFERENCE = Path("/usr/share/debian-reference")
PYDOCS = Path("/usr/share/doc/python3.11/html")
BASH = Path("/usr/share/doc/bash")
SQLITE = Path("/usr/share/doc/sqlite3")
POLICY = Path("/usr/share/doc/debian-policy")
APACHE = Path("/usr/share/doc/apache2-doc/manual/en")
GIT = Path("/usr/share/doc/git/html")
LIVE = Path("/usr/share/doc/live-manual/epub")
PIP = Path("/usr/share/doc/python3-pip/html")  # pip's documentation sources: MyST Markdown and reST
DOXYGEN = Path("/usr/share/doc/doxygen/html")  # Doxygen's manual, written by Doxygen
POSTGRES = Path("/usr/share/doc/postgresql-doc-15/html")  # PostgreSQL's manual: DocBook, its notes titled by headings
POSTFIX = Path("/usr/share/doc/postfix/html")  # Postfix's manual pages: hard-wrapped text, as man writes it
BASH_MAN = Path("/usr/share/man/man1/bash.1.gz")  # a man(7) page, from the bash package itself
MANDOC_MAN = Path("/usr/share/man/man1/mandoc.1.gz")  # an mdoc(7) page, from the mandoc package
BASH_INFO = Path("/usr/share/info/bash.info.gz")  # the Bash reference as a GNU Info manual (ASCII quotes)
POLICY_INFO = Path("/usr/share/info/debian-policy.info.gz")  # Debian Policy as Info (UTF-8 quotes, footnotes)
ZSH_INFO = Path("/usr/share/info/zsh.info-1.gz")  # the first part of the Z shell manual as Info (menus after paragraphs)
DEBIAN_RELEASES = Path("/usr/share/distro-info/debian.csv")  # Debian's releases as a table (rows of 4 to 8 values)
COUNTRIES = Path("/usr/share/doc/python-odf-doc/examples/countrystatistics.ods")  # LibreOffice's sheets, repeats
NBCONVERT = Path("/usr/share/doc/python-nbconvert-doc/html/nbconvert_library.ipynb.gz")  # a notebook with its outputs
PACKAGES = {
    HANDBOOK: "debian-handbook",
    REFERENCE: "debian-reference-en",
    PYDOCS: "python3.11-doc",
    BASH: "bash-doc",
    SQLITE: "sqlite3-doc",
    POLICY: "debian-policy",
    APACHE: "apache2-doc",
    GIT: "git-doc",
    LIVE: "live-manual-epub",
    PIP: "python3-pip",
    DOXYGEN: "doxygen-doc",
    POSTGRES: "postgresql-doc-15",
    POSTFIX: "postfix-doc",
    BASH_MAN: "bash",
    MANDOC_MAN: "mandoc",
    BASH_INFO: "bash-doc",
    POLICY_INFO: "debian-policy",
    ZSH_INFO: "zsh-doc",
    DEBIAN_RELEASES: "distro-info-data",
    NBCONVERT: "python-nbconvert-doc",
    COUNTRIES: "python-odf-doc",
}


@cache
def loaded(path: Path) -> LoadedDocument:
    """A manual page, loaded once per test session; skips when its Debian package is missing."""
    root = next(root for root in PACKAGES if path.is_relative_to(root))  # a manual page is its own root
    if not path.is_file():
        pytest.skip(f"Debian package {PACKAGES[root]} is not installed ({path} missing): apt-get install -y {PACKAGES[root]}")
    return load(path)


def sentences(doc: LoadedDocument) -> list[str]:
    return [doc.text[span.start : span.end] for span in split_sentences(doc.text)]


def blocks(doc: LoadedDocument) -> list[str]:
    return doc.text.split("\n\n")


# Sentences with inline markup (<code>, <em>, <a>, reST roles, hyphenated or wrapped PDF lines) that the
# old loader cut into pieces, each with the headings it sits under.
WHOLE = [
    (
        HANDBOOK / "sect.task-scheduling-cron-atd.html",
        "For at tasks, it is almost as easy: run atrm task-number.",
        ("9.7. Scheduling Tasks with cron and atd", "9.7.2. Using the at Command"),
    ),
    (
        HANDBOOK / "sect.task-scheduling-cron-atd.html",
        "It can be edited by running crontab -e (its content is stored in the /var/spool/cron/crontabs/user file).",
        ("9.7. Scheduling Tasks with cron and atd",),
    ),
    (
        HANDBOOK / "sect.task-scheduling-cron-atd.html",
        "An alternative syntax postpones the execution for a given duration: at now + number period.",
        ("9.7. Scheduling Tasks with cron and atd", "9.7.2. Using the at Command"),
    ),
    (
        HANDBOOK / "sect.apt-get.html",
        "For any work with APT, the list of available packages needs to be updated; this can be done simply through apt update.",
        ("6.2. aptitude, apt-get, and apt Commands", "6.2.1. Initialization"),
    ),
    (
        HANDBOOK / "sect.apt-get.html",
        "The aim of the apt update command is to download for each package source the corresponding Packages (or Sources) file.",
        # Inside a sidebar: its title is the innermost heading, until the sidebar ends.
        ("6.2. aptitude, apt-get, and apt Commands", "6.2.1. Initialization", "TIP Incremental updates"),
    ),
    (
        REFERENCE / "ch03.en.html",
        'You can enable to see kerrnel boot log messages by removing quiet in "/boot/grub/grub.cfg".',
        ("Chapter 3. The system initialization", "3.1. An overview of the boot strap process", "3.1.2. Stage 2: the boot loader"),
    ),
    (
        PYDOCS / "library/os.html",
        "If you just want to read or write a file see open(), if you want to manipulate paths, see the os.path module, "
        "and if you want to read all the lines in all the files on the command line see the fileinput module.",
        ("os — Miscellaneous operating system interfaces",),
    ),
    (
        PYDOCS / "library/os.html",
        "Python uses the filesystem encoding and error handler to perform this conversion (see sys.getfilesystemencoding()).",
        ("os — Miscellaneous operating system interfaces", "File Names, Command Line Arguments, and Environment Variables"),
    ),
    (
        PYDOCS / "tutorial/controlflow.html",
        "To iterate over the indices of a sequence, you can combine range() and len() as follows:",
        ("4. More Control Flow Tools", "4.3. The range() Function"),
    ),
    (
        PYDOCS / "tutorial/controlflow.html",
        "In most such cases, however, it is convenient to use the enumerate() function, see Looping Techniques.",
        ("4. More Control Flow Tools", "4.3. The range() Function"),
    ),
    (
        BASH / "bashref.html",
        "Bash is largely compatible with sh and incorporates useful features from the Korn shell ksh and the C shell csh.",
        ("Bash Features", "1 Introduction", "1.1 What is Bash?"),
    ),
    (
        BASH / "bashref.html",
        # A shell's parameter "$?" ends no sentence (loader 45): the sentence was cut after "($?)".
        "($?) Expands to the exit status of the most recently executed foreground pipeline.",
        ("Bash Features", "3 Basic Shell Features", "3.4 Shell Parameters", "3.4.2 Special Parameters"),
    ),
    (
        BASH / "bashref.html",
        "Some of the shells that Bash has borrowed concepts from are the Bourne Shell (sh), the Korn Shell (ksh), "
        "and the C-shell (csh and its successor, tcsh).",
        ("Bash Features",),
    ),
    (
        PYDOCS / "_sources/library/functions.rst.txt",
        "This calls the __anext__() method of async_iterator, returning an awaitable.",
        ("Built-in Functions",),
    ),
    (
        PYDOCS / "_sources/tutorial/controlflow.rst.txt",
        "To iterate over the indices of a sequence, you can combine range() and len() as follows:",
        ("More Control Flow Tools", "The range() Function"),
    ),
    (
        BASH / "bashref.pdf",
        "When you use ‘=~’, the string to the right of the operator is considered a posix extended regular expression "
        "pattern and matched accordingly (using the posix regcomp and regexec interfaces usually described in regex (3)).",
        ("Basic Shell Features", "Shell Commands", "Compound Commands", "Conditional Constructs"),
    ),
    (
        LIVE / "live-manual.en.epub",
        "Then, run the lb config command.",
        ("Live Systems Manual", "4. The basics"),
    ),
    (
        LIVE / "live-manual.en.epub",
        "While live-manual is primarily focused on helping you build a live system and not on end-user topics, an end "
        "user may find some useful information in these sections: The Basics covers downloading prebuilt images and "
        "preparing images to be booted from media or the network, either using the web builder or running live-build "
        "directly on your system.",
        ("Live Systems Manual", "1. About this manual"),
    ),
    (
        POLICY / "policy.epub",
        "These files can be read with dpkg-query --control-show package symbols.",
        ("8.6.3. The symbols system", "8.6.3.1. The symbols files present on the system"),
    ),
    (
        REFERENCE / "debian-reference.en.pdf",
        "The symlink always has nominal file access permissions of ”rwxrwxrwx”, as shown in the above example, with the "
        "effective access permissions dictated by permissions of the file that it points to.",
        ("GNU/Linux tutorials", "Unix-like filesystem", "Links"),
    ),
]


@pytest.mark.parametrize(("path", "sentence", "headings"), WHOLE, ids=[f"{p.name}:{s[:30]}" for p, s, _ in WHOLE])
def test_sentences_with_inline_markup_come_out_whole(path: Path, sentence: str, headings: tuple[str, ...]) -> None:
    doc = loaded(path)
    spans = {doc.text[span.start : span.end]: span for span in split_sentences(doc.text)}
    assert sentence in spans, f"not one sentence of {path.name}"
    assert doc.heading_path_at(spans[sentence].start)[-len(headings) :] == headings


def test_an_option_wrapped_to_a_line_of_its_own_stays_in_its_sentence() -> None:
    # Manual pages are hard-wrapped: an option falls at a line's start wherever the line ends (loader 47).
    said = {" ".join(sentence.split()) for sentence in sentences(loaded(POSTFIX / "postcat.1.html"))}
    assert "To view message content only, specify -bh (Postfix 2.7 and later)." in said
    said = {" ".join(sentence.split()) for sentence in sentences(loaded(POSTFIX / "postsuper.1.html"))}
    assert "With -e, such a message would not be returned to the sender until it is released with -f or -H." in said
    # The labels of an option list stay apart from its first entry.
    said = {" ".join(sentence.split()) for sentence in sentences(loaded(POSTFIX / "postmulti.1.html"))}
    assert {"Other options", "Instance selection"} <= said


def test_an_epub_reads_its_chapters_in_order_without_its_table_of_contents() -> None:
    doc = loaded(LIVE / "live-manual.en.epub")
    assert doc.title == "Live Systems Manual"
    # The book's first page is a table of contents: each entry's title comes out once, in its chapter.
    assert doc.text.count("1.4.1 Applying changes") == 1
    chapters = [doc.text.index(heading) for heading in ("1. About this manual", "4. The basics", "9. Customizing contents")]
    assert chapters == sorted(chapters)
    assert "lb config" in doc.code  # inline <tt>, as on the web


def test_a_sphinx_epubs_table_of_contents_is_dropped() -> None:
    doc = loaded(POLICY / "policy.epub")
    assert doc.title == "Debian Policy Manual"
    # The first page's toctree lists every section; each title now comes out once, as its section's heading.
    assert doc.text.count("1.3.1. Early history") == 1
    early = doc.text.index("1.3.1. Early history")
    assert doc.heading_path_at(early) == (
        "Debian Policy Manual",
        "1. About this manual",
        "1.3. Authors and Maintainers",
        "1.3.1. Early history",
    )


def test_compressed_manuals_read_as_their_uncompressed_kind() -> None:
    # Debian ships parts of its documentation compressed: Python's changelog as HTML, Debian Reference as text too.
    changelog = loaded(PYDOCS / "whatsnew/changelog.html.gz")
    sentence = "bpo-45494: Fix parser crash when reporting errors involving invalid continuation characters."
    spans = {changelog.text[span.start : span.end]: span for span in split_sentences(changelog.text)}
    assert changelog.heading_path_at(spans[sentence].start)[-2:] == ("Python 3.11.0 alpha 2", "Core and Builtins")
    # The text edition holds the HTML edition's sentence, word for word (its lines are wrapped).
    text, html = loaded(REFERENCE / "debian-reference.en.txt.gz"), loaded(REFERENCE / "ch01.en.html")
    start = html.text.index("The symlink always has nominal file access permissions of")
    sentence = html.text[start : html.text.index("points to.", start) + len("points to.")]
    assert " ".join(sentence.split()) in " ".join(text.text.split())
    assert text.title == "Debian Reference"


def test_a_pdf_chapters_running_title_does_not_split_a_sentence() -> None:
    # The Filesystem Hierarchy Standard (compressed, as Debian ships it) heads each page with its chapter's title, on
    # 14 of its 50 pages at most: a sentence across a page break ran through it.
    fhs = loaded(POLICY / "fhs/fhs-3.0.pdf.gz")
    sentence = (
        "Conversely, if no restoration from the root partition is ever expected, then these binaries might be omitted "
        "(e.g., a ROM chip root, mounting /usr through NFS). If restoration of a system is planned through the "
        "network, then ftp or tftp (along with everything necessary to get an ftp connection) must be available on "
        "the root partition."
    )
    assert sentence in " ".join(fhs.text.split())
    for title in ("The Root Filesystem", "The /usr Hierarchy", "The /var Hierarchy"):
        assert title not in fhs.text.split("\n\n")
    # A short chapter's title atop one or two pages repeats too little to tell; where it stands tells it.
    for chapter, title in (("6", "Operating System Specific Annex"), ("7", "Appendix")):
        assert title not in fhs.text.split("\n\n") and f"Chapter {chapter}. {title}" in fhs.text
    # A footnote's mark set a space apart from its full stop goes, so that the sentence ends there.
    flat = " ".join(fhs.text.split())
    assert "under the / and /usr filesystems. Manual pages are stored in" in flat
    assert "filesystems. 11" not in flat and "other subdirectories. 17" not in flat
    # Nor is the table of contents indexed ("3.4.1. Purpose ........ 5"): its entries name every section.
    assert "......" not in fhs.text and ". . . . ." not in loaded(POLICY / "policy.pdf.gz").text


def test_a_pdf_paragraph_runs_on_past_the_footnotes_at_its_page_end() -> None:
    # Debian Policy's footnotes stand at the foot of the page, between the two parts of a paragraph that runs on to
    # the next page; the paragraph is whole, and the note follows it.
    policy = loaded(POLICY / "policy.pdf.gz")
    paragraph = (
        "folded The value of a folded field is a logical line that may span several lines. The lines after the first "
        "are called continuation lines and must start with a space or a tab."
    )
    assert paragraph in policy.text
    note = "1 dpkg’s internal databases are in a similar format."
    assert f"is not significant in the field values of folded fields.\n\n{note}" in policy.text


def test_a_site_menu_and_contents_before_the_title_are_dropped() -> None:
    # SQLite's pages open with the site's menu and, on longer pages, a table of contents of the page's own anchors.
    about = loaded(SQLITE / "about.html")
    assert "Documentation\n\nDownload" not in about.text and "Purchase" not in about.text
    assert about.text.startswith("Small. Fast. Reliable.\nChoose any three.\n\nAbout SQLite\n\nExecutive Summary")
    wal = loaded(SQLITE / "wal.html")
    assert "Table Of Contents" not in wal.text and wal.text.count("2.1. Checkpointing") == 1
    assert wal.heading_path_at(wal.text.index("The default method by which SQLite implements atomic commit")) == ("1. Overview",)
    # A list of links to the functions a page documents, after its title, stays.
    assert "sqlite3_prepare_v2" in loaded(SQLITE / "c3ref/prepare.html").text


def test_an_exponent_reads_as_a_power_and_a_footnote_mark_goes() -> None:
    # The text alone said "(232 bytes)" and "x16 + x12 + x5 + 1": numbers the pages never state.
    assert "more than 4 GB of RAM (2^32 bytes)." in loaded(HANDBOOK / "sect.installation-steps.html").text
    assert "polynomial x^16 + x^12 + x^5 + 1," in loaded(PYDOCS / "library/binascii.html").text
    # A footnote's mark glued to a word is no part of the sentence (and a quoted "[3]" would read as a citation).
    assert "too many ways to manage" in loaded(REFERENCE / "ch09.en.html").text
    assert "a strict subset of JavaScript)." in loaded(PYDOCS / "library/json.html").text


def test_a_sentence_across_a_page_break_is_one_sentence_with_both_pages() -> None:
    doc = loaded(BASH / "bashref.pdf")
    sentence = (
        "If the nocasematch shell option (see the description of shopt in Section 4.3.2 [The Shopt Builtin], page 71) "
        "is enabled, the match is performed without regard to the case of alphabetic characters."
    )
    starts = [span.start for span in split_sentences(doc.text) if doc.text[span.start : span.end] == sentence]
    assert any(doc.page_at(start) == 20 and doc.page_at(start + len(sentence) - 1) == 21 for start in starts)


def test_a_pdf_paragraph_cut_by_a_page_after_of_or_or_goes_on_with_a_number() -> None:
    # Page 123 ends "the GNU FDL (versions 1.2 or" and page 124 opens "1.3), and the Mozilla Public License ...".
    policy = loaded(POLICY / "policy.pdf.gz")
    at = policy.text.find("the GNU FDL (versions 1.2 or 1.3), and the Mozilla Public License (version 1.1 or 2.0)")
    assert at >= 0 and (policy.page_at(at), policy.page_at(at + 60)) == (123, 124)


def test_a_pdf_identifier_broken_after_an_underscore_is_one_word() -> None:
    # Texinfo breaks code after an underscore and prints no hyphen: "READLINE_" / "LINE" at a line's end and start.
    text = loaded(BASH / "bashref.pdf").text
    assert "the shell sets the READLINE_LINE variable" in text and "exceeds PATH_MAX when" in text
    assert "any other LC_ variable" in text  # an underscore written before a space stays so


def test_a_pdf_option_tilde_and_caret_set_as_typeset_glyphs_read_as_typed() -> None:
    # groff sets an option's dash as a minus sign, "~" and "^" as spacing accents: "−−login", "˜/.bashrc", "ˆ".
    text = loaded(BASH / "bash.pdf").text
    assert "--login Equivalent to -l." in text and "This implies the -n option" in text
    assert "initialization file ~/.bashrc if the shell is interactive" in text and "${parameter^pattern}" in text
    assert not {"\u2212", "\u02dc", "\u02c6"} & set(text)


def test_a_pdf_set_by_word_positions_keeps_its_spaces() -> None:
    # groff sets words apart by position alone, and PDFium ran some together ("butthe", "invokedwith", "command_string.Ifthere").
    text = loaded(BASH / "bash.pdf").text
    assert "but the value of the PATH variable is not used to search for the filename." in text
    assert "If bash is invoked with the name sh" in text
    assert "commands are read from the first non-option argument command_string. If there are" in text


def test_a_pdf_underscore_drawn_as_a_rule_is_read_as_one() -> None:
    # Texinfo's slanted typewriter type draws "_" as a stroke, not a character: PDFium read a space there.
    text = loaded(BASH / "bashref.pdf").text
    assert "[-O shopt_option] [argument ...]" in text and "kill -l|-L [exit_status] Send a signal" in text
    assert "from the first non-option argument command_string, then exit." in text
    assert "dispositions are set to SIG_DFL and those" in text and "_ ($_, an underscore.)" in text
    assert "bash [long-opt] [-ir]" in text  # a space beside no stroke stays a space


@pytest.mark.parametrize(
    "path",
    [HANDBOOK / "sect.task-scheduling-cron-atd.html", HANDBOOK / "sect.apt-get.html", REFERENCE / "ch02.en.html"],
    ids=lambda path: path.name,
)
def test_docbook_navigation_is_dropped(path: Path) -> None:
    doc = loaded(path)
    assert not {"Prev", "Next", "Up", "Home", "Table of Contents"} & set(blocks(doc))
    assert "Download the ebook" not in doc.text
    assert not re.search(r"(?m)^(Prev|Next)\S", doc.text)  # "Prev9.6. The inetd Super-Server"


def test_postgresql_notes_sit_inside_their_subsection_and_its_parameters_after_them() -> None:
    doc = loaded(POSTGRES / "runtime-config-connection.html")
    settings = ("20.3. Connections and Authentication", "20.3.1. Connection Settings")
    after_note = "Specifies the number of TCP keepalive messages that can be lost before the server's connection to the"
    assert doc.heading_path_at(doc.text.index(after_note)) == settings  # was "... > Note", after a note's h3
    note = "On Windows, setting a value of 0 will set this parameter to 2 hours"
    assert doc.heading_path_at(doc.text.index(note)) == (*settings, "Note")
    whole = (  # a link and two <code class="varname"> inside
        "Whenever the number of active concurrent connections is at least max_connections minus "
        "superuser_reserved_connections, new connections will be accepted only for superusers, and no new replication "
        "connections will be accepted."
    )
    assert whole in sentences(doc) and "superuser_reserved_connections" in doc.code
    assert not {"Prev", "Next", "Up", "Home", "Submit correction"} & set(blocks(doc))


def test_every_handbook_page_loses_its_navigation() -> None:
    loaded(HANDBOOK / "index.html")  # skips without the package
    for path in sorted(HANDBOOK.glob("*.html")):
        doc = load(path)
        assert not {"Prev", "Next", "Up", "Home", "Download the ebook"} & set(blocks(doc)), path.name


def test_the_handbooks_package_names_are_code_words() -> None:
    # Publican writes a package name as <span class="pkg">, not as <code>: the answerer reads it as a name.
    doc = loaded(HANDBOOK / "sect.dhcp.html")
    assert "The matching Debian package is isc-dhcp-server." in doc.text
    assert "isc-dhcp-server" in doc.code and "bind" in doc.code


def test_an_api_description_is_quoted_with_its_signature_on_the_real_page() -> None:
    # Sphinx writes the signature alone on its line, the description in the block below (assistant/extractive.py).
    doc = loaded(PYDOCS / "library/zipfile.html")
    start = doc.text.index("ZipFile.extractall(")
    text = doc.text[start - 300 : start + 700]
    page = passage(text, 5.0, title="zipfile", source="library/zipfile.html")
    answerer = ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_score=-100)  # type: ignore[arg-type]
    considered = answerer.answer("How do I unpack every member of an archive?", [page]).considered
    described = next(c for c in considered if c.text.startswith("Extract all members from the archive"))
    assert text[slice(*described.quoted)].startswith("ZipFile.extractall(path=None, members=None, pwd=None)")


def test_a_variable_is_quoted_with_its_description_on_the_real_page() -> None:
    # Texinfo writes a variable's name in a <dt> and its description, which never repeats it, in the <dd> below.
    doc = loaded(BASH / "bashref.html")
    start = doc.text.index("PIPESTATUS\n\nAn array variable")
    text = doc.text[start - 300 : start + 500]
    page = replace(passage(text, 5.0, title="Bash Reference Manual", source="bashref.html"), code=code_terms(doc.code, doc.text))
    answerer = ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_score=-100)  # type: ignore[arg-type]
    considered = answerer.answer("Which variable holds the exit status of each command of a pipeline?", [page]).considered
    described = next(c for c in considered if c.text.startswith("An array variable"))
    assert described.judged.startswith("PIPESTATUS\n\nAn array variable (see Arrays) containing a list of exit status values")


def test_a_later_sentence_of_a_parameters_description_is_read_with_the_parameter_on_the_real_page() -> None:
    # PostgreSQL describes each parameter under its name and type; "The default is ..." comes sentences later and names
    # neither the parameter nor what it sets.
    doc = loaded(POSTGRES / "runtime-config-autovacuum.html")
    start = doc.text.index("autovacuum_naptime (integer)")
    page = replace(
        passage(doc.text[start : start + 700], 5.0, source="runtime-config-autovacuum.html"), code=code_terms(doc.code, doc.text)
    )
    answerer = ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), min_score=-100)  # type: ignore[arg-type]
    considered = answerer.answer("How long does the autovacuum daemon sleep between runs, by default?", [page]).considered
    default = next(c for c in considered if c.text == "The default is one minute (1min).")
    first = "autovacuum_naptime (integer) Specifies the minimum delay between autovacuum runs on any given database."
    assert default.subject == first
    assert first in default.reading and default.reading.endswith("it is taken as seconds. The default is one minute (1min).")
    assert default.overlap > 0.5  # "autovacuum", "runs" are the description's words, and so its own
    assert default.quoted == (default.start, default.end)  # quoted as written, alone
    # The next parameter's sentences are about that one.
    threshold = next(c for c in considered if c.text == "The default is 50 tuples.")
    assert threshold.subject.startswith("autovacuum_vacuum_threshold (integer) Specifies the minimum number of updated")


def test_sphinx_furniture_is_dropped() -> None:
    doc = loaded(PYDOCS / "library/os.html")
    for furniture in ("Previous topic", "Next topic", "This Page", "Show Source", "Quick search", "¶", "Please donate"):
        assert furniture not in doc.text
    assert "Navigation" not in blocks(doc)


@pytest.mark.parametrize("page", ["mod/mod_rewrite.html", "howto/htaccess.html", "programs/apachectl.html", "mpm.html"])
def test_apache_manual_header_footer_and_permalinks_are_dropped(page: str) -> None:
    doc = loaded(APACHE / page)
    for furniture in ("Apache HTTP Server Version 2.4\n", "Copyright 20", "Licensed under", "Available Languages", "¶"):
        assert furniture not in doc.text
    assert "Modules | Directives | FAQ" not in doc.text
    assert all(not heading.endswith(("¶", " ")) for section in doc.sections for heading in section.path)


def test_apache_manual_table_cell_holding_a_note_keeps_its_blocks() -> None:
    # mod_proxy's table of ProxyPass keys: the "mapping" row's description cell holds paragraphs, code and a titled
    # note, so the row is read as blocks (it was one line of cells, its code blocks flattened into it).
    doc = loaded(APACHE / "mod/mod_proxy.html")
    assert 'ProxyPass "/special%3Fsegment" "https://example.com/special%3Fsegment" mapping=encoded' in blocks(doc)
    assert (
        "mapping=encoded prevents the %-decoding of the uri-path so that one can use for instance configurations like:"
        in blocks(doc)
    )


def test_apache_manual_sentences_come_out_whole_under_their_headings() -> None:
    doc = loaded(APACHE / "mod/mod_rewrite.html")
    assert (
        "The log level can be set specifically for mod_rewrite using the LogLevel directive: Up to level debug, no actions"
        " are logged, while trace8 means that practically all actions are logged."
    ) in sentences(doc)
    assert ("Apache Module mod_rewrite", "Logging") in [section.path for section in doc.sections]


def test_asciidoc_footer_goes_and_its_notes_read_as_prose() -> None:
    doc = loaded(GIT / "git-rebase.html")
    assert "Last updated" not in doc.text
    assert doc.text.startswith("git-rebase(1) Manual Page\n\nNAME\n\ngit-rebase - Reapply commits on top of another base tip")
    assert (
        "ORIG_HEAD is not guaranteed to still point to the previous branch tip at the end of the rebase if other commands"
        " that write that pseudo-ref (e.g. git reset) are used during the rebase."
    ) in sentences(doc)
    assert "Note |" not in doc.text


def test_doxygen_pages_keep_their_text_and_lose_their_table_of_contents() -> None:
    # Every page of a Doxygen manual holds its text in a block classed "contents", which read as a table of contents
    # left each page its title alone.
    doc = loaded(DOXYGEN / "starting.html")
    assert "If you omit the file name, a file named Doxyfile will be created." in sentences(doc)  # inline <code> inside
    assert "Step 1: Creating a configuration file" in blocks(doc)
    assert "Table of Contents" not in doc.text
    assert len(doc.text) > 10_000


def test_texinfo_navigation_rows_are_dropped() -> None:
    doc = loaded(BASH / "bashref.html")
    assert not re.search(r"(?m)^(Next|Previous|Up): ", doc.text)
    assert "[Contents][Index]" not in doc.text
    assert "¶" not in doc.text


def test_texinfo_contents_menus_and_printed_indexes_are_dropped() -> None:
    doc = loaded(BASH / "bashref.html")
    # The table of contents, each chapter's menu of its sections and the five printed indexes are links to the page
    # itself: as text they were 26 kB of headings and "alias expansion: | Aliases" rows that keyword search ranked high.
    assert "Table of Contents" not in [path[-1] for path in (section.path for section in doc.sections)]
    assert "1 Introduction\n\n1.1 What is Bash?\n\nBash is the shell" in doc.text  # no "What is Bash?" menu between
    assert "Jump to:" not in doc.text and "Index Entry | Section" not in doc.text
    assert "alias expansion: | Aliases" not in doc.text
    # The indexes' headings stay, and every sentence of the manual does.
    assert "D.5 Concept Index" in blocks(doc)
    assert "($?) Expands to the exit status of the most recently executed foreground pipeline." in doc.text


def test_pdf_running_headers_footers_and_page_numbers_are_dropped() -> None:
    bash = loaded(BASH / "bashref.pdf")
    assert not re.search(r"(?m)^Chapter \d+: [^\n]* \d+$", bash.text)  # odd pages: "Chapter 3: Basic Shell Features 15"
    assert bash.text.count("Bash Reference Manual") < 5  # even pages carried it ~100 times
    assert sum(1 for block in blocks(bash) if re.fullmatch(r"[ivxl\d]+", block)) < 5  # 196 pages carried a number
    reference = loaded(REFERENCE / "debian-reference.en.pdf")
    assert not re.search(r"Debian Reference \d+ / \d+", reference.text)
    # Every page has its span but those of nothing but contents (pages 4-6) and index entries (the last 12).
    numbers = [page.number for page in bash.pages]
    missing = set(range(1, numbers[-1] + 13)) - set(numbers)
    assert numbers == sorted(numbers) and missing and all(4 <= n <= 6 or n > numbers[-1] for n in missing)
    assert not any(w.startswith(("page 4 ", "page 5 ", "page 6 ")) for w in bash.warnings)
    assert all(a.end <= b.start for a, b in zip(bash.pages, bash.pages[1:], strict=False))


def test_html_code_blocks_stay_intact() -> None:
    import lxml.html

    for path in (HANDBOOK / "sect.task-scheduling-cron-atd.html", PYDOCS / "library/functions.html"):
        doc = loaded(path)
        markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", path.read_text("utf-8"))
        pres = lxml.html.document_fromstring(markup).iter("pre")
        verbatim = ["\n".join(line.rstrip() for line in "".join(pre.itertext()).strip("\n").split("\n")) for pre in pres]
        assert verbatim, path.name
        for code in verbatim:
            assert f"\n\n{code.rstrip()}\n\n" in f"\n\n{doc.text}\n\n", f"{path.name}: {code[:40]!r}"


def test_pdf_and_rest_code_blocks_keep_their_lines() -> None:
    bash = loaded(BASH / "bashref.pdf")
    example = next(block for block in blocks(bash) if block.startswith('echo -n "Enter the name of an animal: "'))
    assert [line.strip() for line in example.split("\n")] == [
        'echo -n "Enter the name of an animal: "',
        "read ANIMAL",
        'echo -n "The $ANIMAL has "',
        "case $ANIMAL in",
        'horse | dog | cat) echo -n "four";;',
        'man | kangaroo ) echo -n "two";;',
        '*) echo -n "an unknown number of";;',
        "esac",
        'echo " legs."',
    ]
    functions = loaded(PYDOCS / "_sources/library/functions.rst.txt")
    code = "def all(iterable):\n    for element in iterable:\n        if not element:\n            return False\n    return True"
    assert code in blocks(functions)


def test_rest_sources_lose_their_markup() -> None:
    doc = loaded(PYDOCS / "_sources/library/functions.rst.txt")
    prose = "\n\n".join(block for block in blocks(doc) if not block.startswith((">>>", "def ", "class ")) and "\n" not in block)
    assert not re.search(r":[a-z]+:`|``|^\.\. |\|func-", prose, re.MULTILINE)
    assert "abs(x)" in blocks(doc) and "New in version 3.10." in blocks(doc)


def test_a_field_of_a_field_list_is_read_as_one_line() -> None:
    """Sphinx's "Author: Gordon McMillan" is a statement; its label alone on a line and its value on the next are not."""
    sockets = blocks(loaded(PYDOCS / "howto/sockets.html"))
    assert "Author: Gordon McMillan" in sockets
    assert "Author" not in sockets and "Gordon McMillan" not in sockets
    assert {"author: Peter Moody", "author: Nick Coghlan"} <= set(blocks(loaded(PYDOCS / "howto/ipaddress.html")))
    # A field whose value is several blocks (a function's "Parameters:" list) keeps them as they are.
    sqlite = blocks(loaded(PYDOCS / "library/sqlite3.html"))
    parameters = sqlite.index("Parameters:")
    assert sqlite[parameters + 1].startswith("database (path-like object) – The path to the database file")


def test_myst_sources_read_as_their_built_pages_show_them() -> None:
    local = loaded(PIP / "topics/local-project-installs.md")
    assert (
        "Changed in version 21.3: The project being installed is no longer copied to a temporary directory before "
        "invoking the build system, by default."
    ) in sentences(local)
    assert "$ pip install -e path/to/SomeProject" in blocks(local)  # pip's own {pip-cli} directive, as written
    assert "This is functionally the same as setuptools' develop mode, and that's precisely the mechanism" in local.text
    certificates = loaded(PIP / "topics/https-certificates.md")
    assert "uses a bundled CA certificate store from certifi." in certificates.text  # {pypi}`certifi`
    assert "New in version 22.2. Experimental support, behind --use-feature=truststore." in blocks(certificates)
    assert (
        "first introduced in PEP 518 and later expanded in PEP 517"
        in loaded(PIP / "reference/build-system/pyproject-toml.md.gz").text
    )
    index = loaded(PIP / "index.md")
    assert "getting-started" not in index.text and ":hidden:" not in index.text  # the toctree is navigation
    for path in sorted(PIP.rglob("*.md*")):
        text = loaded(path).text
        # No role, directive fence, colon fence, target or footnote mark is left in any page's text.
        assert not re.search(r"\{[a-z][\w:.-]*\}\S|^```|^:::|^\([\w -]+\)=$|\[\^\w+\]", text, re.MULTILINE), path.name


def test_a_manual_page_keeps_each_option_over_its_whole_description() -> None:
    bash = loaded(BASH_MAN)
    assert bash.title == "bash - GNU Bourne-Again SHell"  # the NAME line
    # set's -e: its term a block of its own, its description whole after it, under the section it sits in.
    exit_at_once = (
        "Exit immediately if a pipeline (which may consist of a single simple command), a list, or a compound command "
        "(see SHELL GRAMMAR above), exits with a non-zero status. The shell does not exit if the command that fails is"
    )
    assert any(term == "-e" and text.startswith(exit_at_once) for term, text in pairwise(blocks(bash)))
    at = bash.text.index("Exit immediately if a pipeline")
    assert bash.heading_path_at(at) == ("bash - GNU Bourne-Again SHell", "SHELL BUILTIN COMMANDS")
    # Bold and italic stay inside their sentence, and source lines join.
    assert "If the -c option is present, then commands are read from the first non-option argument command_string." in (
        sentences(bash)
    )
    assert "When an interactive shell that is not a login shell is started, bash reads and executes commands from " in bash.text
    assert {"-e", "pipefail", "nullglob", "PROMPT_COMMAND"} <= set(bash.code)  # set in bold: names
    assert "BASH(1)" not in bash.text and "2022 September" not in bash.text  # the running header and footer
    # An mdoc(7) page reads the same way: its flags over their descriptions.
    mandoc = loaded(MANDOC_MAN)
    assert mandoc.title == "mandoc - format manual pages"
    assert "-K encoding\n\nSpecify the input encoding." in mandoc.text
    assert "The mandoc utility formats manual pages for display." in sentences(mandoc)


def test_an_info_manual_reads_node_by_node_with_its_tables_and_without_menus() -> None:
    bash = loaded(BASH_INFO)
    assert bash.title == "Bash Features"  # the Top node's title
    # set's -e: its term a block of its own over its whole description, under the node's chapter and sections.
    exit_at_once = (
        "Exit immediately if a pipeline (see Pipelines), which may consist of a single simple command (see Simple "
        "Commands), a list (see Lists), or a compound command (see Compound Commands) returns a non-zero status."
    )
    assert any(term == "-e" and text.startswith(exit_at_once) for term, text in pairwise(blocks(bash)))
    at = bash.text.index("Exit immediately if a pipeline")
    assert bash.heading_path_at(at) == (
        "Bash Features",
        "4 Shell Builtin Commands",
        "4.3 Modifying Shell Behavior",
        "4.3.1 The Set Builtin",
    )
    # set's synopsis, an example inside its table item, keeps its lines.
    assert "set [-abefhkmnptuvxBCEHPT] [-o OPTION-NAME] [--] [-] [ARGUMENT ...]\nset [+abefhkmnptuvxBCEHPT]" in bash.text
    # Filled lines join into whole sentences; quoted code is its text, and code.
    assert {"set", "-e", "pipefail", "shopt"} <= set(bash.code)
    assert not re.search(r"^\* Menu:|\(line +\d+\)|\x1f|Tag Table:", bash.text, re.MULTILINE)  # menus, index, tags
    # zsh's manual starts a menu on the line right after a paragraph: the paragraph ends there, and the menu is dropped.
    zsh = loaded(ZSH_INFO)
    assert (
        "Zsh has command line editing, builtin spelling correction, programmable command completion, shell functions "
        "(with autoloading), a history mechanism, and a host of other features."
    ) in sentences(zsh)
    assert "* Menu:" not in zsh.text and "Author::" not in zsh.text
    policy = loaded(POLICY_INFO)
    assert policy.title == "Debian Policy Manual"
    assert (
        "Every package must specify the dependency information about other packages that are required for the first to "
        "work correctly."
    ) in sentences(policy)
    # A reference inside a sentence reads as its node's name, as the printed manual has it.
    assert "is described in Declaring relationships between packages." in policy.text
    # A definition list as Sphinx's Texinfo writer sets it (the term, a blank line, the description indented): the
    # term a block over its description, filled lines joined, not read as an example.
    assert (
        "upstream\n\nThe source of software that is being packaged, or the portion of a software package that "
        "originates from outside of Debian. For example,"
    ) in policy.text


def test_debian_releases_read_as_a_table_each_row_under_its_columns() -> None:
    releases = loaded(DEBIAN_RELEASES)
    assert releases.title == "debian"
    rows = blocks(releases)
    assert rows[0] == "version: 1.1 | codename: Buzz | series: buzz | created: 1993-08-16 | release: 1996-06-17 | eol: 1997-06-05"
    bullseye = next(row for row in rows if "Bullseye" in row)
    assert bullseye.startswith("version: 11 | codename: Bullseye | series: bullseye | created: 2019-07-06 | release: 2021-08-14")
    assert bullseye in sentences(releases)  # one sentence: quoted whole
    # A row with no version (the unstable distribution) names what it has; the header is no row of its own.
    assert "codename: Sid | series: sid | created: 1993-08-16" in rows and not any(row.startswith("version |") for row in rows)


def test_a_notebook_reads_its_markdown_whole_its_code_verbatim_and_what_it_printed() -> None:
    notebook = loaded(NBCONVERT)
    assert notebook.title == "Using nbconvert as a library"
    # Inline code and links stay inside their sentence; the section is the cell's heading under the notebook's title.
    principle = (
        "The main principle of nbconvert is to instantiate an Exporter that controls the pipeline through which "
        "notebooks are converted."
    )
    assert principle in sentences(notebook)
    assert notebook.heading_path_at(notebook.text.index(principle)) == ("Using nbconvert as a library", "Quick overview")
    assert "Exporter" in notebook.code and "pip install requests" in notebook.code
    # A code cell is kept verbatim, its comments and line breaks too, and its printed output follows it.
    assert "# 1. Import the exporter\nfrom nbconvert import HTMLExporter\n" in notebook.text
    assert "print(body[:400] + '...')\n\n<!DOCTYPE html>" in notebook.text
    # Images (inline base64 PNG) and HTML output are not text.
    assert "iVBORw0KGgo" not in notebook.text and "image/png" not in notebook.text


def test_an_open_spreadsheet_reads_each_sheet_under_its_name_each_row_with_its_columns() -> None:
    countries = loaded(COUNTRIES)
    rows = blocks(countries)
    # A header written over two lines in its cell ("Population" / "in millions") is one name; a number is read as the
    # sheet shows it ("30,510", whose value is 30510).
    assert "Country: Belgium | Population in millions: 10.5 | Area km2: 30,510 | Pop. density People/km2: 344" in rows
    assert "HDI Rank: 8 | Country: Japan | 2005: 953" in rows  # a year names a column beside words
    assert [section.path for section in countries.sections] == [("countrystatistics", "Population"), ("countrystatistics", "HDI")]
    at = countries.text.index("HDI Rank: 8 |")
    assert countries.heading_path_at(at) == ("countrystatistics", "HDI") and at in countries.breaks  # chunked alone
