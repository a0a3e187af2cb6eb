"""Every text function stays linear: properties over text of any shape, and 1 MB pathological inputs in a child process.

A child has 60 s for work that takes about a second: it fails on a return to quadratic time, which takes
many minutes on 1 MB, never on a slow or busy machine. Nothing here times anything else.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path

import polling
import pytest
from browser_support import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from packages import odf_writer
from pdfs import pdf_page

from assistant.citations import renumber_markers
from assistant.condense import condense, is_follow_up, names_another_subject, reasked
from assistant.history import Turn
from assistant.shapes import Shape, expands, shape_of
from assistant.verify import Verifier, _facts_present, _with_markers
from index.chunker import chunk_text
from index.formats.html import read_html
from index.formats.info import read_info
from index.formats.mail import read_mbox
from index.formats.man import read_man
from index.formats.markdown import read_markdown
from index.formats.notebook import read_notebook
from index.formats.pdf import read_pdf
from index.formats.pdflayout import Block, Line
from index.formats.plain import read_plain
from index.formats.records import read_json, read_json_lines
from index.formats.spreadsheet import read_ods, read_xlsx
from index.formats.table import read_table
from index.keywords import MAX_QUERY_TERMS, KeywordIndex, content_words, query_terms
from index.sentences import split_sentences
from index.text import (
    code_terms,
    direct_question,
    mentions_code,
    numbered_names,
    points_back,
    question_code,
    question_names,
    questions_in,
    requested_subject,
    small_talk,
    stem,
    whole_characters,
    without_pictographs,
)

MB = 1_000_000
LIMIT_S = 60

# Pieces that broke a regex or a loop once repeated: terminator runs, initials, digit groups, hyphens,
# markers, scripts without spaces, zero-width and combining characters, emoji with modifiers.
PIECES = [
    *["!", ".", "?", "…", "a.", "A. ", "J. ", "Mr. ", "e.g. ", "U.S. "],
    *["1", "1.", "1,", "12.5", "twenty-one", "$5", "1999", "April 27", "64KB", " kg", "36-bit", "µs", "km/h"],
    *["-", "a-", "'", "”", ")", "«", "(", "[1]", " [2]", "[", "_"],
    *[" ", "  ", "\n", "\n\n", "\t", "\xa0", "\u200b", "\u200d", "\u0301"],
    *["中文", "。", "عربي", "😀", "👍🏽", "How many ", "Which ", "word", "Word", "items"],
    *["== ", " ==", "# ", "History"],
]
ALPHABET = st.sampled_from(sorted(set("".join(PIECES)) | set("abcXYZ09;:,\r\x1c")))
TEXT = st.one_of(
    st.text(ALPHABET, max_size=200),
    st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 80)), max_size=12).map(
        lambda runs: "".join(p * n for p, n in runs)
    ),
)
PROPERTY = settings(max_examples=200, deadline=None, database=None)  # no example database written into the repo


def words(text: str) -> int:
    return len(text.split())


def visible(text: str) -> int:
    return sum(not c.isspace() for c in text)


def wordpieces(text: str) -> int:
    """Roughly how BERT counts: each word and each punctuation mark is a token."""
    return len(re.findall(r"\w+|[^\w\s]", text))


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(TEXT)
def test_sentences_are_ordered_trimmed_and_cover_the_text(text: str) -> None:
    spans = split_sentences(text)
    covered = bytearray(len(text))
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered[start:end] = b"\x01" * (end - start)
        previous_end = end
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@PROPERTY
@given(TEXT, st.sampled_from([words, visible, wordpieces]), st.integers(1, 40), st.integers(0, 2))
def test_chunks_cover_the_text_in_order_within_the_limit(
    text: str, count: Callable[[str], int], max_tokens: int, overlap: int
) -> None:
    chunks = chunk_text(text, count, max_tokens, overlap)
    covered = bytearray(len(text))
    for i, chunk in enumerate(chunks):
        assert chunk.index == i and chunk.text == text[chunk.start : chunk.end]
        assert count(chunk.text) <= max_tokens
        if i:
            assert chunks[i - 1].start < chunk.start and chunks[i - 1].end <= chunk.end
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@PROPERTY
@given(
    TEXT,
    TEXT,
    st.sampled_from(
        [
            *("", "How many ", "How much money ", "How much memory ", "In what year ", "When did ", "How long "),
            *("Which ", "Who ", "Where was she born? ", "Who designed ", "Who did "),
        ]
    ),
)
def test_shapes_read_any_text(question: str, sentence: str, lead: str) -> None:
    shape = shape_of(lead + question)
    assert all(name in question for name in question_names(lead + question) + numbered_names(lead + question))
    assert mentions_code(question, question_code(lead + question))  # a question mentions its own identifiers
    assert isinstance(shape.states(sentence), bool)
    if lead == "How many ":
        assert shape.kind == "count"
    # Whatever comes before, a plain statement of the thing asked for is found.
    assert Shape("count").states(sentence + "; 7 items")
    assert Shape("count", counted=frozenset({stem("items")})).states(sentence + "; 7 items")
    assert Shape("count", counted=frozenset({stem("items")})).states(sentence + "; items: 7.")
    assert Shape("money").states(sentence + " $5")
    assert Shape("year").states(sentence + " in 1999 ")
    assert Shape("name").states(sentence + " then Zanzibar")


@PROPERTY
@given(TEXT, TEXT, st.lists(st.integers(1, 20), max_size=3))
def test_verify_helpers_read_any_text(claim: str, source: str, markers: list[int]) -> None:
    assert _facts_present(claim, claim)
    assert isinstance(_facts_present(claim, source), bool)
    marked = _with_markers(claim, markers)
    assert len(marked) == len(claim) + sum(len(f"[{n}]") for n in markers) + (1 if markers else 0)
    assert len(renumber_markers(marked, {})) <= len(marked)
    highlights = Verifier(embedder=None, reranker=None).highlights([claim], source)  # type: ignore[arg-type]  # neither is used
    assert set(highlights) <= set(split_sentences(source))


@PROPERTY
@given(TEXT, st.integers(0, 80))
def test_query_terms_are_distinct_lower_case_and_bounded(text: str, limit: int) -> None:
    terms = query_terms(text, limit)
    assert len(terms) == len(set(terms)) <= limit
    assert all(term == term.lower() for term in terms)
    assert terms == query_terms(text)[:limit]
    assert len(content_words(text, limit)) == len(terms)


@pytest.fixture(scope="module")
def keywords(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeywordIndex]:
    """A real BM25 index of the seed documents' sentences."""
    index = KeywordIndex(tmp_path_factory.mktemp("keywords") / "k.sqlite", budget=50)
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        rows += [(f"{path.name}#{i}", path.name, "h", text[s:e]) for i, (s, e) in enumerate(split_sentences(text))]
    index.add(rows)
    yield index
    index.close()


@PROPERTY
@given(TEXT)
def test_keyword_search_takes_any_query(keywords: KeywordIndex, query: str) -> None:
    plan = keywords.plan(query, 10)
    assert len(plan.rare) + len(plan.common) <= MAX_QUERY_TERMS
    hits = keywords.search(query, 10)
    assert len(hits) <= 10 and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@PROPERTY
@given(TEXT, TEXT)
def test_condense_takes_any_text(question: str, previous: str) -> None:
    assert isinstance(is_follow_up(question), bool)
    history = [Turn("user", previous)]
    condensed = condense(question, history)
    if names_another_subject(question):  # the last question about another subject ("And DEC?")
        assert condensed == reasked(question, history)
    else:
        assert condensed.startswith(question)


@PROPERTY
@given(st.lists(st.one_of(TEXT, st.sampled_from(["How many went? ", "And to Serbia? ", "What? ", "? ", "Why did it fail?"]))))
def test_the_questions_of_any_message_are_its_own_words(pieces: list[str]) -> None:
    message = "".join(pieces)
    questions = questions_in(message)
    if questions == [message]:
        return
    # Several: each a question of its own words, and together the whole message, only the spaces between them left out.
    assert 2 <= len(questions) <= 5 and all(q.endswith("?") and q == q.strip() for q in questions)
    assert re.sub(r"\s+", "", "".join(questions)) == re.sub(r"\s+", "", message)


@PROPERTY
@given(st.one_of(TEXT, st.lists(st.sampled_from(["hi", "ok", "thanks", "bye", " ", ", ", "!", "good", "there"])).map("".join)))
def test_small_talk_reads_any_message(message: str) -> None:
    # Bounded whatever the message (only its first 60 characters could be small talk), and one of its kinds; a message
    # repeated up to the longest question accepted (20,000 characters: 200 at most, 100 times).
    assert small_talk(message) in {"", "greeting", "thanks", "farewell"}
    assert small_talk(message * 100) in {"", small_talk(message)} and small_talk("x" * 10_000 + message) == ""


# --------------------------------------------------------------------------- 1 MB inputs, time-limited


def _pathological() -> dict[str, str]:
    rng = random.Random(5)
    return {
        "terminators": "!" * MB,
        "initials": "a." * (MB // 2),
        "ellipses": "…" * MB,
        "no spaces or punctuation": "".join(rng.choices("abcdefghij", k=MB)),
        "words without punctuation": " ".join(f"w{rng.randrange(10**5)}" for _ in range(MB // 7))[:MB],
        "digit groups": "1.2,3." * (MB // 6) + "x",
        "glued digit groups": "a" + "1." * (MB // 2),
        "hyphens": "-" * MB,
        "abbreviations": "Mr. J. " * (MB // 7),
        "numbers with units": "3 kg, 64KB and 2.5GHz-wide 7 words " * (MB // 35),
        "spaces": " " * MB + "x",
        "scripts without spaces": "中文字符عربي😀\u200b" * (MB // 10),
        "slashes and manual pages": "a/b(1)" * (MB // 6),  # each word after a slash looks for its path around it
        # A lifespan in parentheses, some never closed: each year and date looks for the lifespan around it.
        "lifespans": "(; born 1 April 1947 (4 April 1932 – 29 December 1986) in 1950, " * (MB // 64),
    }


INPUTS = _pathological()


def finishes(work: Callable[[], object]) -> None:
    """Run ``work`` in a child process; fail if it raises or runs past ``LIMIT_S``."""
    polling.finishes(work, LIMIT_S, "1 MB of text")


@given(TEXT)
@PROPERTY
def test_plain_text_is_kept_and_its_sections_are_ordered_spans(text: str) -> None:
    doc = read_plain(text, "Title")
    assert doc.text == text.replace("\r\n", "\n")
    spans = [(section.start, section.end) for section in doc.sections]
    assert all(0 <= start < end <= len(doc.text) for start, end in spans)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    assert all(section.path and all(heading.strip() for heading in section.path) for section in doc.sections)


@pytest.mark.parametrize("name", INPUTS)
def test_plain_text_headings_and_code_words_of_1_mb(name: str) -> None:
    text = INPUTS[name]
    # A document's code words are weighed against every word of its text (``code_terms``).
    finishes(lambda: (read_plain(text, "Title"), code_terms([text[:1000], text[-1000:]], text)))


def test_html_of_1_mb_of_code_nested_2000_deep() -> None:
    # Whether a code element holds a block is counted as the walk goes, and a text is read by four code elements around
    # it at most: a block looked for among each of 2,000 nested elements' descendants, a megabyte took three minutes.
    chain = "<code>" * 2000 + "x" + "</code>" * 2000
    finishes(lambda: read_html("<p>" + chain * (MB // len(chain)) + "</p>"))


def test_html_of_1_mb_of_contents_blocks_nested_2000_deep() -> None:
    # Whether a block of a table of contents' class holds prose is counted once for the whole page: read from each such
    # block's own text, 2,000 nested ones read the megabyte 2,000 times.
    chain = "<div class='contents'><a href='#x'>link</a> words of prose " * 2000 + "</div>" * 2000
    finishes(lambda: read_html("<body>" + chain * (MB // len(chain)) + "</body>"))


def test_html_of_1_mb_of_listings_and_line_numbers_in_nested_tables() -> None:
    # A cell of numbers is a listing's line numbers only beside a listing, and only the cells' tops are read for it: read
    # whole, a column of numbers in each of 2,000 nested tables read the rest of the nesting each time; a row of many
    # such cells read every other cell of the row for each.
    nested = "<table><tr><td><pre>1\n2</pre></td><td><pre>x</pre>" * 2000 + "</td></tr></table>" * 2000
    row = "<table><tr>" + "<td>1 2</td>" * 20_000 + "<td><pre>x</pre></td></tr></table>"
    finishes(lambda: read_html("<body>" + nested * (MB // 2 // len(nested)) + row * (MB // 2 // len(row) + 1) + "</body>"))


def test_a_manual_page_of_1_mb_of_options_and_nested_lists() -> None:
    # mandoc reads the troff; its HTML is walked once more to mark bold as code and to find the NAME line.
    options = ".TP\n.B \\-x\nSet \\fBx\\fR for \\fIfile\\fR.\n"
    nested = ".RS\n.IP \\(bu 2\nitem\n" * 500 + ".RE\n" * 500
    page = ".TH BIG 1\n.SH NAME\nbig \\- a page\n.SH OPTIONS\n" + options * (MB // 2 // len(options)) + nested * 10
    finishes(lambda: read_man(page.encode()))


def test_an_info_manual_of_1_mb_of_tables_references_and_quotes() -> None:
    # Node after node of table items, references that never close, quotes that never close, a menu of every line.
    node = (
        "\x1f\nFile: big.info,  Node: N\n\nTitle\n=====\n\n'-x'\n'--ex'\n     Set 'x for *note file and `y.\n\n"
        + "* Menu:\n\n* a::\n" * 50
    )
    unclosed = "\x1f\nFile: big.info,  Node: M\n\n" + "*note ‘a " * 20_000 + "\n"
    # One paragraph of 400 kB of references: each reads only the few characters before it (reading all the text before
    # each, 80,000 of them took 2.6 s, growing with the square of their number).
    closed = "\x1f\nFile: big.info,  Node: R\n\n" + "*note a:: (*note b::) " * 20_000 + "\n"
    finishes(lambda: read_info((node * (MB // 4 // len(node)) + unclosed * 3 + closed).encode()))


def test_a_table_of_1_mb_of_quotes_separators_and_one_wide_row() -> None:
    # Quotes that never close (the csv module reads them as one value to the end), a first line of every separator, rows
    # of thousands of columns: the separator is counted on the first line only, each row labelled in one pass.
    unclosed = "a,b\n" + '1,"x' * (MB // 8)
    separators = ",;\t|" * (MB // 16) + "\n" + "1,2\n" * (MB // 16)
    wide = ",".join(f"c{n}" for n in range(MB // 40)) + "\n" + ",".join("v" for _ in range(MB // 40)) + "\n"
    for table in (unclosed, separators, wide):
        finishes(lambda table=table: read_table(table.encode(), "big"))


def test_a_notebook_of_1_mb_of_cells_and_outputs() -> None:
    import json

    cell = {"cell_type": "markdown", "source": ["# T\n", "`code` and *text* " * 20]}
    code = {"cell_type": "code", "source": "print(1)\n" * 20, "outputs": [{"output_type": "stream", "text": "\x1b[1m" * 200}]}
    finishes(lambda: read_notebook(json.dumps({"cells": [cell, code] * (MB // 1_500)}).encode()))


def test_spreadsheets_of_far_cells_and_repeats() -> None:
    # A cell at Excel's last row and column (XFD1048576) after two rows: the rows between are no rows, the one row is
    # read to its last cell. An OpenDocument sheet of rows and cells repeated to the sheet's end, as LibreOffice writes
    # its empty ones, and 1 MB of cells.
    import io

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name", "value"])
    book.active.append(["a", 1])
    book.active["XFD1048576"] = "far"
    saved = io.BytesIO()
    book.save(saved)
    finishes(lambda: read_xlsx(saved.getvalue(), "far", MB * 100))
    sheet = Table(name="S")
    for n in range(MB // 200):
        row = TableRow(numberrowsrepeated=1_000)
        for value in (f"v{n}", "x" * 20):
            cell = TableCell(numbercolumnsrepeated=4)
            cell.addElement(P(text=value))
            row.addElement(cell)
        row.addElement(TableCell(numbercolumnsrepeated=16_000))
        sheet.addElement(row)
    document = OpenDocumentSpreadsheet()
    document.spreadsheet.addElement(sheet)
    written = io.BytesIO()
    with odf_writer():
        document.write(written)
    finishes(lambda: read_ods(written.getvalue(), "repeats", MB * 100))


def test_a_mailbox_of_1_mb_of_messages_quotes_and_encoded_headers() -> None:
    # Thousands of messages, one of 200 kB of quoted lines under an attribution, a subject of 2,000 encoded words.
    one = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: Re: hi\nFrom: A <a@b>\n\nOn Mon, A wrote:\n> q\n> q\nok\n\n"
    quoted = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: q\n\nOn Mon, A wrote:\n" + b"> quoted line\n" * 15_000 + b"\n"
    encoded = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: " + b"=?utf-8?q?caf=C3=A9?= " * 2_000 + b"\n\nbody\n\n"
    finishes(lambda: read_mbox(one * (MB // 2 // len(one)) + quoted + encoded, "big"))


def test_json_of_1_mb_of_records_nested_objects_and_html_strings() -> None:
    # 10,000 records with nested fields, an object 500 deep, a string of HTML 200 kB long; and 1 MB of JSON Lines.
    import json

    records = [{"id": n, "name": f"item {n}", "meta": {"tags": ["a", "b"], "owner": {"team": "core"}}} for n in range(10_000)]
    deep: dict = {"leaf": "text"}
    for _ in range(500):
        deep = {"child": deep, "note": "x"}
    html = "<div>" + "<p>a <b>b</b></p>" * 12_000 + "</div>"
    document = json.dumps({"records": records, "deep": deep, "html": html}).encode()
    finishes(lambda: read_json(document, "big"))
    lines = b"\n".join(json.dumps({"n": n, "text": "a line of chat"}).encode() for n in range(MB // 40))
    finishes(lambda: read_json_lines(lines, "big"))


def test_a_pdf_paragraph_of_1_mb_wrapped_over_63000_lines() -> None:
    # Each wrapped line joins the paragraph so far: what decides the join is read at the paragraph's end, never over the
    # whole of it (an identifier broken after an underscore was looked for so: 8,000 lines of 76 characters took 43 s).
    # A block keeps its lines as pieces, joined once when read (each line added to the whole paragraph as a new string
    # took 3 s over this megabyte, copying it again each time).
    lines = [Line(text, 0, 100, 0, 0, 10.0, False, 800) for text in ["word word word word word", "a foo_", "set_key b"]]

    def wrap() -> str:
        block = Block("prose", "It begins", 10.0)
        for line in lines * 21_000:
            block.append(line)
        return block.text

    finishes(wrap)


def test_a_pdf_page_of_19000_words_with_a_stroke_between_each_two() -> None:
    # Each space looks only at the strokes near its line that start in its gap (each against every stroke of the page:
    # 18,810 spaces by 18,810 strokes, which are drawn underscores all). A line is one text object; a page of more than
    # 20,000 objects is a drawing, whose strokes are not looked at.
    objects = []
    for y in (10 + line * 4.0 for line in range(190)):
        objects.append(b"BT /F1 2 Tf 5 %.1f Td [%s] TJ ET" % (y, b" -1900 ".join([b"(ab)"] * 100)))
        objects += [b"%.3f %.2f 1.2 0.2 re f" % (7.5 + word * 6.024, y + 0.05) for word in range(99)]

    def read() -> None:
        assert read_pdf(pdf_page(b"\n".join(objects))).text.count("_") == 18_810  # every gap

    finishes(read)


def test_myst_markdown_of_1_mb() -> None:
    # Each of MyST's forms a megabyte's seventh: roles, directive fences (a directive's body is parsed again, up to
    # eight levels deep), footnote marks, colon fences and fences never closed, targets and comments.
    nested = "".join("`" * (12 - level) + "{note}\nx\n" for level in range(9)) + "".join(
        "`" * (4 + level) + "\n" for level in range(9)
    )
    parts = [
        "{pypi}`certifi` and {term}`pypug:Wheel` ",
        "```{note}\nA *short* note.\n```\n\n",
        nested,
        "word[^1] ",
        "(a)=\n% c\n+++\n",
        ":::{warning}\n",
        "```{note}\n",
    ]
    text = "".join(part * (MB // 7 // len(part)) for part in parts) + "\n\n[^1]: note\n"
    finishes(lambda: read_markdown(text))


@pytest.mark.parametrize("name", INPUTS)
def test_sentences_and_chunks_of_1_mb(name: str) -> None:
    text = INPUTS[name]
    # chunk_text splits the text into sentences first (split_sentences), then cuts by each count.
    finishes(lambda: (chunk_text(text, words, 200), chunk_text(text, visible, 200)))


def test_chunks_of_1_mb_with_the_real_tokenizer(embedder) -> None:  # type: ignore[no-untyped-def]
    # The case that was quadratic: a log saved as .txt, one endless sentence, split by the model's own count.
    text = INPUTS["words without punctuation"]
    finishes(lambda: chunk_text(text, embedder.count_tokens, embedder.max_tokens - 2))


@pytest.mark.parametrize("name", INPUTS)
def test_shapes_of_1_mb(name: str) -> None:
    text = INPUTS[name]
    leads = ["How many items ", "How much money ", "When did ", "How long did ", "How much memory ", "Which items "]
    leads.append("When did she die? ")  # a death asked: every sentence searched for one stated
    leads += ["Who designed ", "Who did "]  # an action asked: every word of the question may be its verb
    # Each question is read as far as any question can go (MAX_QUESTION_CHARS), each sentence whole: a megabyte
    # sentence against the longest question.
    finishes(lambda: [shape_of(lead + text).states(text) for lead in leads])
    finishes(lambda: [shape_of(lead + text).defines(text) for lead in ("What is ", "What is a ", "What are the ")])
    finishes(lambda: shape_of("What does " + text).kind)  # an acronym asked for ("What does NTP stand for?") or not
    finishes(lambda: (question_names(text), numbered_names(text), mentions_code(text, question_code(text))))


def test_an_acronyms_expansion_is_looked_for_in_1_mb() -> None:
    # Every word with the acronym's first letter starts a reading, which may pass over "of" and "the" (three at most),
    # and for five letters or more other words (two at most).
    texts = ["Network of the of the Time " * (MB // 27), "n " * (MB // 2), "Nearly Timeless Proto " * (MB // 22)]
    finishes(lambda: [expands(text, "ntpxy") for text in texts])  # five letters: every way of reading is open


def test_who_questions_read_1_mb_of_names_after_by() -> None:
    # Every name of the sentence asks for the words before it: read from the whole text before each, it was quadratic.
    text = "It was inspired by the Aaa Bbb and made by Ccc, " * (MB // 48)
    finishes(lambda: [shape_of(question).states(text) for question in ("Who designed it?", "Who is the author?")])


def test_a_follow_up_naming_another_subject_reads_1_mb_of_names() -> None:
    # Each name of the last question may be the one replaced: the words before each are read in a bounded window.
    previous = "How many went " + "to the Aaa and on Bbb 12 " * (MB // 25) + "?"
    follow_ups = ["And on Ccc?", "And Ccc?", "And " + "Ddd " * (MB // 4)]
    finishes(lambda: [reasked(follow_up, [Turn("user", previous)]) for follow_up in follow_ups])


@pytest.mark.parametrize("name", INPUTS)
def test_verify_helpers_on_1_mb(name: str) -> None:
    text = INPUTS[name]
    verifier = Verifier(embedder=None, reranker=None)  # type: ignore[arg-type]  # text helpers only
    finishes(
        lambda: (
            _facts_present(text, text),
            _with_markers(text, [1, 2]),
            renumber_markers(text + " [1]" * 1000, {1: 2}),
            verifier.highlights([text[:200], text[-200:]], text),
        )
    )


@pytest.mark.parametrize("name", ["words without punctuation", "scripts without spaces", "digit groups"])
def test_keyword_queries_of_1_mb(tmp_path: Path, name: str) -> None:
    path = tmp_path / "k.sqlite"
    built = KeywordIndex(path)
    built.add([("seed#0", "seed.txt", "h", (SEEDS / "000_1431dd1dd5b40ef7.txt").read_text(encoding="utf-8"))])
    built.close()  # an SQLite connection must not cross a fork: the child opens its own
    text = INPUTS[name]

    def work() -> None:
        keywords = KeywordIndex(path)
        keywords.plan(text, 10)
        keywords.search(text, 10)
        is_follow_up(text)
        condense(text, [Turn("user", text)])

    finishes(work)


@pytest.mark.parametrize("name", INPUTS)
def test_valid_unicode_and_pictographs_of_1_mb(name: str) -> None:
    text = INPUTS[name]
    spaced = " " * (MB // 2) + "\U0001f600" + " " * (MB // 2)  # each run of spaces must be read once, not once per space
    finishes(lambda: (whole_characters(text + "\ud83d"), without_pictographs(text), without_pictographs(spaced)))


@pytest.mark.parametrize("name", INPUTS)
def test_a_question_of_1_mb_asked_indirectly(name: str) -> None:
    # The opening is read at the start and a closing "please" from the end: neither reads the megabyte twice.
    text = INPUTS[name]
    openings = ["Can you tell me how ", "Please, " * (MB // 8), "Do you know " + "x " * (MB // 2), "Hi, so " * (MB // 8)]
    closings = ("", " please?", "? Thanks" * (MB // 8))
    finishes(lambda: [direct_question(opening + text + closing) for opening in openings for closing in closings])
    # A message of several questions is split once, and one of more than five is read whole.
    finishes(lambda: [questions_in(opening + text + closing) for opening in openings for closing in closings])


def test_words_that_point_back_in_1_mb() -> None:
    # Every "that", "there", "such" and possessive of these is read where it stands, each from a few characters around it.
    texts = ["the file that a " * (MB // 16), "Is there " * (MB // 9), "Names Like Its " * (MB // 15), "such as " * (MB // 8)]
    finishes(lambda: [points_back(text) for text in texts])


@pytest.mark.parametrize("name", INPUTS)
def test_a_request_of_1_mb(name: str) -> None:
    # The opening is matched at the start, the question words after it once, and a closing "please" from the end.
    text = INPUTS[name]
    openings = ["Tell me about ", "What do the " + "big " * (MB // 8) + "docs say about ", "Please, " * (MB // 8)]
    finishes(lambda: [requested_subject(opening + text + closing) for opening in openings for closing in ("", " please?")])


@PROPERTY
@given(TEXT, st.sampled_from(["", "\U0001f600", "\U0001f44d\U0001f3fd", "\ufffd", "\U0001f1e8\U0001f1f3", "\ud83d"]))
def test_pictographs_go_and_nothing_else(text: str, pictograph: str) -> None:
    kept = without_pictographs(whole_characters(text))
    assert without_pictographs(whole_characters(f"{pictograph}{text} {pictograph}")) == kept.strip() or not pictograph
    assert without_pictographs(kept) == kept  # nothing left to take out


@pytest.mark.parametrize(
    "text",
    [
        " ".join(f"--opt{i}" for i in range(MB // 10)),  # each option once: each was a search of the whole text
        " ".join(f"-o.{i}" for i in range(MB // 8)),  # options no set of whole runs holds
        "/".join(f"lib{i}.so" for i in range(MB // 10)),  # names written inside a longer word
    ],
    ids=["options", "dotted options", "names inside a path"],
)
def test_identifiers_of_1_mb(text: str) -> None:
    # A question's every identifier is looked for in the passages (``mentions_code``): here the question is the text.
    finishes(lambda: mentions_code(text, question_code(text)))
