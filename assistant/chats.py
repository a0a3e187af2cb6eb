"""Saved chats: every question, answer and citation as given, in one SQLite file, each chat visible to its owner only."""

from __future__ import annotations

import errno
import json
import logging
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from assistant.prompts import render
from index.damage import file_identity, is_damage, set_aside
from index.loader import page_word
from index.text import MAX_QUESTION_CHARS, SURROGATE, small_talk, whole_characters

__all__ = [
    "Chat",
    "ChatNotFoundError",
    "ChatStore",
    "ChatStoreError",
    "ChatSummary",
    "Recovery",
    "SavedTurn",
    "changed",
    "default_title",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 3  # 2: turns.tentative; 3: turns.closest
# Caps keep one bad request from bloating the file: questions are capped upstream (CITEWISE_MAX_QUESTION_CHARS, 2,000
# by default, at most MAX_QUESTION_CHARS), answers are a few thousand characters, citations a few chunks each.
MAX_TITLE_CHARS = 200
MAX_ANSWER_CHARS = 200_000
MAX_JSON_CHARS = 5_000_000
DEFAULT_TITLE_CHARS = 60

_SCHEMA = (
    "CREATE TABLE chats (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL,"
    " updated REAL NOT NULL)",
    "CREATE INDEX chats_by_owner ON chats (owner, updated)",
    "CREATE TABLE turns (chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
    " question TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL, refused INTEGER NOT NULL,"
    " backend TEXT NOT NULL, citations TEXT NOT NULL, sentences TEXT NOT NULL, error TEXT NOT NULL,"
    " created REAL NOT NULL, tentative INTEGER NOT NULL DEFAULT 0, closest TEXT NOT NULL DEFAULT '[]',"
    " PRIMARY KEY (chat_id, seq))",
)
# What each older schema needs to read as today's, in order; a file is brought up to date on first use.
_MIGRATIONS = {
    1: ("ALTER TABLE turns ADD COLUMN tentative INTEGER NOT NULL DEFAULT 0",),
    2: ("ALTER TABLE turns ADD COLUMN closest TEXT NOT NULL DEFAULT '[]'",),
}
_INSERT_TURN = (
    "INSERT INTO turns (chat_id, seq, question, answer, refused, backend, citations, query, sentences, error, tentative,"
    " closest, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Each table's columns in today's schema, with what a file of an older one lacks read as its default.
_CHAT_COLUMNS = {"id": None, "owner": None, "title": None, "created": None, "updated": None}
_TURN_COLUMNS = dict.fromkeys(
    ("chat_id", "seq", "question", "query", "answer", "refused", "backend", "citations", "sentences", "error", "created")
) | {"tentative": "0", "closest": "'[]'"}
_SALVAGE_QUERIES = 20_000  # a damaged file's reads at most, per table: its rows are read in ranges halved where one fails
_VERSION_AND_TABLES = "SELECT (SELECT user_version FROM pragma_user_version), EXISTS (SELECT 1 FROM sqlite_master)"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Markdown's line endings, no more (str.splitlines also splits on \x0c, \u2028...)
_MARKER = re.compile(r"(\[\d+\])")
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&$!])")  # ASCII punctuation that restyles text anywhere in a line
_LIST_START = re.compile(r"(\d+)([.)])")

_REASONS = {
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_CORRUPT: "corrupt",
    sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_READONLY: "read-only",
    sqlite3.SQLITE_PERM: "read-only",
    sqlite3.SQLITE_CANTOPEN: "read-only",
    sqlite3.SQLITE_IOERR: "disk",
}
_OS_REASONS = {
    errno.ENOSPC: "full",
    errno.EACCES: "read-only",
    errno.EPERM: "read-only",
    errno.EROFS: "read-only",
    errno.EIO: "disk",
}
_ADVICE = {
    "full": "could not be written: the disk (or the size limit set for the file) is full. Free some space, then try again.",
    "locked": "is locked by another program (waited {timeout:g} s). Close other Citewise windows or tools using it, "
    "then try again.",
    "corrupt": "is damaged or is not a Citewise chats file. It was left untouched: move it aside (or recover it with "
    "`sqlite3 FILE .recover`) and a new one will be started.",
    "read-only": "cannot be opened for writing: it or its folder is read-only or not permitted. Fix the permissions, "
    "or set CITEWISE_DATA_DIR to a writable folder.",
    "disk": "could not be read or written (a disk error). Check the disk, then try again.",
    "other": "could not be used. Try again; if it keeps failing, move the file aside.",
}


class ChatStoreError(RuntimeError):
    """The chats file could not be read or written; the message names the file and what to do.

    ``reason`` is one of "full", "locked", "corrupt", "read-only", "disk", "newer", "other".
    """

    def __init__(self, message: str, *, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Recovery:
    """A chats file found damaged: set aside as found (``aside``), and what of it was copied into a new one."""

    aside: Path
    chats: int  # the chats copied, with ``turns`` of their answers
    turns: int
    complete: bool  # False when a part of the file could not be read (its chats or answers stay in ``aside`` alone)
    when: float

    @property
    def message(self) -> str:
        """What happened, for the Chats panel and the log."""
        at = datetime.fromtimestamp(self.when).strftime("%Y-%m-%d %H:%M")
        kept = f"{self.chats:,} chat{'s' * (self.chats != 1)} with {self.turns:,} answer{'s' * (self.turns != 1)}"
        lost = (
            ""
            if self.complete
            else f" Some of it could not be read: those answers are only in the damaged file (`sqlite3 {self.aside} "
            ".recover` may read more of it)."
        )
        return (
            f"The chats file was found damaged ({at}) and set aside, unchanged, as {self.aside}; {kept} could be read "
            f"and are saved in a new file, where new chats go.{lost}"
        )


class _Damaged(Exception):
    """SQLite found the chats file damaged; ``identity`` is the (device, inode) of the file the connection opened."""

    def __init__(self, identity: tuple[int, int] | None) -> None:
        super().__init__("damaged")
        self.identity = identity


class _Gate:
    """The calls on one chats file in this process: any number at once, or a recovery alone.

    A call whose connection was opened on the file before it was set aside failed ("disk I/O error": SQLite does not
    write to a database file that has moved), and two stores recovering at once both found the file theirs to set
    aside (the second rename failed): a recovery waits until every call on the file has closed its connection, and
    runs alone.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._calls = 0
        self._recovering = False

    @contextmanager
    def call(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._recovering)
            self._calls += 1
        try:
            yield
        finally:
            with self._changed:
                self._calls -= 1
                self._changed.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._recovering)
            self._recovering = True
            self._changed.wait_for(lambda: self._calls == 0)
        try:
            yield
        finally:
            with self._changed:
                self._recovering = False
                self._changed.notify_all()


_GATES: dict[Path, _Gate] = {}
_GATES_LOCK = threading.Lock()


def _gate(path: Path) -> _Gate:
    """The one gate of the chats file at ``path`` in this process, whichever store opens it."""
    with _GATES_LOCK:
        return _GATES.setdefault(path.resolve(), _Gate())


class ChatNotFoundError(LookupError):
    """No chat with this id belongs to this owner (another owner's chat looks exactly the same)."""


@dataclass(frozen=True)
class ChatSummary:
    """One line of the Chats list."""

    id: str
    title: str  # "" until the first question names it ("Hi!" does not)
    created: float
    updated: float  # the last question asked in it; renaming does not move a chat
    turns: int


@dataclass(frozen=True)
class SavedTurn:
    """One question and its answer, as shown when it was asked."""

    question: str
    answer: str
    refused: bool
    backend: str
    citations: list[dict[str, Any]]  # ``Citation.to_json()`` dicts, exactly as given
    created: float
    query: str = ""
    sentences: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    tentative: bool = False
    # The passages a refusal offered (``closest_json`` dicts, exactly as given); empty in a chat saved before schema 3.
    closest: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` shape the turn was saved from."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.answer,
            "refused": self.refused,
            "tentative": self.tentative,
            "backend": self.backend,
            "citations": self.citations,
            "sentences": self.sentences,
            "closest": self.closest,
            "error": self.error or None,
        }


@dataclass(frozen=True)
class Chat:
    """A saved chat and its turns, oldest first."""

    id: str
    title: str
    owner: str
    turns: list[SavedTurn]


class ChatStore:
    """Saved chats in one SQLite file; every method is scoped to ``owner`` ("" for the local user).

    Each call opens its own connection (safe from any thread) and runs one transaction; the file is
    created on first use, and every SQLite or file failure is a ``ChatStoreError``, except damage: a file SQLite
    finds damaged (a crash of the machine, a failing disk, a bad copy) is set aside unchanged, every chat and answer
    that can still be read is copied into a new file (``recovery`` says what), and the call is made again there.
    Citations are kept exactly as given (JSON with ``\\u`` escapes). SQLite text must be UTF-8, so in the
    free texts (question, answer, title...) two surrogate halves become their character and a lone one U+FFFD
    (``whole_characters``).

    Args:
        path: the SQLite file, e.g. ``CITEWISE_DATA_DIR/chats.sqlite``.
        timeout: seconds to wait for another writer's lock before giving up.
        clock: the time source for ``created``/``updated`` (tests pass a counter).
        max_bytes: the most the file may grow to (SQLite's ``max_page_count``); past it, saving fails
            exactly as on a full disk. None: as much as the disk holds.

    Example:
        >>> store = ChatStore(data_dir / "chats.sqlite")
        >>> chat_id = store.start("")
        >>> store.add_turn("", chat_id, "How many masks?", citewise.ask("How many masks?").complete().to_json())
        >>> [(c.title, c.turns) for c in store.list("")]
        [('How many masks?', 1)]
    """

    def __init__(
        self, path: Path, *, timeout: float = 2.0, clock: Callable[[], float] = time.time, max_bytes: int | None = None
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._clock = clock
        self.recovery: Recovery | None = None  # the last damaged file this store set aside, if any
        self._unreported: Recovery | None = None  # the same, until ``take_recovery`` hands it on once
        self._recovering = threading.Lock()
        self._gate = _gate(self.path)

    def start(self, owner: str, title: str = "") -> str:
        """A new empty chat's id; with no ``title``, the first question names it."""
        row = (secrets.token_urlsafe(9), owner_name(owner), _title(title) if title.strip() else "", self._clock())
        self._run(lambda db: db.execute("INSERT INTO chats VALUES (?, ?, ?, ?, ?)", (*row, row[-1])), write=True)
        return row[0]

    def add_turn(self, owner: str, chat_id: str, question: str, answer_json: Mapping[str, Any]) -> None:
        """Append a question and its ``ask --json`` answer; raises ``ChatNotFoundError`` for no such chat of ``owner``."""
        owner, turn, now = owner_name(owner), _turn_row(question, answer_json), self._clock()

        def add(db: sqlite3.Connection) -> None:
            found = db.execute("SELECT title FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone()
            if found is None:
                raise ChatNotFoundError(f"No saved chat {chat_id!r}.")
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()
            db.execute(_INSERT_TURN, (chat_id, seq, *turn, now))
            title = found[0] or ("" if small_talk(question) else default_title(question))  # not "Hi!": the next question
            db.execute("UPDATE chats SET title = ?, updated = ? WHERE id = ?", (title, now, chat_id))

        self._run(add, write=True)

    def list(self, owner: str) -> list[ChatSummary]:
        """The owner's chats, most recently used first."""
        query = (
            "SELECT id, title, created, updated, (SELECT COUNT(*) FROM turns WHERE turns.chat_id = chats.id) FROM chats"
            " WHERE owner = ? ORDER BY updated DESC, rowid DESC"
        )
        owner = owner_name(owner)
        return self._run(lambda db: [ChatSummary(*row) for row in db.execute(query, (owner,))], write=False)

    def get(self, owner: str, chat_id: str) -> Chat | None:
        """The chat with its turns, or None when ``owner`` has no such chat."""
        owner = owner_name(owner)

        def read(db: sqlite3.Connection) -> Chat | None:
            found = db.execute("SELECT title FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone()
            if found is None:
                return None
            rows = db.execute(
                "SELECT question, answer, refused, backend, citations, created, query, sentences, error, tentative,"
                " closest FROM turns WHERE chat_id = ? ORDER BY seq",
                (chat_id,),
            ).fetchall()
            turns = [
                SavedTurn(q, a, bool(r), b, _load_list(c), t, qu, _load_list(s), e, bool(tent), _load_list(near))
                for q, a, r, b, c, t, qu, s, e, tent, near in rows
            ]
            return Chat(chat_id, found[0], owner, turns)

        return self._run(read, write=False)

    def rename(self, owner: str, chat_id: str, title: str) -> bool:
        """Retitle a chat; False when ``owner`` has no such chat. A blank or over-long title is a ValueError."""
        row = (_title(title), chat_id, owner_name(owner))
        return self._run(lambda db: db.execute("UPDATE chats SET title = ? WHERE id = ? AND owner = ?", row).rowcount == 1)

    def delete(self, owner: str, chat_id: str) -> bool:
        """Delete a chat and its turns; False when ``owner`` has no such chat."""
        owner = owner_name(owner)  # its turns go with it: ON DELETE CASCADE
        return self._run(lambda db: db.execute("DELETE FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).rowcount == 1)

    def export_markdown(self, owner: str, chat_id: str, *, current_text: Callable[[str], str | None] | None = None) -> str | None:
        """The chat as a Markdown document, or None when ``owner`` has no such chat.

        Each question, its answer with its ``[n]`` markers, and its numbered sources with the quoted
        text as a blockquote. Every text is escaped, so nothing in it can restyle the document (lines
        lose their leading indentation, which Markdown would read as code). With ``current_text``
        (a document's source -> its text now, None when deleted), sources that ``changed`` are marked.
        """
        chat = self.get(owner, chat_id)
        if chat is None:
            return None
        lines = [f"# {_inline(chat.title) or 'Untitled chat'}", ""]
        for number, turn in enumerate(chat.turns, start=1):
            lines += [f"## Question {number}", "", _paragraphs(turn.question), "", "### Answer", ""]
            no_answer = f"*No answer.* {_inline(turn.error)}".rstrip()
            lines += [_paragraphs(turn.answer, markers=True) if turn.answer.strip() else no_answer, ""]
            lines += [f"*{_inline(render('tentative'))}*", ""] if turn.tentative else []
            if turn.citations:
                lines += ["### Sources", ""]
            for index, citation in enumerate(turn.citations, start=1):
                lines += [_source_line(citation, index, current_text), ""]
                quoted = str(citation.get("quote") or citation.get("text") or "")
                lines += [_paragraphs(quoted, prefix="> "), ""] if quoted.strip() else []
            if turn.closest:
                lines += ["### Closest passages (none of them says what was asked)", ""]
            for passage in turn.closest:
                text = str(passage.get("text") or "")
                lines += ["- " + " · ".join(_where(passage)), ""] + ([_paragraphs(text, prefix="> "), ""] if text.strip() else [])
        return whole_characters("\n".join(lines).rstrip() + "\n")  # a citation may hold one; the file is UTF-8

    def take_recovery(self) -> Recovery | None:
        """The recovery of a damaged file not yet reported, once: the next call returns None until another."""
        with self._recovering:
            found, self._unreported = self._unreported, None
            return found

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """``work`` in one transaction; in a file found damaged, after ``_recover``, once more in the new file."""
        try:
            with self._session(write=write, heal=True) as db:
                return work(db)
        except _Damaged as found:
            self._recover(found.identity)
        with self._session(write=write, heal=False) as db:  # damaged again: reported, no second recovery
            return work(db)

    def _recover(self, identity: tuple[int, int] | None) -> None:
        """Set the damaged file aside and copy what can be read of it into a new one (``Recovery``).

        Nothing is done when the file at ``path`` is no longer the one found damaged: another thread or process has
        set it aside already, and its new file is used.
        """
        with self._gate.alone(), self._recovering:
            if identity is None or file_identity(self.path) != identity:
                return  # set aside already (a new file, or none yet, at its path)
            try:
                aside = set_aside(self.path)
            except OSError as error:
                raise self._failure(error) from error
            logger.warning("chats file %s is damaged: set aside as %s; copying what can be read of it", self.path, aside)
            chats, turns, complete = _salvage(aside)
            kept = {row[0] for row in chats}
            owned = [row for row in turns if row[0] in kept]  # an answer whose chat is lost has no known owner

            with self._session(write=True, heal=False, gated=False) as db:  # this call holds the gate
                db.executemany("INSERT OR IGNORE INTO chats VALUES (?, ?, ?, ?, ?)", chats)
                db.executemany(f"INSERT OR IGNORE INTO turns ({', '.join(_TURN_COLUMNS)}) VALUES ({', '.join('?' * 13)})", owned)
            self.recovery = self._unreported = Recovery(
                aside, len(chats), len(owned), complete and len(owned) == len(turns), self._clock()
            )
            logger.warning("%s", self.recovery.message)

    @contextmanager
    def _session(self, *, write: bool, heal: bool = False, gated: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection of this call alone, in one transaction (IMMEDIATE for writes: any lock wait comes first).

        With ``heal``, damage is raised as ``_Damaged`` (for ``_run`` to recover), else as a ``ChatStoreError``. The
        connection is open only within the file's gate (``_Gate``), unless the caller holds it already.
        """
        identity = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with (
                self._gate.call() if gated else nullcontext(),
                closing(sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)) as db,
            ):
                identity = file_identity(self.path)
                db.execute("PRAGMA foreign_keys = ON")
                if self.max_bytes is not None:
                    (page_size,) = db.execute("PRAGMA page_size").fetchone()
                    db.execute(f"PRAGMA max_page_count = {max(1, self.max_bytes // page_size)}")
                self._check_schema(db)
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield db
                    db.execute("COMMIT")
                finally:
                    if db.in_transaction:
                        with suppress(sqlite3.Error):
                            db.execute("ROLLBACK")
        except (sqlite3.Error, OSError, json.JSONDecodeError) as error:
            if heal and isinstance(error, sqlite3.Error) and is_damage(error):
                logger.warning("chats file %s: %s", self.path, error)
                raise _Damaged(identity) from error
            raise self._failure(error) from error

    def _check_schema(self, db: sqlite3.Connection) -> None:
        """Create the schema in a new or empty file; refuse one from a newer Citewise or another program.

        Checked on every call (one read), so a file moved aside while the app runs is started afresh.
        """
        # One statement, so one snapshot: read apart, another process could create the schema in between, and its
        # tables would be taken for another program's. A damaged file fails here, unchanged.
        version, tables = db.execute(_VERSION_AND_TABLES).fetchone()
        if version == 0:
            if tables:
                raise sqlite3.DatabaseError("the file holds another program's tables")  # checked before any write
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
            db.execute("BEGIN IMMEDIATE")  # two processes creating the file: the second finds it done
            try:
                (version,) = db.execute("PRAGMA user_version").fetchone()
                if version == 0:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
                db.execute("COMMIT")
            finally:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
        if version < SCHEMA_VERSION:
            self._migrate(db)
        elif version > SCHEMA_VERSION:
            message = (
                f"Saved chats are unavailable: {self.path} was written by a newer Citewise (schema {version}; this one "
                f"reads {SCHEMA_VERSION}). Upgrade Citewise, or move the file aside to start a new one."
            )
            raise ChatStoreError(message, path=self.path, reason="newer")

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring a file of an older schema up to date, in one transaction (another process may be doing it too)."""
        db.execute("BEGIN IMMEDIATE")
        try:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            for step in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS[step]:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")

    def _failure(self, error: Exception) -> ChatStoreError:
        """``error`` as a ChatStoreError whose message names the file, what went wrong and what to do."""
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(error, json.JSONDecodeError) or (code is None and isinstance(error, sqlite3.DatabaseError)):
            reason = "corrupt"
        elif isinstance(error, OSError):
            reason = _OS_REASONS.get(error.errno or 0, "other")
        else:
            reason = _REASONS.get(code & 0xFF if isinstance(code, int) else -1, "other")  # extended codes -> primary
        advice = _ADVICE[reason].format(timeout=self.timeout).replace("FILE", str(self.path))
        logger.warning("chats file %s: %s", self.path, error)
        return ChatStoreError(f"Saved chats are unavailable: {self.path} {advice} ({error})", path=self.path, reason=reason)


def _salvage(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], bool]:
    """The chats and answers that can be read from the damaged file ``path``, and whether every part of it could be.

    A copy is read (the file set aside stays as found), each table by rowid ranges: a range that fails is halved
    until the rows that cannot be read are isolated, so a damaged page costs only its own rows. Indexes are not used:
    a damaged one costs nothing. Rows that read but do not hold what Citewise wrote are left out.
    """
    try:
        with tempfile.TemporaryDirectory(prefix=".chats-recovery-", dir=path.parent) as folder:
            copy = Path(folder) / "chats.sqlite"
            shutil.copyfile(path, copy)
            if (wal := path.with_name(path.name + "-wal")).exists():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))  # committed answers not yet in the file
            with closing(sqlite3.connect(copy, isolation_level=None)) as db:
                chats, whole_chats = _readable(db, "chats", _CHAT_COLUMNS)
                turns, whole_turns = _readable(db, "turns", _TURN_COLUMNS)
    except (sqlite3.Error, OSError) as error:  # not even its list of tables can be read, or no room for the copy
        logger.warning("nothing could be read of the damaged chats file %s: %s", path, error)
        return [], [], False
    sound_chats = [row for row in chats if _is_chat(row)]
    sound_turns = [row for row in turns if _is_turn(row)]
    whole = whole_chats and whole_turns and len(sound_chats) == len(chats) and len(sound_turns) == len(turns)
    return sound_chats, sound_turns, whole


def _readable(db: sqlite3.Connection, table: str, columns: Mapping[str, str | None]) -> tuple[list[tuple[Any, ...]], bool]:
    """Every row of ``table`` that can be read, in rowid order, as today's ``columns``; and whether all could be."""
    held = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    if not held:
        return [], False
    select = ", ".join(name if name in held else str(default) for name, default in columns.items())
    query = f"SELECT {select} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
    one = f"SELECT {select} FROM {table} WHERE rowid = ?"
    rows: list[tuple[Any, ...]] = []
    whole, queries = True, 0
    ranges = [(-(2**63), 2**63 - 1)]
    while ranges:
        low, high = ranges.pop()
        if queries == _SALVAGE_QUERIES:
            return rows, False
        queries += 1
        try:
            # A range's scan steps onto the page after its last row to see that it is the last: one row alone is
            # looked up, so that a row just before a damaged page is read.
            rows += db.execute(query, (low, high)).fetchall() if low < high else db.execute(one, (low,)).fetchall()
        except sqlite3.DatabaseError:  # a damaged page, or a text that is not UTF-8, in this range
            whole = False
            if low < high:
                middle = low + (high - low) // 2
                ranges += [(middle + 1, high), (low, middle)]  # the lower half first: rows stay in order
    return rows, whole


def _is_chat(row: tuple[Any, ...]) -> bool:
    """Whether a salvaged chats row holds what ``start`` writes."""
    chat_id, owner, title, created, updated = row
    texts = all(isinstance(value, str) for value in (chat_id, owner, title))
    return texts and all(isinstance(value, int | float) for value in (created, updated))


def _is_turn(row: tuple[Any, ...]) -> bool:
    """Whether a salvaged turns row holds what ``add_turn`` writes, its JSON columns lists."""
    chat_id, seq, question, query, answer, refused, backend, citations, sentences, error, created, tentative, closest = row
    texts = all(isinstance(value, str) for value in (chat_id, question, query, answer, backend, error))
    numbers = all(isinstance(value, int) for value in (seq, refused, tentative)) and isinstance(created, int | float)
    if not (texts and numbers):
        return False
    try:
        return all(isinstance(value, str) and isinstance(_load_list(value), list) for value in (citations, sentences, closest))
    except json.JSONDecodeError:
        return False


def default_title(question: str) -> str:
    """A chat's title from its first question: one line, cut to about 60 characters at a word boundary."""
    words = " ".join(whole_characters(question).split())
    if len(words) <= DEFAULT_TITLE_CHARS:
        return words
    cut = words[: DEFAULT_TITLE_CHARS + 1]
    space = cut.rfind(" ")
    head = cut[:space] if space >= DEFAULT_TITLE_CHARS // 2 else cut[:DEFAULT_TITLE_CHARS]  # one long word: cut it
    return head.rstrip(" ,;:-") + "…"


def changed(citation: Mapping[str, Any], current_text: str | None) -> bool:
    """Whether a saved citation no longer matches its document: the document is gone (``current_text`` None), or
    a quoted sentence (the chunk's text when nothing was quoted) no longer occurs in it.

    Runs of whitespace compare equal, so re-wrapping a paragraph is not a change; any change of words is.
    """
    if current_text is None:
        return True
    text, spans = str(citation.get("text") or ""), citation.get("highlights") or []
    if text and spans and all(isinstance(s, list | tuple) and len(s) == 2 and all(isinstance(i, int) for i in s) for s in spans):
        pieces = [text[start:end] for start, end in spans]  # each sentence alone: quoted sentences need not be adjacent
    else:
        pieces = [str(citation.get("quote") or text)]
    now = " ".join(current_text.split())
    return any(" ".join(piece.split()) not in now for piece in pieces if piece.strip())


def owner_name(owner: str) -> str:
    """``owner`` checked, for every caller (the chat, the HTTP API's user header): a user name of at most
    ``MAX_TITLE_CHARS`` printable characters of valid Unicode (replacing surrogates could make two owners one), or ""
    for the local user; anything else is a ValueError."""
    if (
        not isinstance(owner, str)
        or SURROGATE.search(owner)
        or len(owner) > MAX_TITLE_CHARS
        or not all(character.isprintable() for character in owner)
    ):
        raise ValueError(f"Not a chat owner: {owner!r:.80} (a user name, or '' for the local user).")
    return owner


def _title(title: str) -> str:
    """``title`` on one line; blank or over ``MAX_TITLE_CHARS`` is a ValueError."""
    line = " ".join(whole_characters(title).split())
    if not line or len(line) > MAX_TITLE_CHARS:
        raise ValueError(f"A chat title needs 1 to {MAX_TITLE_CHARS} characters; this one has {len(line):,}.")
    return line


def _turn_row(question: str, answer: Mapping[str, Any]) -> tuple[Any, ...]:
    """The stored columns of a turn, question to closest; a text too long or citations not JSON data are a ValueError."""
    texts = {"question": question, **{key: answer.get(key) or "" for key in ("answer", "backend", "query", "error")}}
    for name, value in texts.items():
        limit = MAX_QUESTION_CHARS if name == "question" else MAX_ANSWER_CHARS
        if not isinstance(value, str) or len(value) > limit:
            size = f"{len(value):,} characters" if isinstance(value, str) else f"a {type(value).__name__}"
            raise ValueError(f"The {name} cannot be saved: it is {size}; a saved chat keeps text of up to {limit:,} characters.")
    try:
        # ASCII JSON escapes every string, lone surrogates included, so citations come back exactly as given.
        citations = json.dumps(list(answer.get("citations") or []), ensure_ascii=True)
        sentences = json.dumps(list(answer.get("sentences") or []), ensure_ascii=True)
        closest = json.dumps(list(answer.get("closest") or []), ensure_ascii=True)
    except (TypeError, ValueError) as error:
        raise ValueError(f"The answer's citations cannot be saved: they are not JSON data ({error}).") from error
    if len(citations) + len(sentences) + len(closest) > MAX_JSON_CHARS:
        raise ValueError(f"The answer's citations cannot be saved: over {MAX_JSON_CHARS:,} characters of JSON.")
    question, text, backend, query, failure = (whole_characters(value) for value in texts.values())
    tentative = int(bool(answer.get("tentative")))
    refused = int(bool(answer.get("refused")))
    return (question, text, refused, backend, citations, query, sentences, failure, tentative, closest)


def _load_list(stored: str) -> list[Any]:
    """A stored JSON list; anything else means the file was damaged."""
    value = json.loads(stored)
    if not isinstance(value, list):
        raise json.JSONDecodeError("expected a JSON list", stored, 0)
    return value


def _escape(text: str, *, line_start: bool = True) -> str:
    """``text`` (one line, or the rest of one) shown literally in Markdown."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    if not line_start:
        return escaped
    escaped = escaped.lstrip()  # leading indentation would make a code block
    if match := _LIST_START.match(escaped):
        return f"{match[1]}\\{match[2]}{escaped[match.end() :]}"  # "1." would start a numbered list
    return "\\" + escaped if escaped[:1] in ("-", "+", "=") else escaped  # a list item, a setext underline


def _inline(text: object) -> str:
    """A short text (a title, a path, a heading) shown literally on one line of Markdown."""
    return _escape(" ".join(str(text).split()), line_start=False)


def _escape_keeping_markers(line: str) -> str:
    """One line shown literally, except that its ``[n]`` markers stay as they are."""
    first, *rest = _MARKER.split(line)
    shown = [_escape(first)]
    for marker, after in zip(rest[::2], rest[1::2], strict=True):
        # A marker followed by "(" or ":" would make a link or a link definition.
        shown += [marker, ("\\" if after[:1] in ("(", ":") else "") + _escape(after, line_start=False)]
    return "".join(shown)


def _paragraphs(text: str, *, markers: bool = False, prefix: str = "") -> str:
    """Multi-line ``text`` shown literally with its line breaks; with ``markers``, ``[n]`` markers stay as they are."""
    lines = [_escape_keeping_markers(line) if markers else _escape(line) for line in _LINE_BREAK.split(text)]
    # A trailing backslash is a hard line break, but only between two lines of one paragraph.
    breaks = ["\\" if line and after else "" for line, after in zip(lines, [*lines[1:], ""], strict=True)]
    return "\n".join(prefix + line + end for line, end in zip(lines, breaks, strict=True))


def _where(item: Mapping[str, Any]) -> list[str]:
    """Where a citation or an offered passage is: its title, source, page and section, escaped."""
    source = str(item.get("source") or "")
    details = [_inline(item.get("title") or source)]
    details += [_inline(source)] if item.get("title") and source else []
    details += [f"{page_word(source)} {item['page']}"] if isinstance(item.get("page"), int) and item["page"] > 0 else []
    return details + ([f"section: {_inline(item['section'])}"] if item.get("section") else [])


def _source_line(citation: Mapping[str, Any], index: int, current_text: Callable[[str], str | None] | None) -> str:
    """``**[n]** Title · source · page · section``, marked when the document has changed or gone since."""
    source = str(citation.get("source") or "")
    details = _where(citation)
    if current_text is not None:
        now = current_text(source)
        details += ["*document deleted since*"] if now is None else ["*changed since*"] if changed(citation, now) else []
    return f"**[{_inline(citation.get('n', index))}]** " + " · ".join(details)
