"""A persisted BM25 keyword index (SQLite FTS5), updated by sync alongside the vectors."""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from index.damage import IndexDamagedError, file_identity, is_damage, set_aside
from index.text import WORD, content_words, mentions_code, query_terms, spellings

logger = logging.getLogger(__name__)

# ``content_words`` and ``query_terms`` are text rules (index/text.py), re-exported for callers that import them from here.
__all__ = [
    "MAX_QUERY_TERMS",
    "KeywordHit",
    "KeywordIndex",
    "KeywordIndexReset",
    "KeywordRow",
    "QueryPlan",
    "chunk_rowid",
    "content_words",
    "query_terms",
]

# One row per chunk. The section (its heading path) is a column of its own, so the text column stays the
# chunk's text; with both columns weighted alike, FTS5's bm25() scores a row exactly as it would score the
# section and the text written as one (term counts, row length and IDF all sum over the indexed columns).
# ``loader`` is the loader version that read the chunk: with ``doc_hash`` it tells a row that is still the
# chunk Chroma holds from one an older loader made under the same id (see ``index.cache``).
_COLUMNS = ("chunk_id", "source", "doc_hash", "text", "section", "loader")
_SCHEMA = (
    "CREATE VIRTUAL TABLE {exists}{table} USING fts5("
    "chunk_id UNINDEXED, source UNINDEXED, doc_hash UNINDEXED, text, section, loader UNINDEXED, tokenize='porter unicode61')"
)
# Small facts about the rows, kept in the same file so they change with them: the Chroma generation the
# rows were last brought in line with (``index.cache``).
_STATE_SCHEMA = "CREATE TABLE IF NOT EXISTS cache_state(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
# Words of a query that BM25 looks up: each costs a count query when the query is planned. A typed question
# has well under 20 content words and a condensed follow-up about twice that, so 64 keeps every real
# question whole, while a pasted page is cut to its first 64 (which words are rare is not known unqueried).
MAX_QUERY_TERMS = 64
# Rows ``holding`` reads per chunk it returns: a substring search also finds an option inside a longer one ("-e"
# in "-exec"), which the whole-word check then leaves out.
_OPTION_ROWS = 5


def chunk_rowid(chunk_id: str) -> int:
    """The row id a chunk always gets: 63 bits of its id's SHA-256.

    FTS5 has no index on an UNINDEXED column, so finding a chunk's row by its id would scan the table;
    a row id derived from the id finds it directly, and ``INSERT OR REPLACE`` makes writing a chunk twice
    (a sync and a cache refresh racing) leave one row.
    """
    return int.from_bytes(hashlib.sha256(chunk_id.encode("utf-8", "surrogatepass")).digest()[:8], "big") >> 1


def _phrase(term: str) -> str:
    """A query's word as FTS5 looks it up, in each of its spellings: '"table"', '("colours" OR "colors")'.

    The index's Porter stemmer keeps a British spelling apart from the American one ("colour" and "color",
    "initialis" and "initi"), so a question typed in either finds a manual written in the other.
    """
    forms = ['"' + form.replace('"', "") + '"' for form in spellings(term)]
    return forms[0] if len(forms) == 1 else f"({' OR '.join(forms)})"


@dataclass(frozen=True)
class KeywordRow:
    """What the index holds for one row, without its text: enough to compare it with the chunk Chroma holds."""

    rowid: int
    chunk_id: str
    doc_hash: str
    loader: str


@dataclass(frozen=True)
class KeywordHit:
    """A chunk matched by keywords, with its BM25 score (higher is better)."""

    chunk_id: str
    source: str
    score: float


@dataclass(frozen=True)
class QueryPlan:
    """A BM25 query's words: the ``rare`` ones pick the rows (about ``rows`` of them), all of them score."""

    rare: list[str]
    common: list[str]
    rows: int


P = ParamSpec("P")
T = TypeVar("T")


class KeywordIndexReset(IndexDamagedError):
    """The keyword index was found damaged in use: it was set aside and an empty one took its place.

    It is a cache of Chroma: ``KeywordCache.healed`` fills it again from Chroma and makes the call once more. Raised
    again after that, the new file is damaged too (a failing disk), and the front ends say so as for Chroma's damage.
    """


def _guarded(method: Callable[Concatenate[KeywordIndex, P], T]) -> Callable[Concatenate[KeywordIndex, P], T]:
    """A method of ``KeywordIndex``, one call at a time, on the file now at its path (``KeywordIndex.follow``); one
    whose SQLite error says the file is damaged sets it aside (``KeywordIndex.renew``) and raises ``KeywordIndexReset``."""

    @functools.wraps(method)
    def guarded(self: KeywordIndex, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._using:
            self.follow()
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as error:
                if not is_damage(error):
                    raise
                self.renew(error)
                raise KeywordIndexReset(
                    f"the keyword index {self.path} is damaged ({error}): it was set aside and is filled again from Chroma"
                ) from error

    return guarded


def open_keywords(path: Path) -> KeywordIndex:
    """The keyword index at ``path``; a damaged one is set aside (``index.damage``) and a new, empty one opened.

    It is a cache of Chroma: ``KeywordCache.refresh`` fills the new one from Chroma's chunks before the next search
    or sync, with no embedding. Without this, a damaged file stopped the app, every search and every sync.
    """
    try:
        return KeywordIndex(path)
    except sqlite3.DatabaseError as error:
        if not is_damage(error):
            raise
        aside = set_aside(path)
        logger.warning("the keyword index %s is damaged (%s): set aside as %s and filled again from Chroma", path, error, aside)
        return KeywordIndex(path)


class KeywordIndex:
    """BM25 over chunk texts and their section headings; one row per chunk, keyed like the vector store's ids."""

    def __init__(self, path: Path, budget: int = 5_000) -> None:
        self.path = path
        self.budget = budget  # rows a query scores, about; see ``search``
        # One call at a time on the one connection the app's threads share: a search's statements run between the
        # statements of another thread's write (a sync, a refill) otherwise, and read inside its transaction (a count
        # query returned no row at all, seen with four searches while the index was being refilled).
        self._using = threading.RLock()
        # How many times this object set its file aside, and for how many of those ``KeywordCache`` has filled the new
        # one since. Between the two, a search would read an index being filled (one of four searches that found the
        # damage at once found nothing at all, in a CI run): it raises ``KeywordIndexReset`` and waits for the fill.
        self.renewals = 0
        self.filled = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db, self._file = self._connect()
        if tuple(self._columns()) != _COLUMNS:
            self._migrate()

    def _connect(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        """A connection to the file at ``path`` (made if need be), and that file's identity (device and inode)."""
        # The app answers from worker threads; every statement runs under SQLite's own locking.
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.create_function("citewise_rowid", 1, chunk_rowid, deterministic=True)
        db.execute(_SCHEMA.format(table="chunks", exists="IF NOT EXISTS "))
        db.execute(_STATE_SCHEMA)
        return db, file_identity(self.path)

    def follow(self) -> None:
        """Read the file now at ``path`` if another process has put a new one there (it found this one damaged and set
        it aside, or two processes found it so as they opened it): SQLite goes on reading and writing a file that was
        moved, so searches here missed all the other wrote and writes here went to the file set aside. One stat."""
        now = file_identity(self.path)
        if now is not None and now != self._file:  # none: the new file is not there yet, and this one serves until it is
            with self._using:
                logger.warning("the keyword index %s was set aside by another process: reading its new file", self.path)
                with suppress(sqlite3.Error):
                    self._db.close()
                self._db, self._file = self._connect()

    def renew(self, error: BaseException) -> None:
        """Set the file the index reads aside (``index.damage``) and open an empty index in its place. The file is only
        found damaged when a statement reads its damaged pages, which may be long after it was opened (``open_keywords``
        checks only what opening reads)."""
        with self._using:
            if file_identity(self.path) == self._file:
                aside = set_aside(self.path)
                self.renewals += 1
                logger.warning(
                    "the keyword index %s is damaged (%s): set aside as %s, to be filled again from Chroma",
                    self.path,
                    error,
                    aside,
                )
            else:  # another process (the app, a sync from the command line) set it aside first: its new file is sound
                logger.warning("the keyword index %s was set aside by another process: reading its new file", self.path)
            with suppress(sqlite3.Error):
                self._db.close()
            self._db, self._file = self._connect()

    @_guarded
    def add(self, rows: Iterable[tuple[str, ...]]) -> None:
        """Write (chunk_id, source, doc_hash, text[, section[, loader]]) rows in one transaction; missing ones are "".

        A chunk already present (same id) is replaced, never duplicated.
        """
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO chunks(rowid, chunk_id, source, doc_hash, text, section, loader) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((chunk_rowid(row[0]), *row, *("",) * (6 - len(row))) for row in rows),
            )

    @_guarded
    def rows(self, sources: Sequence[str] | None = None) -> list[KeywordRow]:
        """Every row (or the rows of ``sources``) without its text."""
        sql = "SELECT rowid, chunk_id, doc_hash, loader FROM chunks"
        params: list[str] = []
        if sources is not None:
            sql += f" WHERE source IN ({','.join('?' * len(sources))})"
            params = list(sources)
        return [KeywordRow(int(r), str(c), str(h), str(v)) for r, c, h, v in self._db.execute(sql, params)]

    @_guarded
    def rows_exist(self) -> bool:
        """Whether the index holds any row."""
        return self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None

    @_guarded
    def remove_rows(self, rowids: Sequence[int]) -> None:
        """Delete rows by row id, in one transaction."""
        with self._transaction():
            self._db.executemany("DELETE FROM chunks WHERE rowid = ?", ((rowid,) for rowid in rowids))

    @_guarded
    def state(self, key: str) -> str | None:
        """A value recorded with ``set_state``, or None."""
        row = self._db.execute("SELECT value FROM cache_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guarded
    def set_state(self, key: str, value: str) -> None:
        """Record a small fact about the rows (see ``index.cache``)."""
        self._db.execute("INSERT OR REPLACE INTO cache_state(key, value) VALUES (?, ?)", (key, value))

    @_guarded
    def delete(self, source: str, keep_hash: str | None = None) -> None:
        """Remove a document's rows, or only those of versions other than ``keep_hash``."""
        with self._transaction():
            if keep_hash is None:
                self._db.execute("DELETE FROM chunks WHERE source = ?", (source,))
            else:
                self._db.execute("DELETE FROM chunks WHERE source = ? AND doc_hash != ?", (source, keep_hash))

    @_guarded
    def delete_version(self, source: str, content_hash: str) -> None:
        """Remove the rows of one version of a document."""
        with self._transaction():
            self._db.execute("DELETE FROM chunks WHERE source = ? AND doc_hash = ?", (source, content_hash))

    def _check_filled(self) -> None:
        """Refuse to read an index this object set aside and began anew until ``KeywordCache`` has filled it again."""
        if self.filled != self.renewals:
            raise KeywordIndexReset(f"the keyword index {self.path} was set aside and is being filled again from Chroma")

    @_guarded
    def counts(self) -> dict[tuple[str, str], int]:
        """Rows per (source, doc_hash)."""
        self._check_filled()
        rows = self._db.execute("SELECT source, doc_hash, count(*) FROM chunks GROUP BY source, doc_hash")
        return {(source, doc_hash): n for source, doc_hash, n in rows}

    @_guarded
    def reset(self) -> None:
        """Remove every row, and what was recorded about them."""
        with self._transaction():
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM cache_state")

    @_guarded
    def search(self, query: str, limit: int, sources: Sequence[str] = ()) -> list[KeywordHit]:
        """The best ``limit`` chunks by BM25 for the content words of ``query``, optionally within ``sources``.

        BM25 over an OR of common words scores a large share of the index (a word in 40 % of the
        chunks makes every query over 100k chunks score 40k rows). So, as Lucene's common-terms
        query does, the rarer words pick the rows and every word scores them: rows are those with
        at least one of the rarest words whose matches fit in ``budget`` rows (or fill ``limit``),
        and their scores are exactly the BM25 of the whole query. Rows with only the commonest words, which BM25 ranks
        low anyway, are left out. A query whose words all fit the budget is a plain OR.
        """
        self._check_filled()
        plan = self.plan(query, limit, sources)
        if not plan.rare:
            return []
        if not plan.common:
            return self._ranked(" OR ".join(plan.rare), limit, sources)
        any_rare, any_common = f"({' OR '.join(plan.rare)})", f"({' OR '.join(plan.common)})"
        # Both queries hold every phrase, so bm25() scores each row as the whole OR query would.
        hits = self._ranked(f"{any_rare} AND {any_common}", limit, sources)
        hits += self._ranked(f"{any_rare} NOT {any_common}", limit, sources)
        return sorted(hits, key=lambda hit: hit.score, reverse=True)[:limit]

    @_guarded
    def holding(self, options: Sequence[str], query: str, limit: int, sources: Sequence[str] = ()) -> list[KeywordHit]:
        """The best ``limit`` chunks by BM25 for ``query`` among those that hold one of ``options`` as written.

        BM25 reads an option by its letters ("-e" as the "e" of "i.e.", "--tool" as "tool"), so ``search`` ranks
        the chunks that hold it no higher than those holding the letters. Here the option's words pick the rows,
        SQLite's substring search keeps those where the option is written ("-e" in "set -e", "-exec" too), and
        ``mentions_code`` those where it stands whole; the query's other words rank them. A row matched by more
        than one option is scored once, at its best.
        """
        self._check_filled()
        terms = [_phrase(term) for term in query_terms(query, MAX_QUERY_TERMS)]
        best: dict[str, KeywordHit] = {}
        for option in options:
            letters = " ".join(WORD.findall(option))
            if not letters:
                continue
            phrase = f'"{letters}"'
            sql, params = self._where(f"{phrase} AND ({' OR '.join(dict.fromkeys([phrase, *terms]))})", sources)
            rows = self._db.execute(
                f"SELECT chunk_id, source, -bm25(chunks), text FROM chunks {sql} AND instr(text, ?) > 0 "
                "ORDER BY bm25(chunks) LIMIT ?",
                [*params, option, limit * _OPTION_ROWS],
            )
            hits = [
                KeywordHit(chunk_id, source, float(score))
                for chunk_id, source, score, text in rows
                if mentions_code(text, [option])
            ]
            for hit in hits[:limit]:
                if hit.chunk_id not in best or best[hit.chunk_id].score < hit.score:
                    best[hit.chunk_id] = hit
        return sorted(best.values(), key=lambda hit: hit.score, reverse=True)[:limit]

    @_guarded
    def unknown(self, words: Sequence[str]) -> list[str]:
        """The words of ``words`` that no row holds, read as BM25 reads them (a word is known in any form its stemmer
        folds: "donate" is known where "donated" is written). One count query each, stopping at the first row."""
        self._check_filled()
        return [word for word in words if not self._matches(_phrase(word.lower()), (), 1)]

    def plan(self, query: str, limit: int, sources: Sequence[str] = ()) -> QueryPlan:
        """Which words of ``query`` pick the rows to score (rarest first) and how many rows that is.

        Only the first ``MAX_QUERY_TERMS`` distinct content words count: each costs one count query here.
        """
        phrases = [_phrase(term) for term in query_terms(query, MAX_QUERY_TERMS)]
        matches = {phrase: self._matches(phrase, sources, self.budget + 1) for phrase in phrases}
        rare: list[str] = []
        rows = 0
        for phrase in sorted(phrases, key=matches.__getitem__):
            if rows >= limit and rows + matches[phrase] > self.budget:
                break
            rare.append(phrase)
            rows += matches[phrase]
        return QueryPlan(rare, [phrase for phrase in phrases if phrase not in rare], rows)

    def _matches(self, match: str, sources: Sequence[str], cap: int) -> int:
        """How many rows ``match`` selects, counting at most ``cap`` (cheap: no scoring)."""
        sql, params = self._where(match, sources)
        return int(self._db.execute(f"SELECT count(*) FROM (SELECT 1 FROM chunks {sql} LIMIT ?)", [*params, cap]).fetchone()[0])

    def _ranked(self, match: str, limit: int, sources: Sequence[str]) -> list[KeywordHit]:
        sql, params = self._where(match, sources)
        rows = self._db.execute(
            f"SELECT chunk_id, source, -bm25(chunks) FROM chunks {sql} ORDER BY bm25(chunks) LIMIT ?", [*params, limit]
        )
        return [KeywordHit(chunk_id, source, float(score)) for chunk_id, source, score in rows]

    @staticmethod
    def _where(match: str, sources: Sequence[str]) -> tuple[str, list[object]]:
        sql = "WHERE chunks MATCH ?"
        params: list[object] = [match]
        if sources:
            sql += f" AND source IN ({','.join('?' * len(sources))})"
            params.extend(sources)
        return sql, params

    def _columns(self) -> list[str]:
        return [str(row[1]) for row in self._db.execute("PRAGMA table_info(chunks)")]

    def _migrate(self) -> None:
        """Move the rows of an older index (before sections, or before loader versions and stable row ids) into
        a table with today's columns (FTS5 cannot add one).

        The rows are kept, a missing section or loader as "", so keyword search keeps working until the next
        sync or cache refresh replaces them (a row with no loader version never matches a chunk, so it is).
        """
        with self._transaction():
            old = self._columns()
            if tuple(old) == _COLUMNS:  # another process migrated it while this one waited for the lock
                return
            copied = ", ".join(column if column in old else "''" for column in _COLUMNS)
            self._db.execute("DROP TABLE IF EXISTS chunks_migrating")
            self._db.execute(_SCHEMA.format(table="chunks_migrating", exists=""))
            self._db.execute(
                f"INSERT OR REPLACE INTO chunks_migrating(rowid, {', '.join(_COLUMNS)}) "
                f"SELECT citewise_rowid(chunk_id), {copied} FROM chunks"
            )
            self._db.execute("DROP TABLE chunks")
            self._db.execute("ALTER TABLE chunks_migrating RENAME TO chunks")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # SQLite may have ended the transaction itself (a damaged page, a full disk): the error is what to report.
            with suppress(sqlite3.Error):
                if db.in_transaction:
                    db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
