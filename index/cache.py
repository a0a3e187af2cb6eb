"""The keyword index as a cache of Chroma: brought in line by chunk id and version, never rebuilt for a few changes.

Chroma holds every chunk's text and metadata (its document's content hash and the loader version that read
it), so it is the one source of truth for what is indexed; the BM25 index in ``CITEWISE_DATA_DIR`` is derived
from it. When several instances share one Chroma server, a sync on one writes the others' chunks but not their
keyword indexes: each refreshes its own, at start and before a search once another instance has written.

How much a refresh reads depends on what it knows:

* nothing changed (the write generation in ``index.shared`` is the one the rows last saw): one lookup;
* some documents changed (the change log names them): their chunks' ids and versions (content hash and
  loader version) against their rows, and the missing chunks' texts;
* at start, besides: every chunk id against every row id, which repairs rows lost or left over (an id
  holds its document's content hash, so listing ids, which costs a fraction of listing metadata, finds
  every chunk added, removed or re-versioned); rows no refresh has marked yet (an index from before this
  cache) get only this check;
* the log does not reach back far enough, or a writer rebuilt the index or crashed: every chunk's id and
  version; and an empty cache is filled in one pass over the texts.

A keyword index found damaged in use (``KeywordIndexReset``) is one more empty cache: ``healed`` fills it from Chroma
and makes the call that found it once more, so a damaged file costs a refill, not the app's searches and syncs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from index.keywords import KeywordIndex, KeywordIndexReset, KeywordRow, chunk_rowid
from index.shared import SharedState
from index.store import Store, StoredChunk

logger = logging.getLogger(__name__)

T = TypeVar("T")
_GENERATION = "generation"
# Documents per Chroma filter ($in) and chunks per fetch: small enough for one request each.
_SOURCES_PER_QUERY = 100
_CHUNKS_PER_FETCH = 1_000
# Past this many changed documents one listing of the whole collection is cheaper than a filter per hundred.
_MAX_PARTIAL = 1_000


@dataclass(frozen=True)
class Refresh:
    """What a refresh did: the generation it reached, whether it checked every chunk, rows added and removed."""

    generation: int
    full: bool = False
    added: int = 0
    removed: int = 0


class KeywordCache:
    """Keeps ``keywords`` in line with ``store``, following the write generation in ``shared``.

    The writer (``Indexer``) writes keyword rows itself and holds ``lock`` while it does, so a refresh in
    the same process never interleaves with a half-done write; across processes, rows are written by
    chunk id (``chunk_rowid``), so a refresh and a write racing still leave one row per chunk.
    """

    def __init__(self, store: Store, keywords: KeywordIndex, shared: SharedState) -> None:
        self.store = store
        self.keywords = keywords
        self.shared = shared
        self.lock = threading.RLock()
        self._started = False  # the first refresh of this process also checks every chunk id

    def refresh(self) -> Refresh:
        """Catch up with writes made elsewhere: nothing but one lookup when the generation has not moved.

        A keyword index found damaged on the way is filled again from Chroma (``KeywordIndexReset``).
        """
        with self.lock:
            renewals = self.keywords.renewals
            try:
                done = self._refresh()
            except KeywordIndexReset:
                renewals = self.keywords.renewals
                done = self._refresh()  # the empty index that took its place, filled
            self.keywords.filled = renewals  # searches of the index begun anew may go on (``KeywordIndex.renewals``)
            return done

    def healed(self, work: Callable[[], T]) -> T:
        """``work()``, a call on the keyword index; when it finds the index damaged (``KeywordIndexReset``: set aside
        and begun anew), the new one is filled from Chroma and ``work()`` called once more. ``work`` must be safe to
        repeat: every write of the index is (rows replace rows of the same chunk id)."""
        try:
            return work()
        except KeywordIndexReset:
            self.refresh()
            return work()

    def _refresh(self) -> Refresh:
        """``refresh``'s work, under the lock ``refresh`` holds."""
        current = self.shared.generation()
        seen = self._seen()
        changed: set[str] | None
        if self._started and seen == current:
            return Refresh(current)
        if seen is None:
            # Rows nobody marked (an index from before this cache, or written by a tool): they were written
            # in step with their chunks, and an id holds its content hash, so comparing ids is enough.
            full = True
            added, removed = self.reconcile_ids() if self.keywords.rows_exist() else (self._fill(), 0)
        else:
            # A generation behind what the rows saw means the shared records were recreated: check everything.
            changed = self.shared.changes_since(seen) if seen <= current else None
            if changed is not None and len(changed) > _MAX_PARTIAL:
                changed = None
            full = changed is None or not self._started
            if changed is None:
                added, removed = self.reconcile()
            else:
                added, removed = self.reconcile(sorted(changed)) if changed else (0, 0)
                if not self._started:
                    more, fewer = self.reconcile_ids()
                    added, removed = added + more, removed + fewer
        self.mark(current)
        self._started = True
        if added or removed:
            logger.info("keyword index caught up to generation %d: %d rows added, %d removed", current, added, removed)
        return Refresh(current, full, added, removed)

    def reconcile(self, sources: Sequence[str] | None = None) -> tuple[int, int]:
        """Make the rows of ``sources`` (None: of every document) exactly the chunks Chroma holds; (added, removed).

        A row stays when Chroma holds its chunk id with the same content hash and loader version.
        """
        with self.lock:
            if sources is None and not self.keywords.rows_exist():
                return self._fill(), 0
            expected: dict[str, tuple[str, str]] = {}
            present: list[KeywordRow] = []
            groups: list[Sequence[str] | None] = [None]
            if sources is not None:
                groups = [sources[i : i + _SOURCES_PER_QUERY] for i in range(0, len(sources), _SOURCES_PER_QUERY)]
            for group in groups:
                where = None if group is None else {"source": {"$in": list(group)}}
                for chunk_id, meta in self.store.iter_metadatas(where):
                    expected[chunk_id] = (str(meta.get("doc_hash", "")), str(meta.get("loader", "")))
                present += self.keywords.rows(None if group is None else list(group))
            return self._apply(present, lambda row: expected.get(row.chunk_id) == (row.doc_hash, row.loader), expected)

    def reconcile_ids(self) -> tuple[int, int]:
        """Make the rows' chunk ids exactly Chroma's (ids only: rows lost, left over, or of another content hash)."""
        with self.lock:
            expected = set(self.store.ids())
            return self._apply(self.keywords.rows(), lambda row: row.chunk_id in expected, expected)

    def mark(self, generation: int) -> None:
        """Record that the rows hold every write up to ``generation`` (the writer calls it after its own writes)."""
        self.keywords.set_state(_GENERATION, str(generation))

    def _apply(self, present: list[KeywordRow], holds: Callable[[KeywordRow], bool], expected: Iterable[str]) -> tuple[int, int]:
        """Drop the rows ``holds`` rejects (and second copies), add the ``expected`` chunks no row holds."""
        kept: set[str] = set()
        stale = []
        for row in present:
            if holds(row) and row.rowid == chunk_rowid(row.chunk_id) and row.chunk_id not in kept:
                kept.add(row.chunk_id)
            else:
                stale.append(row.rowid)
        missing = [chunk_id for chunk_id in expected if chunk_id not in kept]
        if stale:
            self.keywords.remove_rows(stale)
        for start in range(0, len(missing), _CHUNKS_PER_FETCH):
            self.keywords.add(_row(chunk) for chunk in self.store.chunks(missing[start : start + _CHUNKS_PER_FETCH]))
        return len(missing), len(stale)

    def _fill(self) -> int:
        """An empty cache: every chunk's row, in one pass over the collection's texts."""
        added = 0
        batch: list[StoredChunk] = []
        for chunk in self.store.iter_chunks(_CHUNKS_PER_FETCH):
            batch.append(chunk)
            if len(batch) >= _CHUNKS_PER_FETCH:
                self.keywords.add(_row(c) for c in batch)
                added, batch = added + len(batch), []
        self.keywords.add(_row(c) for c in batch)
        return added + len(batch)

    def _seen(self) -> int | None:
        value = self.keywords.state(_GENERATION)
        return int(value) if value is not None and value.isdigit() else None


def _row(chunk: StoredChunk) -> tuple[str, str, str, str, str, str]:
    """The keyword row of a stored chunk: (chunk_id, source, doc_hash, text, section, loader)."""
    meta = chunk.metadata
    return (
        chunk.chunk_id,
        str(meta.get("source", "")),
        str(meta.get("doc_hash", "")),
        chunk.text,
        str(meta.get("section", "")),
        str(meta.get("loader", "")),
    )
