"""Sentence splitting and chunking: whole sentences, exact offsets, the model's window respected."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import blingfire
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunker import chunk_text
from index.sentences import _sentence_ends, split_sentences

SEED = Path(__file__).resolve().parent.parent / "seeds" / "001_8ca9ff445ec2607f.txt"


def words(text: str) -> int:
    return len(text.split())


def test_sentences_have_exact_offsets() -> None:
    text = "  Dr. Smith arrived on Apr. 2. He met J. Doe at No. 1 Hospital!  Then he left?\n\nA heading\nNext line."
    spans = split_sentences(text)
    sentences = [text[s:e] for s, e in spans]
    assert sentences == [
        "Dr. Smith arrived on Apr. 2.",
        "He met J. Doe at No. 1 Hospital!",
        "Then he left?",
        "A heading\nNext line.",
    ]


def test_paragraph_break_ends_a_sentence_without_punctuation() -> None:
    text = "Title without a stop\n\nBody sentence one. Body sentence two."
    assert [text[s:e] for s, e in split_sentences(text)] == ["Title without a stop", "Body sentence one.", "Body sentence two."]


def test_quotes_and_numbers_stay_inside_sentences() -> None:
    text = 'He said "it costs 2.5 million." Then "we left." The end.'
    assert [text[s:e] for s, e in split_sentences(text)] == ['He said "it costs 2.5 million."', 'Then "we left."', "The end."]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Abbreviations and initials inside a sentence do not end it ...
        (
            "Use e.g. ls -l to list them. It prints one line per file.",
            ["Use e.g. ls -l to list them.", "It prints one line per file."],
        ),
        (
            "It was written by J. R. Smith in 1998. It is still used.",
            ["It was written by J. R. Smith in 1998.", "It is still used."],
        ),
        (
            "Python 3.11 is the default. Version 3.12 is in testing.",
            ["Python 3.11 is the default.", "Version 3.12 is in testing."],
        ),
        # ... but at its end they do (the regular expression of loader version 11 kept each pair below together).
        ("It supports i386, amd64, arm64, etc. The list grows.", ["It supports i386, amd64, arm64, etc.", "The list grows."]),
        ("It must be larger than n. Otherwise it raises.", ["It must be larger than n.", "Otherwise it raises."]),
        # A shell's special parameters "$?" and "$!" name a value and end no sentence; a question mark still does.
        (
            "?\n\n($?) Expands to the exit status of the last pipeline. It is set after each one.\n\n"
            "!\n\n($!) Expands to the ID.",
            [
                "?",
                "($?) Expands to the exit status of the last pipeline.",
                "It is set after each one.",
                "!",
                "($!) Expands to the ID.",
            ],
        ),
        ("Is it set? Check $? first! Then go on.", ["Is it set?", "Check $? first!", "Then go on."]),
    ],
)
def test_sentence_ends_are_told_from_abbreviations(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Hard-wrapped prose (a manual page) puts an option at a line's start wherever it falls: it goes on its sentence.
        (
            "By default, postcat shows the envelope and message content, as if\n       the options -beh were specified. "
            "To view message content only, specify\n       -bh (Postfix 2.7 and later).",
            [
                "By default, postcat shows the envelope and message content, as if\n       the options -beh were specified.",
                "To view message content only, specify\n       -bh (Postfix 2.7 and later).",
            ],
        ),
        (
            "Valgrind now reads the inlined calls.\nThis is controlled by the new option\n--read-inline-info=yes|no.",
            ["Valgrind now reads the inlined calls.", "This is controlled by the new option\n--read-inline-info=yes|no."],
        ),
        # A short first line is a label of the option list under it, and each entry of the list is its own.
        ("Other options\n-v     Enable verbose logging.", ["Other options", "-v     Enable verbose logging."]),
        (
            "--contains   find the tag that comes after the commit\n--debug      debug search strategy on stderr",
            ["--contains   find the tag that comes after the commit", "--debug      debug search strategy on stderr"],
        ),
        # A command and its output; a list item ("- "), a rule under a heading and a sentence that ended are no sentence
        # going on.
        ("$ ls test.txt\n-rw-r--r-- 1 daniel daniel 0 test.txt", ["$ ls test.txt", "-rw-r--r-- 1 daniel daniel 0 test.txt"]),
        (
            "These are the packages that the system needs, such as\n- libc6\n- perl",
            ["These are the packages that the system needs, such as", "- libc6", "- perl"],
        ),
        (
            "The POST (after) wrapper of every system call, in\n------------------------",
            ["The POST (after) wrapper of every system call, in", "------------------------"],
        ),
        (
            "Every option is described in the manual page.\n-q makes it quiet.",
            ["Every option is described in the manual page.", "-q makes it quiet."],
        ),
    ],
)
def test_an_option_at_a_line_start_goes_on_the_sentence_before_unless_it_starts_an_entry(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


def test_chunks_keep_sentences_whole_and_map_back_to_the_text() -> None:
    sentences = [f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(60)]
    text = " ".join(sentences)
    chunks = chunk_text(text, words, max_tokens=40, overlap_sentences=1)
    assert len(chunks) > 5
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert text[chunk.start : chunk.end] == chunk.text
        assert words(chunk.text) <= 40
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith("detail.")
    # Every sentence is in some chunk; consecutive chunks share one sentence.
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)
    assert chunks[1].text.split(". ")[0] + "." == chunks[0].text.split(". ")[-1]


OPTIONS = (
    "Options\n\nThe following options are read.\n\n--maintenance-db=dbname\n\nSpecifies the name of the database to"
    " connect to. It is used for maintenance.\n\n--no-subscriptions\n\nDo not dump subscriptions. That is all.\n\n"
    "Example:\n\npg_dump --no-subscriptions mydb"
)


def test_a_carried_sentence_takes_the_line_that_names_what_it_describes() -> None:
    packed = chunk_text(OPTIONS, words, max_tokens=10, overlap_sentences=1)
    chunks = [c.text for c in packed]
    # "Do not dump subscriptions." ends a chunk after its option's line; the next chunk carries both, not the
    # sentence alone, which would describe an option it never names.
    assert chunks[3].endswith("--no-subscriptions\n\nDo not dump subscriptions.")
    assert chunks[4].startswith("--no-subscriptions\n\nDo not dump subscriptions. That is all.")
    # Every chunk still starts past the one before it: a term's line never holds the next chunk back (the second
    # chunk starts at "--maintenance-db=dbname", so the third cannot, and carries its sentence alone).
    assert all(later.start > earlier.start for earlier, later in pairwise(packed))
    assert chunks[2] == "Specifies the name of the database to connect to."
    # A line that ends as a sentence names nothing below it: the sentence after it is carried alone.
    named, plain = (f"Intro.\n\n{line}\n\nA second sentence here. And a third one here." for line in ("Some term", "A line."))
    assert chunk_text(named, words, 7)[1].text == "Some term\n\nA second sentence here."
    assert chunk_text(plain, words, 7)[1].text == "A second sentence here."


def test_overlong_sentence_is_split_not_truncated() -> None:
    text = "Short one. " + " ".join(f"w{i}" for i in range(100)) + ". Another short one."
    chunks = chunk_text(text, words, max_tokens=30, overlap_sentences=0)
    assert all(words(c.text) <= 30 for c in chunks)
    covered = " ".join(c.text for c in chunks)
    assert all(f"w{i}" in covered.split() or f"w{i}." in covered.split() for i in range(100))


def test_chunks_fit_the_real_model_window(embedder) -> None:  # type: ignore[no-untyped-def]
    from index.nodes import effective_chunk_tokens

    limit = effective_chunk_tokens(embedder, 10_000)
    assert limit == embedder.max_tokens - 2  # capped by the model, not by configuration
    text = (SEED.read_text(encoding="utf-8") + "\n\n") * 3
    chunks = chunk_text(text, embedder.count_tokens, limit)
    assert all(embedder.count_tokens(c.text) <= limit for c in chunks)


@given(st.text(alphabet=st.sampled_from(list("ab .?!\u2026\u00e9\U0001f600\u4e2d\n\tX1\u200b\x1c\x00\"'")), max_size=80))
@settings(max_examples=300, deadline=None, database=None)
def test_sentence_ends_are_blingfire_s_own(text: str) -> None:
    # ``_sentence_ends`` calls the library directly and maps its byte offsets to characters in one pass; its
    # ends must be exactly those of blingfire's own Python wrapper, for text of any script and width.
    try:
        expected = [end for _, end in blingfire.text_to_sentences_and_offsets(text)[1][:-1]]
    except AssertionError:  # the wrapper's own consistency check, on input it cannot map: nothing to compare with
        return
    assert _sentence_ends(text) == expected


def _blingfire_ends(text: str) -> list[int] | None:
    try:
        return [end for _, end in blingfire.text_to_sentences_and_offsets(text)[1][:-1]]
    except AssertionError:  # the wrapper's own consistency check, on input it cannot map
        return None


RUN_PIECES = ["!", "?", ".", "…", "-", "=", "*", "(", '"', "。", "！", "e.g. ", "Word ", "word", "1", " ", "\n", "😀"]


@given(st.lists(st.tuples(st.sampled_from(RUN_PIECES), st.integers(1, 60)), min_size=1, max_size=10))
@settings(max_examples=300, deadline=None, database=None)
def test_long_runs_of_a_mark_end_sentences_where_blingfire_ends_them(runs: list[tuple[str, int]]) -> None:
    # Long runs of one mark reach the breaker cut short (they cost it forty times prose's time per character);
    # the ends must be the ones it finds in the whole text. At most 250 characters: past about 256 tokens the
    # breaker stops ending sentences at all, and the shortened text would be under that limit.
    text = "".join(piece * count for piece, count in runs)[:250]
    expected = _blingfire_ends(text)
    if expected is not None:
        assert _sentence_ends(text) == expected


def test_a_rule_of_dashes_or_a_run_of_marks_splits_as_a_short_one() -> None:
    for mark in "!-=.…":
        long, short = f"Stop{mark * 400} Then go. Rule:\n{mark * 80}\nEnd.", f"Stop{mark * 9} Then go. Rule:\n{mark * 9}\nEnd."
        pieces = [long[s:e].replace(mark * 400, mark * 9).replace(mark * 80, mark * 9) for s, e in split_sentences(long)]
        assert pieces == [short[s:e] for s, e in split_sentences(short)]


def test_a_lone_surrogate_is_read_as_a_replacement_character() -> None:
    # A str may hold half of an emoji, which UTF-8 (and so the breaker) cannot: it reads U+FFFD in its place.
    text = "Half an emoji \ud83d here. Next sentence \udc00. Last one."
    replaced = text.replace("\ud83d", "\ufffd").replace("\udc00", "\ufffd")
    assert split_sentences(text) == split_sentences(replaced)
    assert [text[s:e] for s, e in split_sentences(text)] == ["Half an emoji \ud83d here.", "Next sentence \udc00.", "Last one."]
