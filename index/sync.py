"""Bring the index in line with a documents folder: plan the changes, then apply them, idempotently."""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx
from chromadb.errors import ChromaError
from llama_index.core.schema import TextNode

from index.cache import KeywordCache
from index.damage import IndexDamagedError
from index.embedder import Embedder
from index.keywords import KeywordIndex
from index.lease import Holder, Lease, LeaseTimeout
from index.loader import LoadedDocument, LoadError
from index.nodes import NodeBuilder, embedded_text, keyword_row
from index.plan import (
    FileError,
    PlannedFile,
    SyncPlan,
    SyncReport,
    UnsafeSyncError,
    is_mass_delete,
    plan_sync,
    unchanged_since,
)
from index.reading import Reader
from index.shared import SharedState
from index.store import IndexMismatchError, IndexWriteError, Store

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]
"""Called with (files done, files to index, chunks embedded so far); it may raise ``SyncStopped`` to stop the sync."""


class SyncStopped(Exception):
    """Raised by a sync's ``progress`` to stop it (a user's Stop): after the file just read, while a file is read, or
    within a model batch (64 chunks) of a long file's embedding; the sync raises it again with what it had settled. What
    was written stays (every file whole, each in its new version or its old one), the files not reached keep what the
    index held, and the next sync completes the work, as after a sync killed at any point.

    Args:
        done: the files settled when it stopped (written, or failed).
        total: the files the sync had to index.
    """

    def __init__(self, done: int = 0, total: int = 0) -> None:
        super().__init__(f"stopped after {done} of {total} files")
        self.done = done
        self.total = total
        self.between_files = True  # False: raised while a queue of files was embedded, which is then not written


class IndexBusyError(TimeoutError):
    """Another writer held the index's lock for longer than the lock timeout; nothing was changed."""


# What the stores raise when a write cannot be made: Chroma's own errors (SQLite's "disk I/O error" among them), the
# keyword index's SQLite errors, the file system's, and a Chroma server's connection dropping.
_WRITE_FAILURES = (ChromaError, sqlite3.Error, OSError, httpx.TransportError)
CHANGED_WHILE_READ = (
    "changed or removed while it was being read: the index keeps what it held of it; the next sync reads it as it is then"
)


def _drop_outcome(report: SyncReport, source: str) -> None:
    """Take ``source`` out of the report's added and updated documents: it was not indexed after all."""
    for outcome in (report.added, report.updated):
        if source in outcome:
            outcome.remove(source)


@dataclass
class _Pending:
    source: str
    content_hash: str
    nodes: list[TextNode]
    fresh: bool = False  # neither store holds any row of this source: nothing to clean up around the write
    donor: str | None = None  # an indexed document with the same content (``SyncPlan.donors``)
    donated: dict[tuple[str, str], Sequence[float]] | None = None  # its vectors, read before it was deleted


# The most stored vectors a sync holds for renamed or moved documents (about 77 MB of 384-dimension float32 rows).
_MOVED_CHUNKS = 50_000


class Indexer:
    """Owns the write path: files -> chunks -> embeddings -> Chroma and the keyword index.

    Args:
        store: the Chroma collection wrapper.
        keywords: the BM25 index kept in step with the store.
        embedder: the embedding model; its window bounds the chunk size.
        chunk_tokens: the configured chunk size cap, in model tokens.
        overlap_sentences: sentences shared by consecutive chunks.
        lock_path: file locked for the whole sync, so only one writer runs at a time.
        write_batch: chunks embedded and written together.
        max_file_bytes: larger files are reported as failed instead of indexed.
        lock_timeout: seconds a write waits for another writer's lock before raising ``IndexBusyError``.
        on_lock_wait: called with the lock file when a write has to wait for it, in place of the warning
            otherwise logged (the CLI says so on stderr).
        shared: the write generation and folder claim kept in Chroma (by default beside ``store``'s collection).
        lease: the writer lease every instance sharing a Chroma server sees, held inside the local lock;
            None for the embedded store, whose lock file every writer already shares.
        check_folder: refuse to write from a documents folder other than the one that built the collection
            (see ``SharedState.check_folder``); for a collection other instances share.
        reader: reads each file in a child process under a time and memory limit (a default ``Reader`` if None).
    """

    def __init__(
        self,
        store: Store,
        keywords: KeywordIndex,
        embedder: Embedder,
        chunk_tokens: int,
        overlap_sentences: int,
        lock_path: Path,
        write_batch: int = 256,
        max_file_bytes: int = 20_000_000,
        lock_timeout: float = 600.0,
        on_lock_wait: Callable[[Path], None] | None = None,
        *,
        shared: SharedState | None = None,
        lease: Lease | None = None,
        check_folder: bool = False,
        reader: Reader | None = None,
    ) -> None:
        self.store = store
        self.keywords = keywords
        self.embedder = embedder
        self.nodes = NodeBuilder(embedder, chunk_tokens, overlap_sentences)
        self.lock_path = lock_path
        self.write_batch = write_batch
        self.max_file_bytes = max_file_bytes
        self.lock_timeout = lock_timeout
        self.on_lock_wait = on_lock_wait
        self.shared = shared or SharedState(store.client, store.name)
        # A database another process set aside and made anew: the shared records are read in the new one too.
        self.store.followers.append(self.shared.reconnect)
        self.shared.collection.before = self.store.follow
        # The keyword index is a cache of Chroma: this writer keeps it in step, and searches refresh it.
        self.cache = KeywordCache(store, keywords, self.shared)
        self.lease = lease
        self.check_folder = check_folder
        self.reader = reader or Reader()

    def close(self) -> None:
        """Close the store and the keyword index and stop the idle readers: the files and processes this indexer holds.

        Nothing is written by it (every sync has finished its writes by the time it returns); the indexer is unusable
        after it.
        """
        self.reader.close()
        self.keywords.close()
        self.shared.close()
        self.store.close()

    def sync(
        self, docs_dir: Path, *, dry_run: bool = False, progress: Progress | None = None, allow_mass_delete: bool = False
    ) -> SyncReport:
        """Make the index hold exactly the supported files under ``docs_dir``: plan the changes, then apply them.

        Unchanged files (same content hash, all chunks present, read by the current
        ``index.loader.LOADER_VERSION``) cost a hash and nothing else. A file whose chunks another
        loader version read (or one from before versions were recorded) counts as changed: it is
        re-chunked and re-embedded and reported as ``updated``, as an edited file is, so a loader
        change reaches every indexed document without a rebuild. New versions are written before old
        ones are deleted (chunks of the same content are replaced in the write that embeds them anew),
        and every chunk records how many chunks its document has, so a sync killed at any point is
        repaired by the next one. A dry run reports the plan (see ``plan``) and changes nothing.

        Raises:
            UnsafeSyncError: the sync would delete every indexed document, or most of them (see
                ``is_mass_delete``), and ``allow_mass_delete`` is False; a dry run reports them instead.
            IndexBusyError: another writer held the lock for over ``lock_timeout`` seconds.
            IndexWriteError: the index could not be written (a full or read-only disk); what it held before stays.

        Example:
            >>> report = indexer.sync(Path("seeds"))
            >>> report.summary()["failed"]
            []
        """
        began = time.perf_counter()
        require_folder(docs_dir)
        with self._writer_lock():
            self._check_signature()
            self._check_claim(docs_dir, record=not dry_run, reclaim=allow_mass_delete and not dry_run)
            plan = self._plan(docs_dir)
            if dry_run:
                report = plan.report(dry_run=True)
            else:
                if not allow_mass_delete:
                    plan.refuse_mass_delete()
                report = self._apply(plan, progress)
            report.chunks = self.store.count()
        report.seconds = time.perf_counter() - began
        logger.info("sync of %s: %s", docs_dir, report.counts())
        return report

    def plan(self, docs_dir: Path) -> SyncPlan:
        """What ``sync`` would change now, read under the writer lock so no write is seen half done; changes nothing."""
        require_folder(docs_dir)
        with self._writer_lock():
            self._check_signature()
            self._check_claim(docs_dir, record=False)
            return self._plan(docs_dir)

    def delete(self, source: str) -> bool:
        """Remove one document from the index (the file itself is not touched); whether the index held it. Under the
        writer lock: a sync writing the document meanwhile is waited for, and its chunks are removed too."""
        with self._writer_lock():
            held = self.store.holds(source)
            self._delete(source)
        return held

    def check_claim(self, docs_dir: Path) -> None:
        """Raise ``FolderMismatchError`` when a shared collection was built from a folder other than ``docs_dir``."""
        self._check_claim(docs_dir, record=False)

    def rebuild(self, docs_dir: Path, progress: Progress | None = None, *, allow_mass_delete: bool = False) -> SyncReport:
        """Drop everything and index ``docs_dir`` from scratch with the current settings.

        The writer lock is held from the drop to the end of the sync, so no other writer sees the
        index empty; a running app's store reopens the new collection by itself (``ReopeningCollection``).
        What ``sync`` would refuse to delete is refused here too, before anything is dropped.
        """
        began = time.perf_counter()
        require_folder(docs_dir)
        with self._writer_lock(refresh=False):
            # A confirmed rebuild makes this folder the collection's, in place of another one.
            self._check_claim(docs_dir, record=True, reclaim=allow_mass_delete)
            if not allow_mass_delete:
                self._refuse_mass_delete(docs_dir)
            with self._writing("dropping the old index"), self.cache.lock:
                self.store.reset()
                self.cache.healed(self.keywords.reset)
                self.cache.mark(self.shared.record(None))
            report = self._apply(self._plan(docs_dir), progress)
            report.chunks = self.store.count()
        report.seconds = time.perf_counter() - began
        logger.info("rebuild from %s: %s", docs_dir, report.counts())
        return report

    def _refuse_mass_delete(self, docs_dir: Path) -> None:
        """Raise ``UnsafeSyncError`` when rebuilding from ``docs_dir`` would leave out most of the indexed documents.

        A collection too damaged to read is judged by the documents its keyword index (a cache of it) holds.
        """
        try:
            plan = self._plan(docs_dir)
        except IndexDamagedError as error:
            logger.warning("%s: the rebuild counts the indexed documents in the keyword index", error)
            indexed = {source for source, _ in self.cache.healed(self.keywords.counts)}
            present = {planned.source for planned in plan_sync(docs_dir, {}, {}, self.max_file_bytes).to_index}
            if is_mass_delete(len(doomed := sorted(indexed - present)), len(indexed)):
                raise UnsafeSyncError(docs_dir, doomed, len(indexed)) from error
            return
        plan.refuse_mass_delete()

    def _check_signature(self) -> None:
        if self.store.mismatch is not None:
            raise IndexMismatchError(self.store.mismatch)

    def _check_claim(self, docs_dir: Path, *, record: bool, reclaim: bool = False) -> None:
        """Refuse (``FolderMismatchError``) a folder other than the one that built a shared collection."""
        if self.check_folder and (record or self.shared.folder() is not None):
            self.shared.check_folder(docs_dir, reclaim=reclaim)

    def _plan(self, docs_dir: Path) -> SyncPlan:
        return plan_sync(docs_dir, self.store.documents(), self.cache.healed(self.keywords.counts), self.max_file_bytes)

    def _apply(self, plan: SyncPlan, progress: Progress | None) -> SyncReport:
        """Carry out ``plan`` (under the writer lock): delete what is gone, index what is new or changed."""
        report = plan.report()
        # A renamed or moved document's vectors are read before its old name's chunks go, for the new name to reuse
        # (up to _MOVED_CHUNKS of them: a whole library moved is embedded again past that, not held in memory).
        gone = set(plan.deleted)
        moved: dict[str, dict[tuple[str, str], Sequence[float]]] = {}
        held = 0
        for donor in sorted({donor for donor in plan.donors.values() if donor in gone}):
            if held >= _MOVED_CHUNKS:
                break
            moved[donor] = self.store.vectors(donor)
            held += len(moved[donor])
        for source in plan.deleted:
            self._delete(source)
        self._index(plan.to_index, report, progress, plan.donors, moved)
        with self._writing("the time of the sync"):
            self.store.set_metadata(last_sync=datetime.now(UTC).isoformat(timespec="seconds"))
        return report

    def _delete(self, source: str) -> None:
        with self._writing(f"removing {source}"), self.cache.lock:
            self.store.delete(source)
            self.cache.healed(lambda: self.keywords.delete(source))
            self.cache.mark(self.shared.record([source]))

    def _index(
        self,
        files: list[PlannedFile],
        report: SyncReport,
        progress: Progress | None,
        donors: dict[str, str],
        moved: dict[str, dict[tuple[str, str], Sequence[float]]],
    ) -> None:
        """Load, chunk, embed and store ``files``, writing them whenever a write batch is queued; a file in ``donors``
        may reuse its donor's vectors (``moved``: those read before the donor was deleted).

        ``progress`` hears of every file read, every half second while a file is read, and, while a file too long for
        one write batch is embedded, after each model batch of its chunks; "files done" counts the files settled
        (written, or failed). A ``SyncStopped`` it raises between files, or while a file is read, writes the queue
        first; one raised while a queue is embedded leaves that queue's files unwritten. Either way the sync then
        stops with the number of files settled.
        """
        total = len(files)
        pending: list[_Pending] = []
        read = 0  # files read so far; those not in ``pending`` are settled

        def tell(read: int, chunks: int = 0) -> None:
            if progress:
                progress(read - len(pending), total, report.embedded + chunks)

        def flush(read: int) -> None:
            self._count(report, self._write(pending, lambda chunks: tell(read, chunks)))
            pending.clear()

        # Read in a child process, one file ahead: a reader's crash or hang costs that file (``index.reading``).
        paths = (planned.path for planned in files)
        try:
            with closing(self.reader.read_all(paths, self.max_file_bytes, lambda: tell(read))) as documents:
                for read, (planned, document) in enumerate(zip(files, documents, strict=True), start=1):
                    item = self._prepared(planned, document, report, donors, moved)
                    if item is not None:
                        if pending and len(item.nodes) >= self.write_batch:
                            flush(read - 1)  # the files before a long one are written first: a stop within it costs it alone
                        pending.append(item)
                        if sum(len(queued.nodes) for queued in pending) >= self.write_batch:
                            flush(read)
                    tell(read)
            if pending:
                flush(read)
        except SyncStopped as stopped:
            if pending and stopped.between_files:  # the files read before the stop are written (less than a batch)
                self._count(report, self._write(pending))
                pending.clear()
            raise SyncStopped(read - len(pending), total) from None
        tell(read)

    def _prepared(
        self,
        planned: PlannedFile,
        document: LoadedDocument | LoadError | OSError,
        report: SyncReport,
        donors: dict[str, str],
        moved: dict[str, dict[tuple[str, str], Sequence[float]]],
    ) -> _Pending | None:
        """``document``, the reading of ``planned``, chunked and ready to write; None when it cannot be (reported)."""
        source = planned.source
        try:
            if not unchanged_since(planned):
                # Edited while the sync read it (a save during a sync, the watcher's own case): what was read is
                # neither the version planned nor surely the one there now, and stored under the planned version's
                # hash it would pass for that version, for ever if the file is put back as it was; read half-saved
                # (empty, cut short), it would fail, and its indexed version be deleted. The index keeps what it
                # held; the next sync reads the file as it is then.
                report.warnings.append(FileError(source, CHANGED_WHILE_READ))
                _drop_outcome(report, source)
                return None
            if isinstance(document, Exception):
                raise document
            nodes = self._nodes(source, document, planned.content_hash, report)
        except Exception as error:  # a bug in chunking it must cost this file, never the whole sync (as a reader's does)
            if not isinstance(error, LoadError | OSError):
                logger.exception("indexing %s failed", source)
                error = LoadError(f"cannot be read: {type(error).__name__}: {error}")
            report.failed.append(FileError(source, str(error)))
            _drop_outcome(report, source)
            self._delete(source)
            return None
        donor = donors.get(source)
        return _Pending(source, planned.content_hash, nodes, planned.fresh, donor, moved.get(donor or ""))

    @staticmethod
    def _count(report: SyncReport, written: tuple[int, int]) -> None:
        report.embedded += written[0]
        report.reused += written[1]

    def _nodes(self, source: str, document: LoadedDocument, content_hash: str, report: SyncReport) -> list[TextNode]:
        """The nodes of ``document``; the loader's warnings go into ``report``."""
        report.warnings.extend(FileError(source, w) for w in document.warnings)
        return self.nodes.build(source, content_hash, document)

    def _write(self, pending: list[_Pending], between: Callable[[int], None] | None = None) -> tuple[int, int]:
        """Embed and store ``pending``'s nodes; returns (chunks embedded, chunks whose stored vector was reused).

        More chunks than a write batch (a long file) are embedded a model batch at a time, ``between`` called after each
        but the last with the chunks embedded so far: a ``SyncStopped`` it raises leaves everything of ``pending``
        unwritten.
        """
        nodes = [node for item in pending for node in item.nodes]
        # A document indexed before keeps the vectors of the chunks that come out the same (same section, same text):
        # after a loader change or a small edit, only what changed is embedded again.
        stored: dict[tuple[str, str], Sequence[float]] = {}
        for item in pending:
            if not item.fresh:
                stored.update(self.store.vectors(item.source))
            if item.donor is not None:
                stored.update(item.donated if item.donated is not None else self.store.vectors(item.donor))
        reused = 0
        for node in nodes:
            if (kept := stored.get((str(node.metadata.get("section", "")), node.text))) is not None:
                node.embedding = [float(x) for x in kept]
                reused += 1
        todo = [node for node in nodes if node.embedding is None]
        texts = [embedded_text(node) for node in todo]
        # More than a write batch (a long file): a model batch at a time, a stop heard between them, each cut from them
        # all in the order the model batches them (longest first), so as padded as one call.
        long = len(todo) > self.write_batch
        order = self.embedder.longest_first(texts) if long else range(len(todo))
        step = min(self.write_batch, self.embedder.embed_batch_size) if long else max(1, len(todo))
        for start in range(0, len(todo), step):
            if start and between is not None:
                try:
                    between(start)
                except SyncStopped as stopped:
                    stopped.between_files = False
                    raise
            part = order[start : start + step]
            for i, vector in zip(part, self.embedder.encode([texts[i] for i in part], presorted=long), strict=True):
                todo[i].embedding = vector.tolist()
        if self.lease is not None and self.lease.lost:
            raise IndexBusyError(
                "this sync stalled for longer than the writer lease lasts and another instance took over; "
                "it stopped before writing more. The next sync finishes whatever is left."
            )
        with self._writing(f"{len(nodes)} chunks of {_names(item.source for item in pending)}"), self.cache.lock:
            # A keyword index found damaged on the way is filled from Chroma, which then holds this write as far as it
            # went, and the write is made again: each of its steps is safe to repeat.
            self.cache.healed(lambda: self._store(pending, nodes))
            # Other instances catch up on these documents (``KeywordCache.refresh``); this one has them already.
            self.cache.mark(self.shared.record(item.source for item in pending))
        return len(todo), reused

    def _store(self, pending: list[_Pending], nodes: list[TextNode]) -> None:
        # A document the stores already hold rows of (an old version, a half-written copy) is cleaned
        # around the write; a new one, under the writer lock, has nothing to clean.
        existing = [item for item in pending if not item.fresh]
        for item in existing:
            # Clear any half-written copy of this same version first, so a retry never duplicates; this also
            # clears the chunks an older loader made of the same content, whose ids the new ones reuse.
            self.store.delete_version(item.source, item.content_hash)
            self.keywords.delete_version(item.source, item.content_hash)
        self.store.add(nodes)
        self.keywords.add((*keyword_row(node), str(node.metadata.get("loader", ""))) for node in nodes)
        for item in existing:
            self.store.delete(item.source, keep_hash=item.content_hash)
            self.keywords.delete(item.source, keep_hash=item.content_hash)

    @contextmanager
    def _writing(self, what: str, *, reopen: bool = True) -> Iterator[None]:
        """Turn a store's failure to write ``what`` into an ``IndexWriteError`` that says what to check.

        With ``reopen``, the embedded Chroma client is opened anew first: the one a write failed in would hang on the
        next write.
        """
        try:
            yield
        except IndexBusyError:
            raise
        except _WRITE_FAILURES as error:
            if reopen:
                with suppress(IndexWriteError):  # then the next write tries again, before it writes anything
                    self._reconnect()
            raise IndexWriteError(
                f"the index could not be written ({what}: {type(error).__name__}: {error}). "
                + ("Is the disk full or read-only? " if self.lease is None else "Is the Chroma server still running? ")
                + "The documents indexed before are kept and still answer; once it can be written again, the next "
                "sync finishes what this one left."
            ) from error

    def _reconnect(self) -> None:
        """A fresh client for the store and the shared state (``Store.reconnect``); raises ``IndexWriteError``."""
        self.store.reconnect()
        self.shared.reconnect(self.store.client)

    @contextmanager
    def _writer_lock(self, *, refresh: bool = True) -> Iterator[None]:
        with self._writing(f"the lock file {self.lock_path}", reopen=False):
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.lock_path.open("a")
        owned = True  # False once a timed-out wait has handed the handle to its thread
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if self.on_lock_wait is None:
                    logger.warning("waiting for another sync to finish (lock file %s)", self.lock_path)
                else:  # the caller tells the user (the CLI on stderr); a warning too would say it twice
                    logger.info("waiting for another sync to finish (lock file %s)", self.lock_path)
                    self.on_lock_wait(self.lock_path)
                if not _wait_for_lock(handle, self.lock_timeout):
                    owned = False
                    raise IndexBusyError(
                        f"another sync has been writing the index for over {self.lock_timeout:g} s "
                        f"(it holds the lock file {self.lock_path}); nothing was changed. Try again when it has "
                        "finished, or raise CITEWISE_LOCK_TIMEOUT to wait longer."
                    ) from None
            try:
                if not self.store.writable:  # a write failed in its client, and no fresh one opened then
                    self._reconnect()
                with self._shared_lease():
                    # Whatever other instances wrote meanwhile, the keyword index holds before this writer plans (a
                    # rebuild drops it: it need not catch up, nor read a collection that may be damaged).
                    if refresh:
                        try:
                            self.cache.refresh()
                        except httpx.TransportError as error:
                            raise _unreachable(error) from error
                    yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            if owned:
                handle.close()

    @contextmanager
    def _shared_lease(self) -> Iterator[None]:
        """Hold the writer lease other instances see (when the collection is shared); the local lock is already held."""
        if self.lease is None:
            yield
            return

        def waiting(holder: Holder) -> None:
            logger.warning("waiting for another instance's sync to finish (%s holds the writer lease)", holder.owner)

        held = False
        try:
            with self.lease.held(self.lock_timeout, waiting) as broke:
                if broke:  # a writer crashed mid-write: what it wrote is not logged, so every instance checks all
                    with self.cache.lock:
                        self.shared.record(None)
                held = True
                yield
        except httpx.TransportError as error:
            if held:  # the sync's own: its writes say what they could not do
                raise
            raise _unreachable(error) from error
        except LeaseTimeout as busy:
            raise IndexBusyError(
                f"another instance ({busy.holder.owner}) has been writing the shared index for over "
                f"{self.lock_timeout:g} s (it holds the writer lease in the Chroma collection {self.shared.name}); "
                "nothing was changed. Try again when it has finished, or raise CITEWISE_LOCK_TIMEOUT to wait longer. "
                f"The lease of a writer that crashed is broken after {self.lease.ttl:g} s."
            ) from None


def _wait_for_lock(handle: IO[str], timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for an exclusive flock on ``handle``; True once it is held.

    A blocking flock takes no timeout, and polling with LOCK_NB would let newcomers overtake the
    waiter (and hide it from /proc/locks), so a thread blocks in the kernel's queue instead. On a
    timeout that thread is left to finish: when its flock returns it unlocks and closes ``handle``.
    """
    acquired = threading.Event()
    guard = threading.Lock()
    abandoned = False
    failure: list[OSError] = []

    def block() -> None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as error:
            failure.append(error)
        with guard:
            if abandoned:
                with suppress(OSError):
                    fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
                return
            acquired.set()

    threading.Thread(target=block, name="citewise-lock-wait", daemon=True).start()
    acquired.wait(timeout)
    with guard:
        if not acquired.is_set():
            abandoned = True
            return False
    if failure:
        raise failure[0]
    return True


def _unreachable(error: Exception) -> IndexWriteError:
    """The error of a sync that could not reach its Chroma server before writing anything."""
    return IndexWriteError(
        f"the Chroma server could not be reached ({type(error).__name__}: {error}); nothing was changed. Is it running, "
        "at the address CITEWISE_CHROMA_URL gives?"
    )


def _names(sources: Iterable[str], shown: int = 3) -> str:
    """The first ``shown`` of ``sources``, and how many more: "a.txt, b.txt, c.txt and 4 more"."""
    names = list(sources)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def require_folder(docs_dir: Path) -> None:
    """Raise ``FileNotFoundError`` saying why ``docs_dir`` is no folder to index: it does not exist, or it is a file."""
    if not docs_dir.is_dir():
        what = "is a file, not a folder" if docs_dir.exists() else "does not exist"
        raise FileNotFoundError(f"documents folder {docs_dir} {what}")
