"""The documents folder as users manage it: upload, list, delete, view and re-index."""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from index.loader import SUPPORTED_TYPES, LoadedDocument, Page, file_type, is_supported, split_suffix
from index.plan import file_hash
from index.shared import FolderMismatchError
from index.store import StoredChunk
from index.sync import Indexer, Progress, SyncReport

# Punctuation kept as it is, beside letters, digits and marks: harmless on every file system and in a
# shell word (parentheses too: they number a second copy, "report (2).pdf").
_KEPT = frozenset(" ._-(),+")
# Reserved on Windows (and so on SMB and exFAT mounts) whatever the extension.
_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))})
# ext4 and most file systems allow 255 bytes per name; this leaves room for " (12)" and for
# file systems that store names longer than they show them (encrypted home folders).
_MAX_NAME_BYTES = 200
_MAX_SUFFIX_BYTES = 16  # a longer "extension" is just part of the name
_NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d+)\)$")


class UploadError(ValueError):
    """An upload that was refused or could not be saved; the message says why."""


class DocumentsFolderError(UploadError):
    """The documents folder refused a write: a full disk, a read-only folder, no permission. Nothing was changed.

    The request was sound: the server cannot do it now (the API answers 503, not 400).
    """


@dataclass(frozen=True)
class SavedUpload:
    """Where an upload went: ``name`` in the documents folder, from ``original`` as the browser named it.

    ``existing`` is the document that already had the name, if one did: it was replaced when
    ``replaced``, otherwise the upload got the next free name (``renamed``).
    """

    name: str
    original: str
    existing: str | None = None
    replaced: bool = False

    @property
    def renamed(self) -> bool:
        """True when another document kept the name and this upload got a numbered one."""
        return self.existing is not None and not self.replaced


@dataclass(frozen=True)
class OpenedDocument:
    """An indexed document read back for viewing; ``current`` is False when the file changed since it was indexed.

    ``from_index`` is True when the file is not in this instance's documents folder (another instance
    sharing the Chroma server indexed it): ``loaded`` is then the text rebuilt from its chunks, and there
    is no file at ``path`` to download.
    """

    source: str
    path: Path
    loaded: LoadedDocument
    current: bool
    from_index: bool = False


class DocumentState(StrEnum):
    """Where a document of the folder stands with the index."""

    INDEXED = "indexed"  # every chunk of it is stored
    INCOMPLETE = "incomplete"  # chunks are missing (a sync was killed); the next sync repairs it
    FAILED = "failed"  # the last sync skipped it; the status's detail says why


@dataclass(frozen=True)
class DocumentStatus:
    """A document's state, and for a failed one the reason (``detail``)."""

    kind: DocumentState
    detail: str = ""


@dataclass(frozen=True)
class ListedDocument:
    """One document of the list: indexed, half-indexed, or skipped by the last sync."""

    source: str
    title: str
    chunks: int
    pages: int
    status: DocumentStatus


def safe_name(name: str) -> str:
    """A file name that cannot leave the documents folder or hide itself, and keeps its letters in any script.

    NFC-normalised; letters, digits and marks of every script are kept; invisible format characters
    (bidi overrides, zero-width) are dropped; separators, control characters and the characters
    Windows or a shell reserve become ``_``; at most 200 UTF-8 bytes, never cut inside a character.

    Example:
        >>> safe_name("../../etc/passwd.txt")
        'passwd.txt'
        >>> safe_name("Übersicht 2024?.PDF")
        'Übersicht 2024_.pdf'
    """
    base = Path(unicodedata.normalize("NFC", name).replace("\\", "/")).name
    kept = []
    for char in base:
        category = unicodedata.category(char)
        if category[0] in "LNM" or char in _KEPT:
            kept.append(char)
        elif category == "Zs":  # no-break and ideographic spaces
            kept.append(" ")
        elif category != "Cf":
            kept.append("\0")
    # Leading dots would hide the file from sync, trailing ones and spaces vanish on Windows, a leading
    # "-" reads as an option to command-line tools.
    cleaned = re.sub("\0+", "_", "".join(kept)).lstrip(" .-").rstrip(" .")
    stem, suffix = split_suffix(cleaned)
    if len(suffix.encode()) > _MAX_SUFFIX_BYTES:
        stem, suffix = cleaned, ""
    stem = stem.rstrip(" .")
    if not stem:
        raise UploadError(f"{name!r} has no usable file name")
    if stem.split(".")[0].upper() in _DEVICE_NAMES:
        stem += "_"
    return _fit(stem, suffix.lower())


def _fit(stem: str, suffix: str) -> str:
    """``stem + suffix`` within _MAX_NAME_BYTES, shortening the stem at a character boundary."""
    room = _MAX_NAME_BYTES - len(suffix.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    # A letter cut off from the marks that follow it (an accent, a vowel sign) would be another letter.
    while cut and len(cut) < len(stem) and unicodedata.category(stem[len(cut)])[0] == "M":
        cut = cut[:-1]
    if len(cut) < len(stem):
        cut = cut.rstrip(" .")  # what Windows would drop, and "report .pdf" looks like a typo
    return cut + suffix


def _fold(name: str) -> str:
    """How a case-insensitive file system (macOS, Windows, SMB, exFAT) compares names."""
    return unicodedata.normalize("NFC", name).casefold()


def _numbered(name: str, n: int) -> str:
    """``report (n).pdf`` for ``report.pdf``, and for ``report (2).pdf`` too; ``notes (n).md.gz`` for ``notes.md.gz``."""
    stem, suffix = split_suffix(name)
    match = _NUMBERED.match(stem)
    return _fit(match["stem"] if match else stem, f" ({n}){suffix}")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


class Library:
    """Uploads land in the documents folder atomically; every change goes through the indexer.

    Args:
        docs_dir: the folder that sync mirrors.
        indexer: the write path into the index.
        max_upload_bytes: larger uploads are refused; so are files larger than the indexer indexes.
    """

    def __init__(self, docs_dir: Path, indexer: Indexer, max_upload_bytes: int) -> None:
        self.docs_dir = docs_dir
        self.indexer = indexer
        self.max_upload_bytes = max_upload_bytes
        self._last_report: SyncReport | None = None
        self._reports = 0  # how many times ``last_report`` was set: part of ``version``
        self._lock = threading.Lock()
        self._naming = threading.Lock()  # two sessions uploading one name get two names

    @property
    def last_report(self) -> SyncReport | None:
        """The last sync's report from this process (its failed files are listed with the documents)."""
        return self._last_report

    @last_report.setter
    def last_report(self, report: SyncReport | None) -> None:
        self._last_report = report
        self._reports += 1

    def version(self) -> tuple[int, int]:
        """What ``documents`` changes with: the index's write generation (every writer's: this process, the command
        line, another instance on a shared Chroma server) and this process's sync reports. One lookup by id, so that a
        page can poll it and list the documents again only when it moved."""
        return self.indexer.shared.generation(), self._reports

    def upload_limit(self) -> tuple[int, str]:
        """The largest upload accepted and the setting that sets it: never more than sync will index."""
        # A file sync would skip as too large must not be "Saved" first; fakes in tests carry no limit.
        indexed = getattr(self.indexer, "max_file_bytes", None)
        if indexed is not None and indexed < self.max_upload_bytes:
            return int(indexed), "CITEWISE_MAX_FILE_MB"
        return self.max_upload_bytes, "CITEWISE_MAX_UPLOAD_MB"

    def save_upload(self, original_name: str, uploaded: Path, *, replace: bool = False) -> SavedUpload:
        """Copy an uploaded file into the documents folder under a safe name.

        The copy is written to a hidden temporary file and renamed into place, so a crash
        mid-upload never leaves a half-written document for sync to index. A document with the
        same name (compared without case, as on case-insensitive mounts) is never overwritten
        silently: the upload gets the next free name, ``report (2).pdf``, unless ``replace``.

        Raises:
            UploadError: unsupported type, too large, no usable name, or the disk refused the write
                (full, read-only, no permission); nothing is left behind then.
        """
        name = safe_name(original_name)
        if not is_supported(Path(name)):
            raise UploadError(f"{name}: unsupported file type {file_type(name)}; supported: {SUPPORTED_TYPES}")
        try:
            size = uploaded.stat().st_size
        except OSError as error:
            raise UploadError(f"{name} could not be read: {_reason(error)}") from error
        limit, variable = self.upload_limit()
        if size > limit:
            raise UploadError(f"{name}: {size / 1e6:.1f} MB is over the {limit / 1e6:g} MB upload limit (set by {variable})")
        temporary: Path | None = None
        try:
            self.docs_dir.mkdir(parents=True, exist_ok=True)
            handle, path = tempfile.mkstemp(prefix=".upload-", dir=self.docs_dir)
            temporary = Path(path)
            with os.fdopen(handle, "wb") as target, uploaded.open("rb") as source:
                shutil.copyfileobj(source, target)
                target.flush()
                # On disk before it gets its name: a power cut never leaves an empty document in place.
                os.fsync(target.fileno())
            with self._naming:
                saved = self._place(temporary, name, original_name, replace)
            temporary = None
            return saved
        except OSError as error:  # disk full, read-only or no permission: this file fails, not the upload
            raise DocumentsFolderError(f"{name} could not be saved: {_reason(error)}") from error
        finally:
            if temporary is not None:
                with suppress(OSError):
                    temporary.unlink(missing_ok=True)

    def _place(self, temporary: Path, name: str, original: str, replace: bool) -> SavedUpload:
        """Give the written upload its name, never taking one another document has (unless replacing it)."""
        taken = {_fold(other): other for other in os.listdir(self.docs_dir)}
        existing = taken.get(_fold(name))
        if existing is not None and replace:
            # The old document's own spelling, so its id (and citations to it) stay the same.
            os.replace(temporary, self.docs_dir / existing)
            return SavedUpload(existing, original, existing=existing, replaced=True)
        if existing is None and self._link(temporary, name):
            return SavedUpload(name, original)
        for n in range(2, 10_000):
            candidate = _numbered(name, n)
            if _fold(candidate) not in taken and self._link(temporary, candidate):
                return SavedUpload(candidate, original, existing=existing or name)
        raise UploadError(f"{name}: too many documents with this name")

    def _link(self, temporary: Path, name: str) -> bool:
        """Move ``temporary`` to ``name`` unless that name exists; False when it does."""
        target = self.docs_dir / name
        try:
            # A hard link never replaces an existing file, so a document another process just
            # saved under this name is safe too; the temporary name is dropped afterwards.
            os.link(temporary, target)
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
                raise
            # No hard links here (exFAT, some network mounts): check, then rename, under this process's lock.
            if target.exists():
                return False
            os.replace(temporary, target)
            return True
        with suppress(OSError):  # a leftover hidden temporary is never indexed; the document is saved
            temporary.unlink()
        return True

    def delete(self, source: str) -> bool:
        """Remove a document from the folder and from the index; whether either held it.

        A file the index does not hold is a document too: uploaded without a sync, added since the last one, or one
        the last sync failed to read (until 2026-12-07 the API answered such a file 404 and it could not be deleted)."""
        path = self.docs_dir / source
        # Resolve the folder part only: a linked document is removed as a link, never through it.
        if path.name in ("", ".", "..") or not (path.parent.resolve() / path.name).is_relative_to(self.docs_dir.resolve()):
            raise UploadError(f"{source!r} is not inside the documents folder")
        if getattr(self.indexer, "check_folder", False):  # a shared index another folder built: touch neither
            try:
                self.indexer.check_claim(self.docs_dir)
            except FolderMismatchError as error:
                raise UploadError(str(error)) from error
        try:
            path.unlink()
            removed = True
        except (FileNotFoundError, IsADirectoryError):  # nothing there, or a folder, which is no document
            removed = False
        except OSError as error:  # a read-only folder, or no permission: the document stays, in the folder and the index
            message = f"{source} could not be removed from the documents folder: {error.strerror or error}"
            raise DocumentsFolderError(message) from error
        indexed = self.indexer.delete(source)  # after a sync that may be writing it, even one not indexed before
        if (report := self.last_report) is not None:  # a file the last sync failed is listed no more once deleted
            self.last_report = replace(report, failed=[failure for failure in report.failed if failure.path != source])
        return removed or indexed

    def open(self, source: str) -> OpenedDocument:
        """Read an indexed document for the viewer; only documents in the index, and only inside the folder.

        A document indexed but missing from this folder is rebuilt from its chunks (``from_index``).

        Raises:
            KeyError: ``source`` is not an indexed document.
            LoadError: the file can no longer be read.
        """
        stored = self.indexer.store.documents(source).get(source)
        path = self.docs_dir / source
        if stored is None or not path.resolve().is_relative_to(self.docs_dir.resolve()):
            raise KeyError(source)
        if not path.is_file():
            # Indexed, but not here: another instance's folder holds it. Its chunks carry its text and offsets.
            return OpenedDocument(source, path, rebuilt_from_chunks(self.indexer.store.document_chunks(source)), True, True)
        # The viewer's offsets are the index's: they hold only while the file is the one that was indexed.
        current = file_hash(path) in stored.hashes
        return OpenedDocument(source, path, self.indexer.reader.read(path), current)

    def sync(self, progress: Progress | None = None, *, allow_mass_delete: bool = False) -> SyncReport:
        """Re-index the documents folder; one sync at a time from this process.

        Raises:
            UnsafeSyncError: the folder lacks all or most indexed documents (unmounted?); nothing changed.
            IndexBusyError: another writer held the index's lock for too long.
            IndexWriteError: the index could not be written (a full or read-only disk); what it held before stays.
        """
        with self._lock:
            self.last_report = self.indexer.sync(self.docs_dir, progress=progress, allow_mass_delete=allow_mass_delete)
        return self.last_report

    def documents(self) -> list[ListedDocument]:
        """Indexed documents with their chunk and page counts, plus files the last sync skipped, by source."""
        listed = [
            ListedDocument(
                doc.source,
                doc.title,
                doc.stored_chunks,
                doc.pages,
                DocumentStatus(DocumentState.INDEXED if doc.stored_chunks == doc.chunk_count else DocumentState.INCOMPLETE),
            )
            for doc in self.indexer.store.documents().values()
        ]
        if self.last_report is not None:
            failed = DocumentState.FAILED
            listed += [ListedDocument(f.path, "", 0, 0, DocumentStatus(failed, f.error)) for f in self.last_report.failed]
        return sorted(listed, key=lambda document: document.source)


def rebuilt_from_chunks(chunks: Sequence[StoredChunk]) -> LoadedDocument:
    """A document's text put back together from its stored chunks, at the offsets the chunks record.

    Chunks are slices of the document text (``start_char``/``end_char``), so laid at their offsets, in
    order, with the overlap between neighbours written once, they give back the text the index read,
    citations' offsets included; what lies between two chunks (the blank line between paragraphs) comes
    back as white space of the same length. One version is shown: the complete one if any, else the largest.
    """
    versions: dict[str, list[StoredChunk]] = {}
    for chunk in chunks:
        versions.setdefault(str(chunk.metadata.get("doc_hash", "")), []).append(chunk)
    if not versions:
        return LoadedDocument(text="", title="")
    best = max(
        versions.values(),
        key=lambda kept: (len(kept) == max(int(c.metadata.get("chunk_count", 0)) for c in kept), len(kept)),
    )
    ordered = sorted(best, key=lambda c: (int(c.metadata.get("start_char") or 0), int(c.metadata.get("end_char") or 0)))
    text = ""
    pages: dict[int, int] = {}  # page number -> where its first chunk starts
    for chunk in ordered:
        start = int(chunk.metadata.get("start_char") or 0)
        if start > len(text):
            gap = start - len(text)
            text += " " if gap == 1 else "\n\n" + " " * (gap - 2)
        text += chunk.text[len(text) - start :]
        page = int(chunk.metadata.get("page") or 0)
        if page:
            pages.setdefault(page, start)
    starts = sorted(pages.items(), key=lambda item: item[1])
    page_spans = [
        Page(number, start, starts[i + 1][1] if i + 1 < len(starts) else len(text)) for i, (number, start) in enumerate(starts)
    ]
    return LoadedDocument(text=text, title=str(ordered[0].metadata.get("title", "")), pages=page_spans)
