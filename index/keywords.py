"""A persisted BM25 keyword index (SQLite FTS5), updated by sync alongside the vectors."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Words too common to help a keyword match; the dense retriever handles phrasing.
_STOPWORDS = frozenset(
    """a about an and are as at be been by can could did do does for from had has have how i if in into is
    it its me my of on or our so than that the their them then there these they this to was we were what
    when where which who whom why will with would you your""".split()
)


@dataclass(frozen=True)
class KeywordHit:
    """A chunk matched by keywords, with its BM25 score (higher is better)."""

    chunk_id: str
    source: str
    score: float


def content_words(text: str) -> list[str]:
    """The distinct content words of ``text`` in order, as written (case kept)."""
    seen: dict[str, str] = {}
    for token in _TOKEN.findall(text):
        word = token.lower()
        # An all-capitals word is an acronym ("WHO", "US"), never a stopword.
        if (word not in _STOPWORDS or (token.isupper() and len(token) > 1)) and word not in seen:
            seen[word] = token
    return list(seen.values())


def query_terms(text: str) -> list[str]:
    """The distinct content words of ``text``, lower-cased, in order."""
    return [word.lower() for word in content_words(text)]


@dataclass(frozen=True)
class QueryPlan:
    """A BM25 query's words: the ``rare`` ones pick the rows (about ``rows`` of them), all of them score."""

    rare: list[str]
    common: list[str]
    rows: int


class KeywordIndex:
    """BM25 over chunk texts; one row per chunk, keyed like the vector store's ids."""

    def __init__(self, path: Path, budget: int = 5_000) -> None:
        self.budget = budget  # rows a query scores, about; see ``search``
        path.parent.mkdir(parents=True, exist_ok=True)
        # The app answers from worker threads; every statement runs under SQLite's own locking.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
            "chunk_id UNINDEXED, source UNINDEXED, doc_hash UNINDEXED, text, tokenize='porter unicode61')"
        )

    def add(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """Insert (chunk_id, source, doc_hash, text) rows in one transaction."""
        with self._transaction():
            self._db.executemany("INSERT INTO chunks(chunk_id, source, doc_hash, text) VALUES (?, ?, ?, ?)", rows)

    def delete(self, source: str, keep_hash: str | None = None) -> None:
        """Remove a document's rows, or only those of versions other than ``keep_hash``."""
        with self._transaction():
            if keep_hash is None:
                self._db.execute("DELETE FROM chunks WHERE source = ?", (source,))
            else:
                self._db.execute("DELETE FROM chunks WHERE source = ? AND doc_hash != ?", (source, keep_hash))

    def delete_version(self, source: str, content_hash: str) -> None:
        """Remove the rows of one version of a document."""
        with self._transaction():
            self._db.execute("DELETE FROM chunks WHERE source = ? AND doc_hash = ?", (source, content_hash))

    def counts(self) -> dict[tuple[str, str], int]:
        """Rows per (source, doc_hash)."""
        rows = self._db.execute("SELECT source, doc_hash, count(*) FROM chunks GROUP BY source, doc_hash")
        return {(source, doc_hash): n for source, doc_hash, n in rows}

    def reset(self) -> None:
        """Remove every row."""
        with self._transaction():
            self._db.execute("DELETE FROM chunks")

    def search(self, query: str, limit: int, sources: Sequence[str] = ()) -> list[KeywordHit]:
        """The best ``limit`` chunks by BM25 for the content words of ``query``, optionally within ``sources``.

        BM25 over an OR of common words scores a large share of the index (a word in 40 % of the
        chunks makes every query over 100k chunks score 40k rows). So, as Lucene's common-terms
        query does, the rarer words pick the rows and every word scores them: rows are those with
        at least one of the rarest words whose matches fit in ``budget`` rows (or fill ``limit``),
        and their scores are exactly the BM25 of the whole query. Rows with only the commonest words, which BM25 ranks
        low anyway, are left out. A query whose words all fit the budget is a plain OR.
        """
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

    def plan(self, query: str, limit: int, sources: Sequence[str] = ()) -> QueryPlan:
        """Which words of ``query`` pick the rows to score (rarest first) and how many rows that is."""
        phrases = ['"' + term.replace('"', "") + '"' for term in query_terms(query)]
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

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
