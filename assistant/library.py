"""The documents folder as users manage it: upload, list, delete, re-index."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from index import SUPPORTED_SUFFIXES, Indexer, SyncReport
from index.loader import LoadedDocument, load
from index.sync import Progress

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_MAX_NAME = 120


class UploadError(ValueError):
    """An upload that was refused; the message says why."""


@dataclass(frozen=True)
class OpenedDocument:
    """An indexed document read back for viewing; ``current`` is False when the file changed since it was indexed."""

    source: str
    path: Path
    loaded: LoadedDocument
    current: bool


@dataclass(frozen=True)
class DocumentRow:
    """One line of the documents list."""

    source: str
    title: str
    chunks: int
    pages: int
    status: str


def safe_name(name: str) -> str:
    """A file name that cannot leave the documents folder or hide itself.

    Example:
        >>> safe_name("../../etc/passwd.txt")
        'passwd.txt'
    """
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    stem, suffix = os.path.splitext(cleaned)
    if not stem:
        raise UploadError(f"{name!r} has no usable file name")
    return stem[: _MAX_NAME - len(suffix)] + suffix.lower()


class Library:
    """Uploads land in the documents folder atomically; every change goes through the indexer.

    Args:
        docs_dir: the folder that sync mirrors.
        indexer: the write path into the index.
        max_upload_bytes: larger uploads are refused.
    """

    def __init__(self, docs_dir: Path, indexer: Indexer, max_upload_bytes: int) -> None:
        self.docs_dir = docs_dir
        self.indexer = indexer
        self.max_upload_bytes = max_upload_bytes
        self.last_report: SyncReport | None = None
        self._lock = threading.Lock()

    def save_upload(self, original_name: str, uploaded: Path) -> str:
        """Copy an uploaded file into the documents folder; returns its source name.

        The copy is written to a hidden temporary file and renamed into place, so a crash
        mid-upload never leaves a half-written document for sync to index.
        """
        name = safe_name(original_name)
        if Path(name).suffix not in SUPPORTED_SUFFIXES:
            raise UploadError(f"{name}: unsupported file type; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
        size = uploaded.stat().st_size
        if size > self.max_upload_bytes:
            raise UploadError(f"{name}: {size / 1e6:.1f} MB is over the {self.max_upload_bytes / 1e6:.0f} MB upload limit")
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=self.docs_dir)
        try:
            with os.fdopen(handle, "wb") as target, uploaded.open("rb") as source:
                shutil.copyfileobj(source, target)
            os.replace(temporary, self.docs_dir / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name

    def delete(self, source: str) -> None:
        """Remove a document from the folder and from the index."""
        path = self.docs_dir / source
        # Resolve the folder part only: a linked document is removed as a link, never through it.
        if path.name in ("", ".", "..") or not (path.parent.resolve() / path.name).is_relative_to(self.docs_dir.resolve()):
            raise UploadError(f"{source!r} is not inside the documents folder")
        path.unlink(missing_ok=True)
        self.indexer.delete(source)

    def open(self, source: str) -> OpenedDocument:
        """Read an indexed document for the viewer; only documents in the index, and only inside the folder.

        Raises:
            KeyError: ``source`` is not an indexed document (or the file is gone).
            LoadError: the file can no longer be read.
        """
        stored = self.indexer.store.documents(source).get(source)
        path = self.docs_dir / source
        if stored is None or not path.resolve().is_relative_to(self.docs_dir.resolve()) or not path.is_file():
            raise KeyError(source)
        # The viewer's offsets are the index's: they hold only while the file is the one that was indexed.
        current = hashlib.sha256(path.read_bytes()).hexdigest() in stored.hashes
        return OpenedDocument(source, path, load(path), current)

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """Re-index the documents folder; one sync at a time from this process."""
        with self._lock:
            self.last_report = self.indexer.sync(self.docs_dir, progress=progress)
        return self.last_report

    def rows(self) -> list[DocumentRow]:
        """Indexed documents with their chunk and page counts, plus files the last sync skipped."""
        rows = [
            DocumentRow(
                doc.source,
                doc.title,
                doc.stored_chunks,
                doc.pages,
                "indexed" if doc.stored_chunks == doc.chunk_count else "incomplete",
            )
            for doc in self.indexer.store.documents().values()
        ]
        if self.last_report is not None:
            rows += [DocumentRow(f.path, "", 0, 0, f"failed: {f.error}") for f in self.last_report.failed]
        return sorted(rows, key=lambda row: row.source)
