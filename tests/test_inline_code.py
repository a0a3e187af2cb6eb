"""Inline code marked by a document names things however they are written: `atrm`, `sponge`, `isc-dhcp-server`.

Technical answers are lower-case words that only the markup tells apart from prose. The readers keep the
texts of inline code (``LoadedDocument.code``), each chunk stores the code words it holds, and a "which
command / package" question is answered by the sentence that names one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.retrieval import Passage
from assistant.shapes import shape_of
from index.formats.html import read_html
from index.formats.markdown import read_markdown
from index.formats.rst import read_rst
from index.loader import load
from index.nodes import NodeBuilder
from index.text import code_terms, man_names

CANCEL = "For at tasks, it is almost as easy: run atrm task-number."
_PAGE = """<html><head><title>Scheduling</title></head><body>
<div class="navheader"><a accesskey="p" href="a.html">Prev</a> <a accesskey="n" href="c.html">Next</a></div>
<h1>Scheduling tasks with cron and atd</h1>
<p>To cancel a task scheduled by <code>cron</code>, simply run <code class="command">crontab -e</code> and delete
the corresponding line in the <code class="filename">crontab</code> file.</p>
<p>For <code class="command">at</code> tasks, it is almost as easy:
run <code class="command">atrm <em>task-number</em></code>.</p>
<p>The task number is shown when the task is scheduled, and it can be found again with the listing command.</p>
</body></html>"""


def test_each_reader_keeps_the_texts_of_inline_code_in_order() -> None:
    html = read_html(_PAGE)
    assert CANCEL in html.text
    assert html.code == ["cron", "crontab -e", "crontab", "at", "atrm task-number"]
    assert read_html("<p>Press <kbd>Ctrl-Alt-F3</kbd>; see <var>HOME</var> and <samp>ok</samp>.</p>").code == [
        "Ctrl-Alt-F3",
        "HOME",
        "ok",
    ]
    # A table of packages marks its names too.
    table = "<table><tr><th>package</th><th>tool</th></tr><tr><td><code>moreutils</code></td><td>sponge</td></tr></table>"
    assert read_html(table).code == ["moreutils"]
    # DocBook writes some of its code marks as spans named after the DocBook element: Publican's package names.
    publican = '<p>The matching Debian package is <span class="pkg pkg">isc-dhcp-server</span>, see <span class="emphasis">'
    publican += 'this</span> and <span class="refentrytitle">dhcpd.conf</span>(5).</p>'
    assert read_html(publican).code == ["isc-dhcp-server", "dhcpd.conf"]
    # Code blocks are blocks of their own, not inline names.
    assert read_html("<pre>apt install sponge</pre><p>Done.</p>").code == []
    markdown = read_markdown("# Tools\n\nInstall `moreutils` for `sponge`.\n\n| package | tool |\n|---|---|\n| `x` | y |\n")
    assert markdown.code == ["moreutils", "sponge", "x"]
    assert "Install moreutils for sponge." in markdown.text
    rst = read_rst("Title\n=====\n\nUse :func:`os.path.expanduser` on ``~``; see :ref:`the tutorial <tut>`.\n")
    assert rst.code == ["os.path.expanduser()", "~"]  # a :ref: shows prose, not code


def test_code_terms_leave_out_words_of_the_prose() -> None:
    # "at" is the at command there, and the preposition everywhere else: a stopword never counts as code.
    assert code_terms(["at", "atrm task-number", "isc-dhcp-server", "The"]) == {"atrm", "task-number", "isc-dhcp-server"}


def test_a_manual_pages_names_are_code_however_it_sets_them() -> None:
    # The names its NAME section documents (as ``whatis`` reads them) and the pages it cites with their sections.
    page = "NAME\n\ngzip, gunzip, zcat - compress or expand files\n\nSee git-config(1), crontab(5); not Smith(2001)."
    assert man_names(page) == ["git-config", "crontab", "gzip", "gunzip", "zcat"]
    assert code_terms([], page) == {"git-config", "crontab", "gzip", "gunzip", "zcat"}
    # A name the page writes in its prose more often than so is still prose: "git" of "git(1)" in a git manual.
    assert code_terms([], "See git(1). Use git to commit, and git to push.") == frozenset()
    assert man_names("The name - a dash in prose.\n\nNAME\n\nNot a man page line") == []


def test_a_word_written_more_often_in_prose_than_as_code_is_prose() -> None:
    # The placeholder of `edquota user` is the prose's "user" in every other sentence of the page: taken for code, it
    # made any sentence about a user look like it named a command.
    text = "Run edquota user to set a quota. The user is warned. Each user may exceed it. Use edquota -t for the grace."
    assert code_terms(["edquota user", "edquota -t"], text) == {"edquota", "-t"}
    # Written as code as often as in prose, or only as code, a word stays code; stopwords never are.
    assert code_terms(["sponge", "at"], "Pipe it to sponge. The sponge command soaks up input.") == {"sponge"}
    assert code_terms(["atrm task-number"], "Run atrm task-number.") == {"atrm", "task-number"}
    # A page that writes nothing as code has no code terms, whatever its text.
    assert code_terms([], text) == frozenset()


def test_a_placeholder_is_not_stored_as_a_chunk_code_word(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "quota.html"
    page.write_text(
        "<html><body><h1>Quotas</h1><p>Run <code>edquota user</code> to set a user's limits.</p>"
        "<p>After the grace period, the user will have to reduce their disk usage.</p>"
        "<p>With <code>edquota -t</code> the user can define the grace period.</p></body></html>",
        encoding="utf-8",
    )
    nodes = NodeBuilder(embedder, chunk_tokens=200, overlap_sentences=0).build("quota.html", "0" * 64, load(page))
    stored = {word for node in nodes for word in node.metadata["code"].split()}
    assert stored == {"edquota", "-t"}
    grace = "After the grace period, the user will have to reduce their disk usage."
    shape = shape_of("How do I set how long users may stay over their soft quota?")
    assert not shape.gives_step(grace, frozenset(stored)), "a sentence about a user names no command"
    assert shape.gives_step("With edquota -t the user can define the grace period.", frozenset(stored))


def test_each_chunk_stores_the_code_words_it_holds(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "sched.html"
    page.write_text(_PAGE, encoding="utf-8")
    nodes = NodeBuilder(embedder, chunk_tokens=24, overlap_sentences=0).build("sched.html", "0" * 64, load(page))
    assert len(nodes) > 1
    for node in nodes:
        stored = set(node.metadata["code"].split())
        words = {word.lower() for word in node.text.replace(".", " ").replace(",", " ").split()}
        assert stored <= {"cron", "crontab", "-e", "atrm", "task-number"}
        assert stored <= words, "only code words the chunk itself holds"
    assert any("atrm" in node.metadata["code"].split() for node in nodes if "atrm" in node.text)
    assert all(key != "code" for key in nodes[0].metadata if key not in nodes[0].excluded_embed_metadata_keys), (
        "code words are not embedded"
    )


@pytest.mark.parametrize(
    ("question", "sentence", "code"),
    [
        ("Which command cancels an at job?", CANCEL, {"atrm", "task-number"}),
        ("Which package ships the sponge utility?", "The sponge utility comes with moreutils.", {"moreutils", "sponge"}),
        # "provides" is the question's verb, not a plural of what it asks for: a package name answers.
        (
            "Which Debian package provides the DHCP server?",
            "The matching Debian package is isc-dhcp-server.",
            {"isc-dhcp-server", "bind"},
        ),
    ],
)
def test_a_word_marked_as_code_names_an_answer(question: str, sentence: str, code: set[str]) -> None:
    shape = shape_of(question)
    # Written in lower case, the name is not told from prose by its form alone ...
    assert not shape.states(sentence) and not shape.loosened().states(sentence)
    # ... but the document's markup tells it.
    assert shape.states(sentence, frozenset(code)) or shape.loosened().states(sentence, frozenset(code))


def test_a_code_word_the_question_holds_whole_is_no_answer() -> None:
    shape = shape_of("Which package ships the sponge utility?")
    assert not shape.loosened().states("The sponge utility soaks up its input.", frozenset({"sponge"}))
    assert shape.loosened().states("The sponge utility soaks up its input.", frozenset({"sponge", "input"}))


def test_a_passage_reads_its_code_words_from_the_stored_metadata(citewise) -> None:  # type: ignore[no-untyped-def]
    (citewise.settings.docs_dir / "sched.html").write_text(_PAGE, encoding="utf-8")
    assert citewise.sync().failed == []
    question = "Which command cancels an at job?"
    passages = [p for p in citewise.search(question).relevant if p.source == "sched.html"]
    assert passages and all(isinstance(p, Passage) and "atrm" in p.code for p in passages if "atrm" in p.text)
    # The answerer weighs the sentence that names the command because its document marked it as code ...
    weighed = [c.text for c in citewise.assistant.extractive.weigh(question, passages)]
    assert CANCEL in weighed
    # ... and without the marks it would not have been weighed at all.
    unmarked = [replace(p, code=frozenset()) for p in passages]
    assert CANCEL not in [c.text for c in citewise.assistant.extractive.weigh(question, unmarked)]
