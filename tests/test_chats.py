"""Saved chats: a real SQLite file on tmp_path, written, reopened, shared between owners, damaged, locked and filled."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.chats import (
    MAX_TITLE_CHARS,
    SCHEMA_VERSION,
    ChatNotFoundError,
    ChatStore,
    ChatStoreError,
    _salvage,
    changed,
    default_title,
)
from assistant.citations import Citation
from index.text import MAX_QUESTION_CHARS, whole_characters

DOCUMENT = "Supplies.\nIn 2020 the WHO received 2.1 million masks. Gloves were not sent. The rest went to clinics."


@contextmanager
def closing_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection to ``path`` that commits and closes on leaving (sqlite3's own ``with`` only commits)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def _clock() -> Callable[[], float]:
    """A clock that ticks once per reading, so order never hangs on the wall clock."""
    ticks = itertools.count(1)
    return lambda: float(next(ticks))


def _citation(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A real ``Citation.to_json()`` dict quoting one sentence of DOCUMENT."""
    start = DOCUMENT.index("In 2020")
    text = DOCUMENT[start:]
    sentence = "In 2020 the WHO received 2.1 million masks."
    citation = Citation(
        n=n,
        source="reports/who.md",
        title="WHO report",
        text=text,
        quote=sentence,
        score=0.8731,
        page=3,
        chunk_id="reports/who.md@abc#0",
        start_char=start,
        section="Supplies > Masks",
        highlights=[(0, len(sentence))],
    ).to_json()
    return citation | changes


def _answer(text: str, citations: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    """The ``ask --json`` shape of an answer."""
    cited = citations if citations is not None else [_citation()]
    return {
        "question": "q",
        "query": "q",
        "answer": text,
        "refused": not cited,
        "tentative": False,
        "backend": "extractive",
        "citations": cited,
        "sentences": [{"text": text, "citations": [c["n"] for c in cited], "supported": True}],
        "closest": [],
        "error": None,
    } | changes


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "data" / "chats.sqlite", clock=_clock())


# --------------------------------------------------------------------------- saving and reading back


def test_a_turn_comes_back_exactly_as_given_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    odd = _citation(2, title="Ünïcödé 中文 ✓", text="x\ud800 y", quote="", page=None, highlights=[], score=-3.25)
    answer = _answer("2.1 million masks [1], nothing else [2].", [_citation(), odd], error="the LLM stopped")
    store = ChatStore(path)
    chat_id = store.start("")
    store.add_turn("", chat_id, "How many masks?", answer)

    chat = ChatStore(path).get("", chat_id)  # a new store on the same file: it was written to disk

    assert chat is not None and chat.owner == "" and len(chat.turns) == 1
    turn = chat.turns[0]
    assert turn.citations == json.loads(json.dumps(answer["citations"]))  # highlights come back as lists, as JSON has them
    assert turn.citations[1]["text"] == "x\ud800 y"  # citations keep even a lone surrogate
    assert turn.to_json() == json.loads(json.dumps(answer | {"question": "How many masks?"}))
    assert (turn.answer, turn.refused, turn.backend, turn.error) == (answer["answer"], False, "extractive", "the LLM stopped")


def test_a_refusal_keeps_the_passages_it_offered_and_the_export_lists_them(tmp_path: Path) -> None:
    near = {
        "source": "reports/who.md",
        "title": "WHO report",
        "section": "Supplies",
        "page": 2,
        "text": "Masks *went*",
        "score": -0.5,
        "start_char": 40,
    }
    refusal = _answer("Not found in your documents.", [], closest=[near, near | {"page": None, "text": "x\ud800"}])
    store = ChatStore(tmp_path / "chats.sqlite")
    chat_id = store.start("")
    store.add_turn("", chat_id, "How many masks?", refusal)

    (turn,) = ChatStore(tmp_path / "chats.sqlite").get("", chat_id).turns  # type: ignore[union-attr]

    assert turn.refused and turn.closest == refusal["closest"] and turn.to_json()["closest"] == refusal["closest"]
    exported = store.export_markdown("", chat_id)
    assert exported is not None and "### Closest passages" in exported and "### Sources" not in exported
    assert "- WHO report · reports/who.md · page 2 · section: Supplies" in exported
    assert "> Masks \\*went\\*" in exported  # escaped: a passage restyles nothing


def test_nothing_is_created_until_first_use_and_then_a_versioned_wal_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "chats.sqlite"
    store = ChatStore(path)
    assert not path.parent.exists()

    assert store.list("") == []

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


# The first schema, as Citewise wrote it before answers could be tentative.
_SCHEMA_1 = (
    "CREATE TABLE chats (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL,"
    " updated REAL NOT NULL)",
    "CREATE INDEX chats_by_owner ON chats (owner, updated)",
    "CREATE TABLE turns (chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
    " question TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL, refused INTEGER NOT NULL,"
    " backend TEXT NOT NULL, citations TEXT NOT NULL, sentences TEXT NOT NULL, error TEXT NOT NULL,"
    " created REAL NOT NULL, PRIMARY KEY (chat_id, seq))",
    "PRAGMA user_version = 1",
)


def first_schema_file(path: Path) -> Path:
    """A chats file as the first schema wrote it: one chat, "old", with one answered turn."""
    with closing_db(path) as db:
        for statement in _SCHEMA_1:
            db.execute(statement)
        db.execute("INSERT INTO chats VALUES ('old', '', 'Masks', 1.0, 1.0)")
        row = ("old", 1, "How many masks?", "q", "2.1 million masks [1]", 0, "extractive", json.dumps([_citation()]))
        db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', '', 1.0)", row)
    return path


def test_a_file_of_the_first_schema_keeps_its_chats_and_then_saves_tentative_answers(tmp_path: Path) -> None:
    path = first_schema_file(tmp_path / "chats.sqlite")
    store = ChatStore(path)
    chat = store.get("", "old")
    assert chat is not None and [t.answer for t in chat.turns] == ["2.1 million masks [1]"]
    assert not chat.turns[0].tentative and chat.turns[0].citations == [_citation()]
    store.add_turn("", "old", "Gloves?", _answer("Gloves were not sent. [1]", tentative=True))

    turns = ChatStore(path).get("", "old").turns  # type: ignore[union-attr]
    assert [t.tentative for t in turns] == [False, True] and turns[1].to_json()["tentative"] is True
    with closing_db(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert [t.closest for t in turns] == [[], []]  # an answer of the first schema offered nothing
    exported = store.export_markdown("", "old")
    # Only the tentative answer carries the warning.
    assert exported is not None and exported.count("match the question only loosely") == 1


def test_processes_opening_a_first_schema_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    # Each thread is its own store and connection, as separate app processes are: one adds the column, the others
    # find it done (a second ALTER TABLE would fail with "duplicate column name").
    path = first_schema_file(tmp_path / "chats.sqlite")
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        try:
            start.wait()
            assert [c.id for c in ChatStore(path, timeout=30).list("")] == ["old"]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with closing_db(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        columns = [row[1] for row in db.execute("PRAGMA table_info(turns)")]
        assert columns.count("tentative") == 1 and columns.count("closest") == 1


def test_the_list_is_most_recently_used_first_with_turn_counts(store: ChatStore) -> None:
    first, second, third = (store.start("", title) for title in ("First", "Second", "Third"))
    store.add_turn("", first, "q1", _answer("a1"))
    store.add_turn("", first, "q2", _answer("a2"))
    assert store.rename("", second, "Second, renamed")  # renaming does not move a chat

    listed = store.list("")

    assert [(c.id, c.title, c.turns) for c in listed] == [
        (first, "First", 2),
        (third, "Third", 0),
        (second, "Second, renamed", 0),
    ]
    assert listed[0].updated > listed[0].created
    assert [t.question for t in store.get("", first).turns] == ["q1", "q2"]  # type: ignore[union-attr]


def test_the_first_question_names_an_untitled_chat(store: ChatStore) -> None:
    question = "How many   surgical masks\ndid the World Health Organization receive from donors during 2020?"
    chat_id = store.start("")
    assert store.list("")[0].title == ""
    store.add_turn("", chat_id, "Hi!", _answer("Hello."))  # small talk names nothing: the first question does
    assert store.list("")[0].title == ""

    store.add_turn("", chat_id, question, _answer("a"))
    store.add_turn("", chat_id, "A second question names nothing", _answer("b"))

    title = store.list("")[0].title
    assert title == "How many surgical masks did the World Health Organization…"
    assert len(title) <= 61 and " ".join(question.split()).startswith(title[:-1])
    named = store.start("", "  My\nchat  ")
    store.add_turn("", named, question, _answer("a"))
    assert store.get("", named).title == "My chat"  # type: ignore[union-attr]


def test_default_titles() -> None:
    assert default_title("  Short\tquestion? ") == "Short question?"
    assert default_title("x" * 100) == "x" * 60 + "…"  # one long word is cut, not dropped
    assert default_title("中" * 80) == "中" * 60 + "…"
    assert default_title("word " * 30) == ("word " * 12).strip() + "…"


def test_rename_and_delete_report_whether_the_chat_was_there(store: ChatStore, tmp_path: Path) -> None:
    chat_id = store.start("")
    store.add_turn("", chat_id, "q", _answer("a"))
    other = store.start("", "Other")

    assert store.rename("", chat_id, "  New\n title ") is True
    assert store.get("", chat_id).title == "New title"  # type: ignore[union-attr]
    assert store.rename("", "no-such-id", "x") is False

    assert store.delete("", chat_id) is True
    assert store.delete("", chat_id) is False
    assert store.get("", chat_id) is None and store.rename("", chat_id, "x") is False
    assert [c.id for c in store.list("")] == [other]
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns WHERE chat_id = ?", (chat_id,)).fetchone() == (0,)
    db.close()


def test_bad_titles_and_oversized_texts_are_refused_and_change_nothing(store: ChatStore) -> None:
    chat_id = store.start("", "Kept")
    for title in ("", "  \n ", "t" * (MAX_TITLE_CHARS + 1)):
        with pytest.raises(ValueError, match="title"):
            store.rename("", chat_id, title)
    with pytest.raises(ValueError, match="question"):
        store.add_turn("", chat_id, "q" * (MAX_QUESTION_CHARS + 1), _answer("a"))
    with pytest.raises(ValueError, match="answer"):
        store.add_turn("", chat_id, "q", _answer(["not", "text"]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="error"):
        store.add_turn("", chat_id, "q", _answer("a", error="e" * 200_001))
    with pytest.raises(ValueError, match="not JSON"):
        store.add_turn("", chat_id, "q", _answer("a", [{"n": 1, "source": object()}]))
    for owner in (None, "bad\udc80owner", "bad\x00owner", "x" * 201):
        with pytest.raises(ValueError, match="owner"):
            store.list(owner)  # type: ignore[arg-type]

    assert [(c.title, c.turns) for c in store.list("")] == [("Kept", 0)]
    assert store.add_turn("", chat_id, "q" * MAX_QUESTION_CHARS, _answer("a")) is None  # the cap itself is fine


# --------------------------------------------------------------------------- owners


def test_each_owner_sees_only_their_own_chats(store: ChatStore) -> None:
    alice = store.start("alice", "Alice's")
    store.add_turn("alice", alice, "secret question", _answer("secret answer"))
    local = store.start("", "Local")
    before = store.get("alice", alice)

    for owner in ("bob", "", "Alice"):
        assert alice not in [c.id for c in store.list(owner)]
        assert store.get(owner, alice) is None
        assert store.export_markdown(owner, alice) is None
        assert store.rename(owner, alice, "taken") is False
        assert store.delete(owner, alice) is False
        # Another owner's chat and a chat that never existed are told apart by nothing but the id.
        with pytest.raises(ChatNotFoundError) as theirs:
            store.add_turn(owner, alice, "q", _answer("a"))
        with pytest.raises(ChatNotFoundError) as missing:
            store.add_turn(owner, "x" * len(alice), "q", _answer("a"))
        assert str(theirs.value).replace(alice, "ID") == str(missing.value).replace("x" * len(alice), "ID")

    assert store.get("alice", alice) == before
    assert [c.id for c in store.list("alice")] == [alice]
    assert [c.id for c in store.list("")] == [local]
    assert store.get("alice", local) is None


# --------------------------------------------------------------------------- Markdown export

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# A soft line break shows as a space: only hard breaks keep a text's lines apart.
_SHOWN = {"strong_open": "**", "strong_close": "**", "em_open": "*", "em_close": "*", "softbreak": " ", "hardbreak": "\n"}


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """Each block of ``markdown`` as a CommonMark renderer sees it: (kind, text shown).

    Kind is h1..h6, "p", "> p" for a paragraph in a blockquote, or the token type of anything else
    (a list, code, HTML, a table). In the text, bold and italics show as ** and *, anything else
    (a link, code, HTML) as <its token type>.
    """
    blocks, depth, kind = [], 0, ""
    for token in _MARKDOWN.parse(markdown):
        if token.type in ("blockquote_open", "blockquote_close"):
            depth += 1 if token.type == "blockquote_open" else -1
        elif token.type in ("heading_open", "paragraph_open"):
            kind = token.tag if token.type == "heading_open" else "> p" if depth else "p"
        elif token.type == "inline":
            children = token.children or []
            blocks.append((kind, "".join(c.content if c.type == "text" else _SHOWN.get(c.type, f"<{c.type}>") for c in children)))
        elif token.type not in ("heading_close", "paragraph_close"):
            blocks.append((token.type, token.content))
    return blocks


def _paragraphs(text: str) -> list[str]:
    """How ``text`` shown literally reads: paragraphs of its lines, stripped, split at blank lines."""
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text)]
    groups = ("\n".join(group) for blank, group in itertools.groupby(lines, key=lambda line: not line) if not blank)
    return list(groups)


def _shown(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Blocks with each line's edges stripped, as ``_paragraphs`` strips them."""
    return [(kind, "\n".join(line.strip() for line in text.split("\n"))) for kind, text in blocks]


NASTY = (
    "# Not a heading\n* not a list\n- nor this\n+ nor this\n> not nested\n1. not numbered\n2) nor this\n\n    not code\n"
    "[link](http://x) <b>html</b> &amp; `code` *em* _em_ ~~gone~~ $x$\n| a | b |\n|---|---|\n---\n===\n\n[x]: http://x\n```"
)


def test_export_has_the_answer_its_markers_and_numbered_quoted_sources(store: ChatStore) -> None:
    chat_id = store.start("", "Masks *2020*")
    answer = "The WHO received 2.1 million masks [1].\n\n[2]: http://evil.example\nSee [1](http://evil.example) and [2]."
    store.add_turn("", chat_id, "How many masks?", _answer(answer, [_citation(), _citation(2, title="", quote=NASTY)]))
    store.add_turn("", chat_id, "And gloves?", _answer("No source says.", []))

    markdown = store.export_markdown("", chat_id)

    assert markdown is not None
    assert _shown(_blocks(markdown)) == [
        ("h1", "Masks *2020*"),
        ("h2", "Question 1"),
        ("p", "How many masks?"),
        ("h3", "Answer"),
        *(("p", p) for p in answer.split("\n\n")),
        ("h3", "Sources"),
        ("p", "**[1]** WHO report · reports/who.md · page 3 · section: Supplies > Masks"),
        ("> p", "In 2020 the WHO received 2.1 million masks."),
        ("p", "**[2]** reports/who.md · page 3 · section: Supplies > Masks"),
        *(("> p", p) for p in _paragraphs(NASTY)),
        ("h2", "Question 2"),
        ("p", "And gloves?"),
        ("h3", "Answer"),
        ("p", "No source says."),
    ]
    assert "\n[1] " not in markdown and "The WHO received 2.1 million masks [1]." in markdown  # markers left as typed


def test_export_marks_sources_whose_document_changed_or_went(store: ChatStore) -> None:
    chat_id = store.start("", "Masks")
    store.add_turn(
        "", chat_id, "q", _answer("a [1] [2] [3]", [_citation(1), _citation(2, source="gone.md"), _citation(3, source="b.md")])
    )
    texts = {"reports/who.md": DOCUMENT, "b.md": DOCUMENT.replace("2.1 million", "3 million")}

    markdown = store.export_markdown("", chat_id, current_text=texts.get)

    sources = [text for kind, text in _blocks(markdown or "") if text.startswith("**[")]
    assert sources == [
        "**[1]** WHO report · reports/who.md · page 3 · section: Supplies > Masks",
        "**[2]** WHO report · gone.md · page 3 · section: Supplies > Masks · *document deleted since*",
        "**[3]** WHO report · b.md · page 3 · section: Supplies > Masks · *changed since*",
    ]


def test_export_names_a_decks_page_a_slide(store: ChatStore) -> None:
    chat_id = store.start("", "Deck")
    store.add_turn("", chat_id, "q", _answer("a [1]", [_citation(1, source="talks/masks.pptx")]))
    sources = [text for kind, text in _blocks(store.export_markdown("", chat_id) or "") if text.startswith("**[")]
    assert sources == ["**[1]** WHO report · talks/masks.pptx · slide 3 · section: Supplies > Masks"]


# Any text, with Markdown's special pieces far more often than chance would bring them. No NUL: CommonMark shows it as U+FFFD.
_PIECES = ["#", "*", "_", ">", "-", "+", "=", "1.", "2)", "    ", "\t", "\n", "\r\n", "\n\n", "[", "]", "(", ")", ":", "!"]
_PIECES += ["`", "~~", "|", "\\", "<b>", "&amp;", "$", "http://x", " "]
_TEXT = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(st.characters(exclude_characters="\x00"), max_size=8)), max_size=16)
_PLAIN = _TEXT.map("".join)
_WITH_MARKERS = st.lists(st.one_of(_PLAIN, st.integers(1, 12).map(lambda n: f"[{n}]")), max_size=6).map("".join)


def test_any_text_round_trips_and_exports_literally(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite")

    @settings(database=None, deadline=None, max_examples=60)
    @given(question=_PLAIN, answer=_WITH_MARKERS.filter(str.strip), quote=_PLAIN.filter(str.strip))
    def check(question: str, answer: str, quote: str) -> None:
        chat_id = store.start("")
        store.add_turn("", chat_id, question, _answer(answer, [_citation(quote=quote)]))

        chat = store.get("", chat_id)

        assert chat is not None
        turn = chat.turns[0]
        # Free text loses only lone surrogates (UTF-8 cannot hold them; two halves become their character); citations
        # keep everything.
        assert (turn.question, turn.answer) == (whole_characters(question), whole_characters(answer))
        assert turn.citations[0]["quote"] == quote
        markdown = store.export_markdown("", chat_id)
        assert markdown is not None
        markdown.encode("utf-8")
        blocks = _shown(_blocks(markdown))
        expected = [("h2", "Question 1"), *(("p", p) for p in _paragraphs(turn.question)), ("h3", "Answer")]
        expected += [("p", p) for p in _paragraphs(turn.answer)]
        assert blocks[1 : len(expected) + 1] == expected
        assert blocks[len(expected) + 3 :] == [("> p", p) for p in _paragraphs(whole_characters(quote))]

    check()


# --------------------------------------------------------------------------- failures


def _refusals(store: ChatStore, chat_id: str) -> dict[str, ChatStoreError]:
    """What each method raises: every one must fail as a ChatStoreError."""
    calls: dict[str, Callable[[], object]] = {
        "list": lambda: store.list(""),
        "start": lambda: store.start(""),
        "get": lambda: store.get("", chat_id),
        "add_turn": lambda: store.add_turn("", chat_id, "q", _answer("a")),
        "rename": lambda: store.rename("", chat_id, "t"),
        "delete": lambda: store.delete("", chat_id),
        "export_markdown": lambda: store.export_markdown("", chat_id),
    }
    raised = {}
    for name, call in calls.items():
        with pytest.raises(ChatStoreError) as caught:
            call()
        raised[name] = caught.value
    return raised


def _aside(store: ChatStore) -> list[Path]:
    """The damaged files set aside beside the store's file (not their -wal and -shm)."""
    return sorted(p for p in store.path.parent.glob(f"{store.path.name}.damaged-*") if not p.name.endswith(("-wal", "-shm")))


def _leaf_pages(path: Path, name: str) -> list[tuple[int, int]]:
    """(page, rows on it) of every leaf page of the table or index ``name``, in key order (SQLite's ``dbstat``)."""
    with closing_db(path) as db:
        query = "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path"
        return [(int(page), int(rows)) for page, rows in db.execute(query, (name,))]


def _damage(path: Path, pages: list[int]) -> bytes:
    """Give each page a page type no B-tree has: SQLite finds it when a statement reads that page. The file's bytes."""
    with closing_db(path) as db:
        size = int(db.execute("PRAGMA page_size").fetchone()[0])
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xff")
    return path.read_bytes()


def _filled(store: ChatStore, chats: int, turns: int) -> dict[str, list[str]]:
    """``chats`` chats of alice's and bob's in turn, each of ``turns`` long answers; each chat's answers by id."""
    saved: dict[str, list[str]] = {}
    for number in range(chats):
        owner = ("alice", "bob")[number % 2]
        chat_id = store.start(owner, f"Chat {number}")
        saved[chat_id] = [f"Answer {number}.{turn} " + "word " * 150 for turn in range(turns)]
        for text in saved[chat_id]:
            store.add_turn(owner, chat_id, f"Question {number}?", _answer(text))
    return saved


def test_a_file_that_is_not_a_database_is_set_aside_unchanged_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    store = ChatStore(path)

    assert store.list("") == []  # the call that found it goes on, in a new file
    chat_id = store.start("", "New")
    store.add_turn("", chat_id, "q", _answer("a"))

    (aside,) = _aside(store)
    assert aside.read_bytes() == garbage
    assert [(c.title, c.turns) for c in store.list("")] == [("New", 1)]
    recovery = store.take_recovery()
    assert recovery is not None and (recovery.aside, recovery.chats, recovery.turns, recovery.complete) == (aside, 0, 0, False)
    assert str(aside) in recovery.message and "could not be read" in recovery.message
    assert store.take_recovery() is None and store.recovery == recovery  # reported once, recorded


def test_a_damaged_page_costs_only_the_answers_on_it(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite")
    saved = _filled(store, chats=30, turns=3)
    leaves = _leaf_pages(store.path, "turns")
    page, lost = leaves[len(leaves) // 2]
    damaged = _damage(store.path, [page])

    alices = {c.id for c in store.list("alice")}

    for chat_id in saved:  # reading the chat whose answers are on the page finds it; the reads go on in the new file
        assert store.get("alice" if chat_id in alices else "bob", chat_id) is not None

    (aside,) = _aside(store)
    assert aside.read_bytes() == damaged
    recovery = store.recovery
    assert recovery is not None and not recovery.complete
    assert (recovery.chats, recovery.turns) == (30, 90 - lost)
    # Every chat is back with its owner alone, and every answer that was readable as it was saved.
    assert {c.id for c in store.list("alice")} == alices
    assert {c.id for c in store.list("bob")} == set(saved) - alices
    kept = 0
    for chat_id, answers in saved.items():
        owner = "alice" if chat_id in alices else "bob"
        chat = store.get(owner, chat_id)
        assert chat is not None and store.get("", chat_id) is None
        texts = [turn.answer for turn in chat.turns]
        assert all(text in answers for text in texts) and texts == sorted(texts, key=answers.index)
        kept += len(texts)
    assert kept == 90 - lost
    # New answers go on in the new file, after the recovered ones.
    chat_id = next(iter(saved))
    store.add_turn("alice", chat_id, "Later?", _answer("Later."))
    later = store.get("alice", chat_id)
    assert later is not None and later.turns[-1].answer == "Later."


def test_a_damaged_index_is_made_anew_and_loses_nothing(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite")
    _filled(store, chats=40, turns=2)
    before = {owner: [(c.id, c.title, c.turns) for c in store.list(owner)] for owner in ("alice", "bob")}
    _damage(store.path, [page for page, _ in _leaf_pages(store.path, "chats_by_owner")])

    after = {owner: [(c.id, c.title, c.turns) for c in store.list(owner)] for owner in ("alice", "bob")}

    assert after == before
    assert store.recovery is not None and store.recovery.complete and len(_aside(store)) == 1
    assert (store.recovery.chats, store.recovery.turns) == (40, 80)
    assert "40 chats with 80 answers could be read" in store.recovery.message
    assert "could not be read" not in store.recovery.message and ".recover" not in store.recovery.message


def test_what_is_read_of_a_damaged_file_of_the_first_schema_takes_the_new_columns_defaults(tmp_path: Path) -> None:
    path = first_schema_file(tmp_path / "chats.sqlite")  # one chat, one answer; the chats table's page damaged
    _damage(path, [page for page, _ in _leaf_pages(path, "chats")])

    chats, turns, complete = _salvage(path)

    assert chats == [] and not complete  # the chat's row is lost, and with it the owner of its answer
    assert [(turn[0], turn[4], turn[11], turn[12]) for turn in turns] == [("old", "2.1 million masks [1]", 0, "[]")]


def test_stores_that_find_the_damage_at_once_set_it_aside_once(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    _filled(ChatStore(path), chats=6, turns=1)
    _damage(path, [page for page, _ in _leaf_pages(path, "chats")])  # in place: the same file, as other processes see it
    stores = [ChatStore(path, timeout=30) for _ in range(6)]
    start = threading.Barrier(len(stores))
    listed: list[object] = []

    def read(store: ChatStore) -> None:
        start.wait()
        try:
            listed.append([chat.title for chat in store.list("alice")])
            store.start("alice", "After")  # and writes in the new file while the others recover or read
        except Exception as error:
            listed.append(error)

    threads = [threading.Thread(target=read, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The chats table's one page is lost; every call answers, and sees none but the chats written since.
    assert all(isinstance(titles, list) and set(titles) <= {"After"} for titles in listed), listed
    assert len(_aside(stores[0])) == 1
    assert sum(store.recovery is not None for store in stores) == 1
    assert [c.title for c in ChatStore(path).list("alice")] == ["After"] * len(stores)  # nothing written was lost


@pytest.mark.parametrize("kind", ["another program's database", "a newer schema"])
def test_a_file_that_is_not_ours_is_left_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "chats.sqlite"
    with sqlite3.connect(path) as db:
        if kind == "a newer schema":
            db.execute("PRAGMA user_version = 99")
        else:
            db.execute("CREATE TABLE notes (body TEXT)")
    db.close()
    before = path.read_bytes()

    raised = _refusals(ChatStore(path), "some-id")

    assert {e.reason for e in raised.values()} == ({"newer"} if kind == "a newer schema" else {"corrupt"})
    assert all(str(path) in str(e) for e in raised.values())
    assert path.read_bytes() == before


def test_a_locked_file_is_reported_after_the_timeout_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    store = ChatStore(path, timeout=0.2)
    chat_id = store.start("", "Kept")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for write in (
            lambda: store.add_turn("", chat_id, "q", _answer("a")),
            lambda: store.start(""),
            lambda: store.delete("", chat_id),
        ):
            with pytest.raises(ChatStoreError) as caught:
                write()
            assert caught.value.reason == "locked"
            assert str(path) in str(caught.value) and "locked by another program (waited 0.2 s)" in str(caught.value)
        assert [c.title for c in store.list("")] == ["Kept"]  # WAL: readers do not wait for a writer
    finally:
        other.execute("ROLLBACK")
        other.close()

    store.add_turn("", chat_id, "q", _answer("a"))
    assert [c.turns for c in store.list("")] == [1]


def test_a_file_locked_before_it_has_a_schema_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # a plain (rollback journal) file: readers wait too
    try:
        with pytest.raises(ChatStoreError) as caught:
            ChatStore(path, timeout=0.2).list("")
        assert caught.value.reason == "locked" and str(path) in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert ChatStore(path).list("") == []


def test_a_full_file_is_reported_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite"
    store = ChatStore(path, max_bytes=64 * 1024)  # SQLite's max_page_count: the same SQLITE_FULL as a full disk
    chat_id = store.start("", "Kept")
    store.add_turn("", chat_id, "small", _answer("fits"))

    with pytest.raises(ChatStoreError) as caught:
        store.add_turn("", chat_id, "big", _answer("x" * 150_000))

    assert caught.value.reason == "full" and str(path) in str(caught.value) and "full" in str(caught.value)
    assert [t.question for t in store.get("", chat_id).turns] == ["small"]  # type: ignore[union-attr]
    store.add_turn("", chat_id, "small again", _answer("fits"))
    assert [t.question for t in store.get("", chat_id).turns] == ["small", "small again"]  # type: ignore[union-attr]


def _in_child(work: Callable[[], object], setup: Callable[[], object]) -> Any:
    """What ``work`` returns (JSON data) when run in a forked child after ``setup``; the child never returns into pytest."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            setup()
            result = json.dumps(work())
        except BaseException as error:
            result = json.dumps(f"the child failed: {error!r}")
        os.write(write, result.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        result = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(result)


def _reasons(store: ChatStore, attempts: dict[str, Callable[[], object]]) -> dict[str, list[str]]:
    """Each attempt's ChatStoreError reason and message ("ok" when it did not fail)."""
    results = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            results[name] = ["ok", ""]
        except ChatStoreError as error:
            results[name] = [error.reason, str(error)]
    return results


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX processes")
def test_a_write_the_system_refuses_is_reported_and_loses_nothing(tmp_path: Path) -> None:
    import resource
    import signal

    path = tmp_path / "chats.sqlite"
    store = ChatStore(path)
    chat_id = store.start("", "Kept")
    store.add_turn("", chat_id, "small", _answer("fits"))

    def limit_file_size() -> None:
        # Past 64 KiB the kernel refuses to grow any file of this process (EFBIG), as a full disk refuses (ENOSPC).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    outcome = _in_child(
        lambda: _reasons(store, {"big": lambda: store.add_turn("", chat_id, "big", _answer("x" * 150_000))}), limit_file_size
    )

    reason, message = outcome["big"]
    assert reason == "disk" and str(path) in message
    assert [t.question for t in store.get("", chat_id).turns] == ["small"]  # type: ignore[union-attr]
    store.add_turn("", chat_id, "big", _answer("x" * 150_000))
    assert [c.turns for c in store.list("")] == [2]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX permissions")
def test_a_read_only_file_or_folder_is_reported(tmp_path: Path) -> None:
    root = os.geteuid() == 0
    # Root ignores permissions: a forked child gives up root, in a folder it may enter (tmp_path's parents are private).
    folder = Path(tempfile.mkdtemp()) if root else tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "chats.sqlite"
    store = ChatStore(path)
    chat_id = store.start("", "Kept")
    store.add_turn("", chat_id, "q", _answer("a"))
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        attempts = {
            "add_turn": lambda: store.add_turn("", chat_id, "q2", _answer("b")),
            "start": lambda: store.start(""),
            "new file": lambda: ChatStore(folder / "more" / "chats.sqlite").start(""),
        }
        outcome = _in_child(lambda: _reasons(store, attempts), lambda: (os.setgid(65534), os.setuid(65534)) if root else None)
        assert {name: reason for name, (reason, _) in outcome.items()} == dict.fromkeys(attempts, "read-only"), outcome
        assert str(path) in outcome["add_turn"][1] and "CITEWISE_DATA_DIR" in outcome["add_turn"][1]
        assert path.read_bytes() == before
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
        if root:
            shutil.rmtree(folder)


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    path = blocker / "chats.sqlite"

    with pytest.raises(ChatStoreError) as caught:
        ChatStore(path).list("")

    assert str(path) in str(caught.value)
    assert blocker.read_text() == "a file where the data folder should be"


def test_a_file_moved_aside_while_running_is_started_afresh(store: ChatStore) -> None:
    chat_id = store.start("", "Old")
    store.path.rename(store.path.with_name("chats.damaged.sqlite"))

    assert store.list("") == [] and store.get("", chat_id) is None
    store.start("", "New")
    assert [c.title for c in store.list("")] == ["New"]


def test_turns_added_from_many_threads_are_all_kept_in_order(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite", timeout=30)
    chat_id = store.start("")
    errors: list[BaseException] = []

    def ask(worker: int) -> None:
        try:
            for n in range(5):
                store.add_turn("", chat_id, f"{worker}-{n}", _answer(f"answer {worker}-{n}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    questions = [t.question for t in store.get("", chat_id).turns]  # type: ignore[union-attr]
    assert sorted(questions) == sorted(f"{w}-{n}" for w in range(8) for n in range(5))
    for worker in range(8):
        assert [q for q in questions if q.startswith(f"{worker}-")] == [f"{worker}-{n}" for n in range(5)]


# --------------------------------------------------------------------------- changed citations


def test_a_citation_is_changed_when_its_document_went_or_its_words_did() -> None:
    citation = _citation()
    assert changed(citation, DOCUMENT) is False
    assert changed(citation, DOCUMENT.replace("received 2.1", "received\n   2.1")) is False  # re-wrapped, same words
    assert changed(citation, None) is True
    assert changed(citation, DOCUMENT.replace("2.1 million", "2.4 million")) is True
    assert changed(citation, DOCUMENT.replace("Gloves were not sent.", "Gloves were sent.")) is False  # not quoted


def test_each_quoted_sentence_is_checked_on_its_own() -> None:
    text = _citation()["text"]
    first, last = "In 2020 the WHO received 2.1 million masks.", "The rest went to clinics."
    spans = [[text.index(first), text.index(first) + len(first)], [text.index(last), text.index(last) + len(last)]]
    citation = _citation(highlights=spans, quote=f"{first} {last}")  # the two sentences are not adjacent
    assert changed(citation, DOCUMENT) is False
    assert changed(citation, DOCUMENT.replace("to clinics", "to hospitals")) is True


def test_with_nothing_quoted_the_chunk_text_is_compared() -> None:
    citation = _citation(quote="", highlights=[])
    assert changed(citation, DOCUMENT) is False
    assert changed(citation, DOCUMENT.replace("Gloves were not sent.", "Gloves were sent.")) is True
    assert changed({"text": "", "quote": ""}, "anything") is False  # nothing was shown, so nothing can differ


def test_an_emoji_sent_as_two_halves_is_saved_whole(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite")
    chat_id = store.start("")
    store.add_turn("", chat_id, "Masks \ud83d\ude37 for Serbia? \ud83d", _answer("Yes \ud83d\ude37.", []))
    chat = store.get("", chat_id)
    assert chat is not None
    assert (chat.title, chat.turns[0].question, chat.turns[0].answer) == (
        "Masks \U0001f637 for Serbia? \ufffd",
        "Masks \U0001f637 for Serbia? \ufffd",
        "Yes \U0001f637.",
    )
