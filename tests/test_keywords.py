"""The BM25 keyword index: rare words pick the rows, every word scores them, exactly as a plain OR query would."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import index.text as text_rules
from index import KeywordIndex
from index.keywords import content_words, query_terms

COMMON = ["object", "function", "value", "module", "return"]
RARE = ["zeppelin", "quokka", "marzipan"]


@pytest.fixture
def rows(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    """600 chunks of common words; a few also hold rare ones."""
    rng = random.Random(3)
    made = []
    for i in range(600):
        words = rng.choices(COMMON, k=12) + [f"filler{rng.randrange(40)}" for _ in range(6)]
        if i % 50 == 0:
            words.append(RARE[(i // 50) % len(RARE)])
        rng.shuffle(words)
        made.append((f"doc{i // 10}.txt@h#{i % 10}", f"doc{i // 10}.txt", "h", " ".join(words)))
    return made


def index(tmp_path: Path, rows: list[tuple[str, str, str, str]], budget: int) -> KeywordIndex:
    keywords = KeywordIndex(tmp_path / f"k{budget}.sqlite", budget=budget)
    keywords.add(rows)
    return keywords


@pytest.mark.parametrize("query", ["quokka object function", "zeppelin marzipan value module return", "object value"])
def test_pruned_search_scores_rows_as_the_full_query_does(
    tmp_path: Path, rows: list[tuple[str, str, str, str]], query: str
) -> None:
    full = {hit.chunk_id: hit.score for hit in index(tmp_path, rows, budget=10**9).search(query, 600)}
    pruned = index(tmp_path, rows, budget=30).search(query, 10)

    assert len(pruned) == 10
    for hit in pruned:
        assert hit.score == pytest.approx(full[hit.chunk_id])
    if any(word in query for word in RARE):
        # Rows with a rare word lead the full ranking; the pruned search finds each of them.
        rare_rows = {r[0] for r in rows if any(word in r[3].split() and word in query for word in RARE)}
        assert rare_rows <= {hit.chunk_id for hit in pruned}
        assert [h.chunk_id for h in pruned][: len(rare_rows)] == sorted(full, key=full.__getitem__, reverse=True)[
            : len(rare_rows)
        ]


def test_a_query_within_the_budget_is_a_plain_or(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    full = index(tmp_path, rows, budget=10**9).search("quokka zeppelin filler7", 20)
    within = index(tmp_path, rows, budget=10_000).search("quokka zeppelin filler7", 20)
    assert [(h.chunk_id, round(h.score, 9)) for h in within] == [(h.chunk_id, round(h.score, 9)) for h in full]


def test_queries_are_read_with_the_shared_text_rules() -> None:
    # Keyword search, condensing and the extractive answerer read a question's words one way.
    assert query_terms is text_rules.query_terms and content_words is text_rules.content_words
    assert query_terms("Which quokka did the WHO see?") == ["quokka", "who", "see"]


def test_scope_to_sources_applies_to_every_part(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    hits = index(tmp_path, rows, budget=30).search("quokka object function", 10, sources=["doc5.txt", "doc7.txt"])
    assert hits and {hit.source for hit in hits} <= {"doc5.txt", "doc7.txt"}


def test_a_word_no_row_holds_is_unknown_in_any_form_the_stemmer_folds(tmp_path: Path) -> None:
    keywords = KeywordIndex(tmp_path / "k.sqlite")
    keywords.add([("a.txt@h#0", "a.txt", "h", "China has donated 20 million dollars to the WHO.")])
    # "donate" is known where "donated" is written; "chian" and a quote mark inside a word change nothing of the query.
    assert keywords.unknown(["donate", "chian", "china", 'wh"o', "dollar"]) == ["chian"]
    assert keywords.unknown([]) == []


def test_a_british_spelling_finds_the_american_one_and_back(tmp_path: Path) -> None:
    keywords = KeywordIndex(tmp_path / "k.sqlite")
    keywords.add(
        [
            ("grep.txt@h#0", "grep.txt", "h", "The colors are defined by the environment variable GREP_COLORS."),
            ("aide.txt@h#0", "aide.txt", "h", "Run aideinit to initialize the database."),
            ("uk.txt@h#0", "uk.txt", "h", "The theatre is in the centre of the town."),
            ("other.txt@h#0", "other.txt", "h", "The variable PATH lists the directories searched for commands."),
        ]
    )
    # Porter's stems keep "colour" from "color" and "initialis" from "initi": without both spellings these miss.
    assert keywords.search("Which variable sets the colours?", 2)[0].chunk_id == "grep.txt@h#0"
    assert [hit.chunk_id for hit in keywords.search("How do I initialise it?", 2)] == ["aide.txt@h#0"]
    assert [hit.chunk_id for hit in keywords.search("Where is the theater, near the center?", 2)] == ["uk.txt@h#0"]
    assert keywords.unknown(["colours", "initialised", "centers", "humour"]) == ["humour"]


OPTION_ROWS = [
    ("set.txt@h#0", "set.txt", "h", "set -e\n\nExit immediately if a pipeline returns a non-zero status."),
    ("set.txt@h#1", "set.txt", "h", "set -x\n\nPrint a trace of simple commands, i.e. each command before it runs."),
    ("find.txt@h#0", "find.txt", "h", "The -exec action of find runs a command on each file, e.g. rm."),
    ("echo.txt@h#0", "echo.txt", "h", "Given -e, echo interprets backslash escapes."),
    ("tool.txt@h#0", "tool.txt", "h", "Pick a tool with --tool=memcheck; the default tool is Memcheck."),
    ("tool.txt@h#1", "tool.txt", "h", "A tool is a program that helps; every tool has its own options, i.e. e and f."),
]


def test_chunks_holding_an_option_as_written_are_found_and_ranked_by_the_whole_query(tmp_path: Path) -> None:
    keywords = KeywordIndex(tmp_path / "k.sqlite")
    keywords.add(OPTION_ROWS)
    # BM25 reads "-e" as the "e" of "i.e." and "e.g.": the chunks holding the option itself are these two, the one
    # about "set" first; "-exec" holds "-e" only as a substring.
    found = keywords.holding(["-e"], "What does the set -e option do?", 10)
    assert [hit.chunk_id for hit in found] == ["set.txt@h#0", "echo.txt@h#0"]
    assert [hit.chunk_id for hit in keywords.holding(["--tool"], "Which tool runs without --tool?", 10)] == ["tool.txt@h#0"]
    # Each option is looked for, a chunk holding more than one is returned once; the scope and the limit hold.
    both = keywords.holding(["-e", "-x"], "set -e and set -x", 10)
    assert sorted(hit.chunk_id for hit in both) == ["echo.txt@h#0", "set.txt@h#0", "set.txt@h#1"]
    assert len(keywords.holding(["-e", "-x"], "set -e and set -x", 2)) == 2
    assert [hit.source for hit in keywords.holding(["-e"], "set -e", 10, sources=["echo.txt"])] == ["echo.txt"]
    # An option no chunk holds, or one with no letters, finds nothing.
    assert keywords.holding(["-z"], "What does -z do?", 10) == []
    assert keywords.holding(["--"], "What does -- do?", 10) == []
