"""The encyclopedia benchmark's corpus: a dictd dictionary's entries written as plain-text files (bench/corpus.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

from bench.casing import (
    COMMANDS,
    GREETINGS,
    OPENERS,
    REQUESTS,
    THANKS,
    absent_requests,
    chattily,
    commanded,
    indirectly,
    requested,
    tersely,
)
from bench.common import read_jsonl
from bench.corpus import QUESTION_SETS, DictCorpus, Question
from bench.wikipedia import articles, wikitext_to_markdown
from index.text import direct_question, requested_subject

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(value: int) -> str:
    digits = ""
    while True:
        value, digit = divmod(value, 64)
        digits = _BASE64[digit] + digits
        if not value:
            return digits


def _dictionary(folder: Path, entries: list[tuple[list[str], str]]) -> Path:
    """A dictd pair: ``<name>.dict.dz`` (gzip, as dictzip is) and ``<name>.index`` (headword, offset, length)."""
    data, lines = b"", []
    for headwords, text in entries:
        raw = text.encode("utf-8")
        lines += [f"{headword}\t{_b64(len(data))}\t{_b64(len(raw))}" for headword in headwords]
        data += raw
    (folder / "test.dict.dz").write_bytes(gzip.compress(data))
    index = folder / "test.index"
    index.write_text("\n".join(lines) + "\n", "utf-8")
    return index


def test_entries_become_plain_text_files_with_the_dictionary_markup_reduced(tmp_path: Path) -> None:
    long_entry = (
        "Eiffel\n\n   <language> An object-oriented language produced by {Bertrand\n   Meyer} in 1985,"
        " described in {Compton's Encyclopedia Online\n   (http://example.org/x.html)}.  Its first release"
        " was introduced in October 1986, by Interactive Software Engineering.\n\n   (1998-11-15)\n"
    )
    index = _dictionary(
        tmp_path,
        [
            (["00-database-info"], "The dictionary's own header, long enough to be kept if it were an entry." * 3),
            (["eiffel", "Eiffel language"], long_entry),  # two headwords, one entry
            (["bit"], "bit\n\n   A binary digit.\n"),  # shorter than min_bytes
        ],
    )
    out = tmp_path / "out"
    out.mkdir()
    corpus = DictCorpus(name="test", package="none", dictionary=index, min_bytes=100, kind="test")
    assert corpus.write_entries(out) == {"files": 1}
    assert [p.name for p in out.iterdir()] == ["eiffel.txt"]
    text = (out / "eiffel.txt").read_text("utf-8")
    assert text.startswith("Eiffel\n\nAn object-oriented language produced by Bertrand\nMeyer in 1985,")
    assert "described in Compton's Encyclopedia Online." in text  # the reference's words, not its address
    assert "{" not in text and "<language>" not in text and "http" not in text
    assert text.rstrip().endswith("(1998-11-15)")


def test_wikitext_becomes_markdown_prose_with_its_sections() -> None:
    wikitext = (
        "{{Infobox lake|name=Lake X|depth=99 m}}\n"
        "'''Lake X''' is a [[lake]] in [[Norway|southern Norway]], 12 km long.<ref>{{cite book|title=Lakes}}</ref>\n"
        "[[File:Lake X.jpg|thumb|The lake in winter]]\n"
        "== History ==\n"
        "It was dammed in 1921 to feed a [[hydroelectricity|power station]].\n"
        "=== Fish ===\n"
        "Trout live in it.\n"
        "[[Category:Lakes of Norway]]\n"
    )
    text = wikitext_to_markdown("Lake X", wikitext)
    assert text.startswith("# Lake X\n\nLake X is a lake in southern Norway, 12 km long.\n")
    assert "\n## History\n" in text and "\n### Fish\n" in text
    assert "It was dammed in 1921 to feed a power station." in text
    for furniture in ("Infobox", "99 m", "cite book", "Lakes", "thumb", "winter", "Category", "[[", "'''"):
        assert furniture not in text, furniture


def test_a_template_that_is_prose_keeps_its_words_and_any_other_goes() -> None:
    wikitext = (
        "It is {{convert|840|m|ft}} high and {{convert|20|-|30|cm}} wide, {{convert|1|to|3|sqmi|km2}} in all.\n"
        "The crew landed near the recovery ship, {{USS|Hornet|CV-12|6}}, on {{dts|1969|07|24}}.\n"
        "Its name is {{lang|fr|Le Lac}}{{'s}} and {{as of|2010|lc=y}} it had {{nowrap|[[fish|trout]] only}}.\n"
        "{{Infobox lake|name=X}}{{citation needed|date=May 2014}}A {{frac|1|1|2}} km walk.{{navbox|lakes}}\n"
    )
    text = wikitext_to_markdown("Lake X", wikitext)
    assert "It is 840 m high and 20–30 cm wide, 1 to 3 sq mi in all." in text
    assert "the recovery ship, USS Hornet, on 24 July 1969." in text
    assert "Its name is Le Lac's and as of 2010 it had trout only." in text
    assert "A 1 1/2 km walk." in text
    for furniture in ("Infobox", "citation", "May 2014", "navbox", "{{", "}}", "|"):
        assert furniture not in text, furniture


def test_an_export_yields_its_articles_and_no_redirect_or_other_namespace() -> None:
    page = "<page><title>{title}</title><revision><text>{text}</text></revision></page>"
    export = (
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/">'
        + page.format(title="Aardvark", text="The '''aardvark''' is a mammal.")
        + page.format(title="AardVark", text="#REDIRECT [[Aardvark]]")
        + page.format(title="Talk:Aardvark", text="A discussion.")
        + "</mediawiki>"
    ).encode()
    assert articles(export) == [("Aardvark", "The '''aardvark''' is a mammal.")]


def test_a_results_file_names_the_cpu_its_scores_came_from() -> None:
    from bench.common import cpu_model

    # int8 kernels differ by instruction set, so the CPU and its VNNI are part of what a results file must say.
    described = cpu_model()
    if Path("/proc/cpuinfo").exists():
        assert described.endswith((" (VNNI)", " (no VNNI)")) and not described.startswith("CPU unknown"), described
    else:
        assert described.endswith(" (VNNI unknown)"), described


def test_the_indirect_wording_opens_a_question_the_answerer_reads_back_as_asked() -> None:
    questions = [
        Question("How much did China donate to the WHO?", id="q1"),
        Question("In what year did DFSG appear?", id="q2"),
    ]
    for question in questions:
        indirect = indirectly(question)
        assert indirect.startswith(OPENERS) and indirect.endswith(question.question[0].lower() + question.question[1:])
        assert indirect == indirectly(question)  # the opening is drawn by the question's id: every run asks the same
        assert direct_question(indirect) == question.question
    assert indirectly(Question("My terminal shows garbage after I cat a binary file. What do I type?", id="q4")) == ""


def test_the_request_wording_asks_for_a_definition_s_subject_the_answerer_reads_back() -> None:
    cases = {
        "What is a coprocess in Bash?": "a coprocess in Bash",
        "What does piuparts do?": "piuparts",
        "What does the term zero-day exploit mean?": "the term zero-day exploit",
    }
    for number, (text, subject) in enumerate(cases.items()):
        question = Question(text, ["x"], id=f"d{number}", kind="definition")
        request = requested(question)
        assert request.startswith(REQUESTS) and request == requested(question)  # drawn by its id, as every run draws it
        assert requested_subject(request) == subject
    # Only a definition that names its subject whole: not one that ends in a preposition, nor another kind.
    assert requested(Question("What is Tails short for?", ["x"], id="d5", kind="definition")) == ""
    assert requested(Question("What is the default port?", ["x"], id="d6", kind="number")) == ""
    # Every request about an absent subject belongs to a question set and a half.
    absent = [request for name in QUESTION_SETS for request in absent_requests(name)]
    assert len(absent) == len(read_jsonl("requests_absent.jsonl")) > 30
    assert {request.split for request in absent} == {"tune", "heldout"} and not any(q.answers for q in absent)


def test_the_command_wording_asks_a_what_is_the_question_as_people_type_it() -> None:
    question = Question("What is the default port of the server?", ["x"], id="c1")
    assert commanded(question).startswith(COMMANDS) and commanded(question).endswith(" the default port of the server")
    assert commanded(Question("What are the ports it opens?", id="c2")) == "List the ports it opens"
    assert commanded(Question("What is a port?", id="c3")) == commanded(Question("How many ports?", id="c4")) == ""


def test_the_chatty_wording_greets_and_thanks_around_a_question_the_answerer_reads_back() -> None:
    worded = set()
    for number in range(40):
        question = Question("How much did China donate to the WHO?", id=f"g{number}")
        chatty = chattily(question)
        assert chatty != question.question and chatty == chattily(question)
        lowered = "how much did China donate to the WHO?"
        pairs = [(g, t) for g in GREETINGS for t in THANKS if g or t]  # never the question alone
        assert any(chatty == g + (question.question if g.endswith("! ") or not g else lowered) + t for g, t in pairs)
        assert direct_question(chatty) == question.question
        worded.add(chatty)
    assert len(worded) > 10  # the greetings and thanks are drawn in many pairs
    assert chattily(Question("My terminal shows garbage. What do I type?", id="g")) == ""


def test_the_terse_wording_keeps_a_question_s_search_terms() -> None:
    assert tersely(Question("How much did China donate to the WHO?", id="t1")) == "China donate WHO"
    assert tersely(Question("Which package is installed?", id="t2")) == "package installed"
    assert tersely(Question("Who is he?", id="t3")) == ""  # nothing to search for
