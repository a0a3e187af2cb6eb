"""Bring the index in line with a documents folder: add, update and delete, idempotently."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from index.chunker import chunk_text
from index.embedder import Embedder
from index.keywords import KeywordIndex
from index.loader import LoadError, is_supported, load
from index.store import Store

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]
"""Called with (files done, files to index, chunks embedded so far)."""


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
    ) -> None:
        self.store = store
        self.keywords = keywords
        self.embedder = embedder
        self.max_tokens = effective_chunk_tokens(embedder, chunk_tokens)
        self.overlap_sentences = overlap_sentences
        self.lock_path = lock_path
        self.write_batch = write_batch
        self.max_file_bytes = max_file_bytes

    def sync(self, docs_dir: Path, *, dry_run: bool = False, progress: Progress | None = None) -> SyncReport:
        """Make the index hold exactly the supported files under ``docs_dir``.

        Unchanged files (same content hash, all chunks present) cost a hash and nothing else.
        New versions are written before old ones are deleted, and every chunk records how many
        chunks its document has, so a sync killed at any point is repaired by the next one.

        Example:
            >>> report = indexer.sync(Path("seeds"))
            >>> report.summary()["failed"]
            []
        """
        began = time.perf_counter()
        report = SyncReport(dry_run=dry_run)
        if not docs_dir.is_dir():
            raise FileNotFoundError(f"documents folder {docs_dir} does not exist")
        with self._writer_lock():
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
                    and doc.is_complete(content_hash)
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
            gone = sorted((set(stored) | keyword_sources) - seen - unreadable)
            report.deleted.extend(gone)
            if not dry_run:
                for source in gone:
                    self._delete(source)
                self._index(to_index, report, progress)
                self.store.set_metadata(last_sync=datetime.now(UTC).isoformat(timespec="seconds"))
            report.chunks = self.store.count()
        report.seconds = time.perf_counter() - began
        logger.info("sync of %s: %s", docs_dir, {k: v for k, v in report.summary().items() if k != "failed"})
        return report

    def delete(self, source: str) -> None:
        """Remove one document from the index (the file itself is not touched)."""
        with self._writer_lock():
            self._delete(source)

    def rebuild(self, docs_dir: Path, progress: Progress | None = None) -> SyncReport:
        """Drop everything and index ``docs_dir`` from scratch with the current settings."""
        with self._writer_lock():
            self.store.reset()
            self.keywords.reset()
        return self.sync(docs_dir, progress=progress)

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
        chunks = chunk_text(document.text, self.embedder.count_tokens, self.max_tokens, self.overlap_sentences)
        nodes = []
        for chunk in chunks:
            page = document.page_at(chunk.start)
            node = TextNode(
                id_=f"{source}@{content_hash[:16]}#{chunk.index}",
                text=chunk.text,
                start_char_idx=chunk.start,
                end_char_idx=chunk.end,
                metadata={
                    "source": source,
                    "title": document.title,
                    "doc_hash": content_hash,
                    "chunk_index": chunk.index,
                    "chunk_count": len(chunks),
                    "start_char": chunk.start,
                    "end_char": chunk.end,
                    "page": page if page is not None else 0,
                },
            )
            # Only the text is embedded; metadata stays out of the vector.
            node.excluded_embed_metadata_keys = list(node.metadata)
            node.excluded_llm_metadata_keys = list(node.metadata)
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=source)
            nodes.append(node)
        return nodes

    def _write(self, pending: list[_Pending]) -> int:
        nodes = [node for item in pending for node in item.nodes]
        vectors = self.embedder.encode([node.get_content() for node in nodes])
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector.tolist()
        # A document the stores already hold rows of (an old version, a half-written copy) is cleaned
        # around the write; a new one, under the writer lock, has nothing to clean.
        existing = [item for item in pending if not item.fresh]
        for item in existing:
            # Clear any half-written copy of this same version first, so a retry never duplicates.
            self.store.delete_version(item.source, item.content_hash)
            self.keywords.delete_version(item.source, item.content_hash)
        self.store.add(nodes)
        self.keywords.add(
            (node.node_id, item.source, item.content_hash, node.get_content()) for item in pending for node in item.nodes
        )
        for item in existing:
            self.store.delete(item.source, keep_hash=item.content_hash)
            self.keywords.delete(item.source, keep_hash=item.content_hash)
        return len(nodes)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


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
