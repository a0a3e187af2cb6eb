"""Bring the index in line with a documents folder: add, update and delete, idempotently."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from llama_index.core.schema import TextNode

from index import loader
from index.chunker import chunk_text
from index.embedder import Embedder
from index.keywords import KeywordIndex
from index.loader import LoadError, is_supported, load
from index.nodes import SECTION_RESERVE, embedded_text, keyword_row, make_node, section_label
from index.store import IndexMismatchError, Store

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]
"""Called with (files done, files to index, chunks embedded so far)."""

# Document ids are paths relative to the folder, so an unmounted drive, an emptied folder or a mistyped
# path (`sync docs/sub` for `sync docs`) all look like "every document was deleted". Removing a few files
# is everyday use and needs no confirmation; removing every indexed document, or more than half of them
# and more than this many, must be confirmed (allow_mass_delete). Three keeps a small folder workable
# (delete 3 of 5) while any real loss of a mount trips the check.
FREE_DELETES = 3


class UnsafeSyncError(RuntimeError):
    """A sync that would delete all or most indexed documents was refused; nothing was changed."""

    def __init__(self, docs_dir: Path, doomed: list[str], indexed: int) -> None:
        self.docs_dir = docs_dir
        self.doomed = doomed
        self.indexed = indexed
        shown = ", ".join(doomed[:3]) + (f" and {len(doomed) - 3} more" if len(doomed) > 3 else "")
        super().__init__(
            f"refused to delete {len(doomed)} of the {indexed} indexed documents ({shown}): they are not in {docs_dir}. "
            "Is the folder mounted and its path right? Nothing was changed. If they are really gone, confirm with "
            "`python -m index sync DIR --allow-delete` (allow_mass_delete=True), or delete them one by one."
        )


class IndexBusyError(TimeoutError):
    """Another writer held the index's lock for longer than the lock timeout; nothing was changed."""


def is_mass_delete(deleting: int, indexed: int) -> bool:
    """Whether deleting ``deleting`` of ``indexed`` documents needs confirming: all of them, or most and over FREE_DELETES."""
    return deleting > 0 and (deleting >= indexed or (deleting > FREE_DELETES and 2 * deleting > indexed))


@dataclass
class FileError:
    """A file that was skipped, and why."""

    path: str
    error: str


@dataclass
class SyncReport:
    """What a sync changed; ``chunks`` is the index's chunk count afterwards."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[FileError] = field(default_factory=list)
    warnings: list[FileError] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    # A dry run whose deletes a real sync would refuse without allow_mass_delete (see is_mass_delete).
    needs_confirmation: bool = False

    def summary(self) -> dict[str, Any]:
        """The JSON contract: counts for each outcome, per-file failures, chunk totals."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "deleted": len(self.deleted),
            "failed": [asdict(f) for f in self.failed],
            "warnings": [asdict(w) for w in self.warnings],
            "chunks": self.chunks,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
        }


@dataclass
class _Plan:
    to_index: list[tuple[str, Path, str, bool]]  # (source, path, content hash, fresh)
    gone: list[str]  # indexed sources no longer in the folder
    indexed: int  # documents either store holds


@dataclass
class _Pending:
    source: str
    content_hash: str
    nodes: list[TextNode]
    fresh: bool = False  # neither store holds any row of this source: nothing to clean up around the write


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
    ) -> None:
        self.store = store
        self.keywords = keywords
        self.embedder = embedder
        self.max_tokens = effective_chunk_tokens(embedder, chunk_tokens)
        self.overlap_sentences = overlap_sentences
        self.lock_path = lock_path
        self.write_batch = write_batch
        self.max_file_bytes = max_file_bytes
        self.lock_timeout = lock_timeout
        self.on_lock_wait = on_lock_wait

    def sync(
        self, docs_dir: Path, *, dry_run: bool = False, progress: Progress | None = None, allow_mass_delete: bool = False
    ) -> SyncReport:
        """Make the index hold exactly the supported files under ``docs_dir``.

        Unchanged files (same content hash, all chunks present, read by the current
        ``index.loader.LOADER_VERSION``) cost a hash and nothing else. A file whose chunks another
        loader version read (or one from before versions were recorded) counts as changed: it is
        re-chunked and re-embedded and reported as ``updated``, as an edited file is, so a loader
        change reaches every indexed document without a rebuild. New versions are written before old
        ones are deleted (chunks of the same content are replaced in the write that embeds them anew),
        and every chunk records how many chunks its document has, so a sync killed at any point is
        repaired by the next one.

        Raises:
            UnsafeSyncError: the sync would delete every indexed document, or most of them (see
                ``is_mass_delete``), and ``allow_mass_delete`` is False; a dry run reports them instead.
            IndexBusyError: another writer held the lock for over ``lock_timeout`` seconds.

        Example:
            >>> report = indexer.sync(Path("seeds"))
            >>> report.summary()["failed"]
            []
        """
        began = time.perf_counter()
        if not docs_dir.is_dir():
            raise FileNotFoundError(f"documents folder {docs_dir} does not exist")
        with self._writer_lock():
            report = self._sync(docs_dir, dry_run=dry_run, progress=progress, allow_mass_delete=allow_mass_delete)
        report.seconds = time.perf_counter() - began
        logger.info("sync of %s: %s", docs_dir, {k: v for k, v in report.summary().items() if k != "failed"})
        return report

    def delete(self, source: str) -> None:
        """Remove one document from the index (the file itself is not touched)."""
        with self._writer_lock():
            self._delete(source)

    def rebuild(self, docs_dir: Path, progress: Progress | None = None, *, allow_mass_delete: bool = False) -> SyncReport:
        """Drop everything and index ``docs_dir`` from scratch with the current settings.

        The writer lock is held from the drop to the end of the sync, so no other writer sees the
        index empty; a running app's store reopens the new collection by itself (``ReopeningCollection``).
        What ``sync`` would refuse to delete is refused here too, before anything is dropped.
        """
        began = time.perf_counter()
        if not docs_dir.is_dir():
            raise FileNotFoundError(f"documents folder {docs_dir} does not exist")
        with self._writer_lock():
            if not allow_mass_delete:
                self._refuse_mass_delete(docs_dir, self._plan(docs_dir, SyncReport(dry_run=True)))
            self.store.reset()
            self.keywords.reset()
            report = self._sync(docs_dir, dry_run=False, progress=progress, allow_mass_delete=True)
        report.seconds = time.perf_counter() - began
        logger.info("rebuild from %s: %s", docs_dir, {k: v for k, v in report.summary().items() if k != "failed"})
        return report

    def _sync(self, docs_dir: Path, *, dry_run: bool, progress: Progress | None, allow_mass_delete: bool) -> SyncReport:
        if self.store.mismatch is not None:
            raise IndexMismatchError(self.store.mismatch)
        report = SyncReport(dry_run=dry_run)
        plan = self._plan(docs_dir, report)
        report.needs_confirmation = is_mass_delete(len(plan.gone), plan.indexed)
        if not dry_run and not allow_mass_delete:
            self._refuse_mass_delete(docs_dir, plan)
        report.deleted.extend(plan.gone)
        if not dry_run:
            for source in plan.gone:
                self._delete(source)
            self._index(plan.to_index, report, progress)
            self.store.set_metadata(last_sync=datetime.now(UTC).isoformat(timespec="seconds"))
        report.chunks = self.store.count()
        return report

    @staticmethod
    def _refuse_mass_delete(docs_dir: Path, plan: _Plan) -> None:
        if is_mass_delete(len(plan.gone), plan.indexed):
            raise UnsafeSyncError(docs_dir, plan.gone, plan.indexed)

    def _plan(self, docs_dir: Path, report: SyncReport) -> _Plan:
        """Hash the folder against the stores: fills in added, updated, unchanged and failed; changes nothing."""
        stored = self.store.documents()
        keyword_counts = self.keywords.counts()
        to_index: list[tuple[str, Path, str, bool]] = []
        keyword_sources = {source for source, _ in keyword_counts}
        seen: set[str] = set()
        unreadable: set[str] = set()
        for source, path in walk(docs_dir, report):
            try:
                size = path.stat().st_size
                if size > self.max_file_bytes:
                    limit = f"{_size(size)}, over the {_size(self.max_file_bytes)} limit (CITEWISE_MAX_FILE_MB)"
                    report.failed.append(FileError(source, f"file is {limit}"))
                    continue
                content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as error:
                report.failed.append(FileError(source, f"cannot read: {error.strerror or error}"))
                unreadable.add(source)
                continue
            seen.add(source)
            doc = stored.get(source)
            if (
                doc is not None
                and doc.is_current(content_hash, loader.LOADER_VERSION)
                and keyword_counts.get((source, content_hash)) == doc.chunk_count
            ):
                report.unchanged.append(source)
                continue
            (report.updated if doc is not None else report.added).append(source)
            fresh = doc is None and source not in keyword_sources
            to_index.append((source, path, content_hash, fresh))
        # A file that could not be read this time (mid-write, permissions) keeps its chunks;
        # one now too large, or whose new content fails to load, loses them as they are stale.
        # Keyword rows count too: a kill between the two stores' deletes can leave rows in one only.
        indexed = set(stored) | keyword_sources
        gone = sorted(indexed - seen - unreadable)
        return _Plan(to_index, gone, len(indexed))

    def _delete(self, source: str) -> None:
        self.store.delete(source)
        self.keywords.delete(source)

    def _index(self, files: list[tuple[str, Path, str, bool]], report: SyncReport, progress: Progress | None) -> None:
        pending: list[_Pending] = []
        buffered = 0
        for done, (source, path, content_hash, fresh) in enumerate(files, start=1):
            try:
                nodes = self._nodes(source, path, content_hash, report)
            except Exception as error:  # a parser's own bug must cost this file, never the whole sync
                if not isinstance(error, LoadError | OSError):
                    logger.exception("loading %s failed", source)
                    error = LoadError(f"cannot be read: {type(error).__name__}: {error}")
                report.failed.append(FileError(source, str(error)))
                for outcome in (report.added, report.updated):
                    if source in outcome:
                        outcome.remove(source)
                self._delete(source)
                continue
            pending.append(_Pending(source, content_hash, nodes, fresh))
            buffered += len(nodes)
            if buffered >= self.write_batch:
                report.embedded += self._write(pending)
                pending, buffered = [], 0
            if progress:
                progress(done, len(files), report.embedded)
        if pending:
            report.embedded += self._write(pending)
        if progress:
            progress(len(files), len(files), report.embedded)

    def _nodes(self, source: str, path: Path, content_hash: str, report: SyncReport) -> list[TextNode]:
        document = load(path)
        report.warnings.extend(FileError(source, w) for w in document.warnings)
        count = self.embedder.count_tokens
        budget = self.max_tokens
        if document.sections:
            # The section is embedded before each chunk's text: keep room for it in the model's window.
            budget = min(budget, max(16, self.embedder.max_tokens - 2 - SECTION_RESERVE))
        breaks = [offset for section in document.sections for offset in (section.start, section.end)]
        chunks = chunk_text(document.text, count, budget, self.overlap_sentences, breaks)
        labels: dict[tuple[str, ...], str] = {}
        nodes = []
        for chunk in chunks:
            path_at = document.heading_path_at(chunk.start)
            if path_at not in labels:
                labels[path_at] = section_label(path_at, count)
            nodes.append(
                make_node(
                    source,
                    content_hash,
                    document.title,
                    chunk,
                    len(chunks),
                    page=document.page_at(chunk.start),
                    section=labels[path_at],
                )
            )
        return nodes

    def _write(self, pending: list[_Pending]) -> int:
        nodes = [node for item in pending for node in item.nodes]
        vectors = self.embedder.encode([embedded_text(node) for node in nodes])
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector.tolist()
        # A document the stores already hold rows of (an old version, a half-written copy) is cleaned
        # around the write; a new one, under the writer lock, has nothing to clean.
        existing = [item for item in pending if not item.fresh]
        for item in existing:
            # Clear any half-written copy of this same version first, so a retry never duplicates; this also
            # clears the chunks an older loader made of the same content, whose ids the new ones reuse.
            self.store.delete_version(item.source, item.content_hash)
            self.keywords.delete_version(item.source, item.content_hash)
        self.store.add(nodes)
        self.keywords.add(keyword_row(node) for node in nodes)
        for item in existing:
            self.store.delete(item.source, keep_hash=item.content_hash)
            self.keywords.delete(item.source, keep_hash=item.content_hash)
        return len(nodes)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
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
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            if owned:
                handle.close()


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


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


def effective_chunk_tokens(embedder: Embedder, configured: int) -> int:
    """The chunk size cap: the configured size, never more than the model reads (less its special tokens)."""
    return max(16, min(configured, embedder.max_tokens - 2))


def walk(docs_dir: Path, report: SyncReport) -> Iterator[tuple[str, Path]]:
    """Yield (source, path) for supported files; unsupported ones are recorded as failed.

    Hidden files and folders are skipped, and folder symlinks are not followed, so a link
    loop cannot trap the walk.
    """
    for root, dirs, files in os.walk(docs_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            source = path.relative_to(docs_dir).as_posix()
            try:
                source.encode("utf-8")
            except UnicodeEncodeError:
                shown = source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                report.failed.append(FileError(shown, "file name is not valid UTF-8; rename the file"))
                continue
            if not path.is_file():
                report.failed.append(FileError(source, "not a regular file (broken link?)"))
            elif not is_supported(path):
                report.failed.append(FileError(source, f"unsupported file type {path.suffix.lower() or '(none)'}"))
            else:
                yield source, path
