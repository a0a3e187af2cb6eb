"""What a sync will change (``SyncPlan``, worked out from file hashes alone) and what it changed (``SyncReport``)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from index import loader
from index.loader import file_type, is_supported
from index.store import StoredDocument

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


def is_mass_delete(deleting: int, indexed: int) -> bool:
    """Whether deleting ``deleting`` of ``indexed`` documents needs confirming: all of them, or most and over FREE_DELETES."""
    return deleting > 0 and (deleting >= indexed or (deleting > FREE_DELETES and 2 * deleting > indexed))


FOLDER_LINK = "a link to a folder is not followed: sync the folder it points to, or copy its files in"
_LINKS_SHOWN = 3  # the folder links a report names; the rest are in ``summary()["skipped"]``


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
    # Files of a type the index does not read (a manual's stylesheets, scripts and images, a changelog.gz): not
    # documents, so not failures either. Listed so that a file someone meant to index is not missed in silence; so is
    # each link to a folder, which is not followed (its source ends in "/").
    skipped: list[FileError] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0  # chunks the embedding model read
    # Chunks of a re-indexed document whose section and text were stored already: their stored vectors are written
    # again, not recomputed (a loader change or an edit leaves most of a document's chunks as they were).
    reused: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    # A dry run whose deletes a real sync would refuse without allow_mass_delete (see is_mass_delete).
    needs_confirmation: bool = False

    @property
    def skipped_files(self) -> str:
        """The skipped files for a person, counted by type, most first, then the links to folders: "3 files of types the
        index does not read (.png 2, .css 1); 1 link to a folder, not followed (glib/)"; "" when none (each path is in
        ``summary()["skipped"]``)."""
        files = [f for f in self.skipped if not f.path.endswith("/")]
        links = [f.path for f in self.skipped if f.path.endswith("/")]
        parts = []
        if files:
            counts = Counter(file_type(Path(f.path).name) for f in files)
            types = ", ".join(f"{kind} {n}" for kind, n in counts.most_common())
            kinds = "files of types" if len(files) > 1 else "file of a type"
            parts.append(f"{len(files)} {kinds} the index does not read ({types})")
        if links:
            shown = ", ".join(links[:_LINKS_SHOWN]) + (", ..." if len(links) > _LINKS_SHOWN else "")
            parts.append(f"{len(links)} link{'s' if len(links) > 1 else ''} to a folder, not followed ({shown})")
        return "; ".join(parts)

    def counts(self) -> dict[str, Any]:
        """The summary without its per-file lists (failed, skipped): what a log line holds."""
        return {key: value for key, value in self.summary().items() if key not in ("failed", "skipped")}

    @property
    def embedding_counts(self) -> str:
        """What the sync embedded, for a person: "12 embedded", or "12 embedded, 1052 reused"."""
        return f"{self.embedded} embedded" + (f", {self.reused} reused" if self.reused else "")

    def summary(self) -> dict[str, Any]:
        """The JSON contract: counts for each outcome, per-file failures, chunk totals."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "deleted": len(self.deleted),
            "failed": [asdict(f) for f in self.failed],
            "warnings": [asdict(w) for w in self.warnings],
            "skipped": [asdict(f) for f in self.skipped],
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reused": self.reused,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
        }


@dataclass(frozen=True)
class PlannedFile:
    """A file the sync will (re)index: new to the index (``added``) or changed since it was indexed."""

    source: str
    path: Path
    content_hash: str
    added: bool
    fresh: bool  # neither store holds any row of this source: nothing to clean up around its write


@dataclass
class SyncPlan:
    """What a sync of ``docs_dir`` will change, from hashing the folder against the stores; changes nothing.

    Example:
        >>> plan = indexer.plan(Path("seeds"))
        >>> plan.added, plan.deleted, plan.needs_confirmation
        (['new.txt'], [], False)
    """

    docs_dir: Path
    to_index: list[PlannedFile] = field(default_factory=list)  # added and changed files, in folder order
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # indexed sources no longer in the folder
    failed: list[FileError] = field(default_factory=list)  # files skipped before loading (too large, unreadable)
    skipped: list[FileError] = field(default_factory=list)  # files of a type the index does not read, folder links
    indexed: int = 0  # documents either store holds
    # A file new to the index -> an indexed document with the same content (the file renamed, moved or copied), whose
    # stored vectors its chunks may reuse.
    donors: dict[str, str] = field(default_factory=dict)

    @property
    def added(self) -> list[str]:
        """Sources new to the index."""
        return [planned.source for planned in self.to_index if planned.added]

    @property
    def updated(self) -> list[str]:
        """Indexed sources whose content (or the loader that read it) changed."""
        return [planned.source for planned in self.to_index if not planned.added]

    @property
    def needs_confirmation(self) -> bool:
        """Whether its deletes are too many to apply without ``allow_mass_delete`` (see ``is_mass_delete``)."""
        return is_mass_delete(len(self.deleted), self.indexed)

    def refuse_mass_delete(self) -> None:
        """Raise ``UnsafeSyncError`` when the plan needs confirming."""
        if self.needs_confirmation:
            raise UnsafeSyncError(self.docs_dir, self.deleted, self.indexed)

    def report(self, *, dry_run: bool = False) -> SyncReport:
        """The report as planned: a dry run's answer, and where a real sync starts."""
        return SyncReport(
            added=self.added,
            updated=self.updated,
            unchanged=list(self.unchanged),
            deleted=list(self.deleted),
            failed=list(self.failed),
            skipped=list(self.skipped),
            dry_run=dry_run,
            needs_confirmation=self.needs_confirmation,
        )


def file_hash(path: Path) -> str:
    """The SHA-256 of the file's bytes: the name of a document's version."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unchanged_since(planned: PlannedFile) -> bool:
    """Whether the file still holds the bytes the plan hashed: False once it has been edited, replaced or removed."""
    try:
        return file_hash(planned.path) == planned.content_hash
    except OSError:
        return False


def plan_sync(
    docs_dir: Path, stored: dict[str, StoredDocument], keyword_counts: dict[tuple[str, str], int], max_file_bytes: int
) -> SyncPlan:
    """Hash the folder's files against what the stores hold (``Store.documents``, ``KeywordIndex.counts``).

    Unchanged files (same content hash, all chunks present in both stores, read by the current
    ``index.loader.LOADER_VERSION``) are left alone; any other file is to be indexed.
    """
    plan = SyncPlan(docs_dir)
    keyword_sources = {source for source, _ in keyword_counts}
    seen: set[str] = set()
    unreadable: set[str] = set()
    unlisted: list[str] = []
    for source, path in walk(docs_dir, plan, unlisted):
        try:
            size = path.stat().st_size
            if size > max_file_bytes:
                limit = f"{_size(size)}, over the {_size(max_file_bytes)} limit (CITEWISE_MAX_FILE_MB)"
                plan.failed.append(FileError(source, f"file is {limit}"))
                continue
            content_hash = file_hash(path)
        except OSError as error:
            plan.failed.append(FileError(source, f"cannot read: {error.strerror or error}"))
            unreadable.add(source)
            continue
        seen.add(source)
        doc = stored.get(source)
        if (
            doc is not None
            and doc.is_current(content_hash, loader.LOADER_VERSION)
            and keyword_counts.get((source, content_hash)) == doc.chunk_count
        ):
            plan.unchanged.append(source)
            continue
        fresh = doc is None and source not in keyword_sources
        plan.to_index.append(PlannedFile(source, path, content_hash, added=doc is None, fresh=fresh))
    # A file that could not be read this time (mid-write, permissions) keeps its chunks;
    # one now too large, or whose new content fails to load, loses them as they are stale.
    # Keyword rows count too: a kill between the two stores' deletes can leave rows in one only.
    indexed = set(stored) | keyword_sources
    # So does every document of a folder that could not be listed: it is not known to be gone.
    unreadable |= {source for source in indexed if source.startswith(tuple(unlisted))}
    plan.deleted = sorted(indexed - seen - unreadable)
    plan.indexed = len(indexed)
    # A renamed or moved file is a delete plus an add, and a copy an add: the same content, indexed under another name.
    gone = set(plan.deleted)
    by_hash: dict[str, str] = {}
    for source, doc in sorted(stored.items(), key=lambda item: item[0] not in gone):  # a deleted document first
        for content_hash in doc.hashes:
            by_hash.setdefault(content_hash, source)
    plan.donors = {
        planned.source: by_hash[planned.content_hash]
        for planned in plan.to_index
        if planned.added and planned.content_hash in by_hash
    }
    return plan


class _Outcomes(Protocol):
    failed: list[FileError]
    skipped: list[FileError]


def walk(docs_dir: Path, record: _Outcomes, unlisted: list[str] | None = None) -> Iterator[tuple[str, Path]]:
    """Yield (source, path) for supported files; files of other types are added to ``record.skipped``, and files that
    cannot be read at all (a name that is not UTF-8, a broken link, a path longer than the system allows) to
    ``record.failed``.

    Hidden files and folders are skipped, and folder symlinks are not followed, so a link loop cannot trap the walk and
    no document is read from outside the folder; each such link is added to ``record.skipped``. A folder that cannot
    be listed (no permission, a path too long) is added to ``record.failed``, its source ending in "/", and to
    ``unlisted`` ("" for ``docs_dir`` itself), never passed over in silence: its documents are not gone.
    """

    def cannot_list(error: OSError) -> None:
        folder = Path(error.filename) if error.filename else docs_dir
        prefix = "" if folder == docs_dir else f"{folder.relative_to(docs_dir).as_posix()}/"
        record.failed.append(FileError(prefix or "./", f"folder cannot be read: {error.strerror or error}"))
        if unlisted is not None:
            unlisted.append(prefix)

    for root, dirs, files in _folders(docs_dir, cannot_list):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for link in (Path(root) / name for name in list(dirs)):
            try:
                linked = link.is_symlink()
            except OSError as error:  # a path too long to name: the walk would fail on it too
                dirs.remove(link.name)
                cannot_list(OSError(error.errno, error.strerror, str(link)))
                continue
            if linked:
                # Not followed, and not passed over in silence: "docs/glib -> /usr/share/gtk-doc/html/glib" holds
                # documents someone meant to index. (A folder's source ends in "/", a file's never does.)
                record.skipped.append(FileError(f"{link.relative_to(docs_dir).as_posix()}/", FOLDER_LINK))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            source = path.relative_to(docs_dir).as_posix()
            try:
                source.encode("utf-8")
            except UnicodeEncodeError:
                shown = source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                record.failed.append(FileError(shown, "file name is not valid UTF-8; rename the file"))
                continue
            try:
                regular = path.is_file()
            except OSError as error:  # a path longer than the system allows
                record.failed.append(FileError(source, f"cannot read: {error.strerror or error}"))
                continue
            if not regular:
                record.failed.append(FileError(source, _not_a_file(path)))
            elif not is_supported(path):
                record.skipped.append(FileError(source, f"unsupported file type {file_type(path.name)}"))
            else:
                yield source, path


def _folders(top: Path, onerror: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=onerror)``, top-down and in its order, without its recursion: Python 3.11's recurses once
    per level, and a tree about 1,000 folders deep, which a 4,096-byte path allows ("a/a/a/..."), stopped every sync
    with RecursionError. As there, the caller may prune ``dirs``, and a link to a folder is listed, not entered."""
    stack = [os.fspath(top)]
    while stack:
        root = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(root) as entries:
                for entry in entries:
                    try:
                        folder = entry.is_dir()
                    except OSError:
                        folder = False
                    (dirs if folder else files).append(entry.name)
        except OSError as error:
            onerror(error)
            continue
        yield root, dirs, files
        stack.extend(path for path in (os.path.join(root, name) for name in reversed(dirs)) if not os.path.islink(path))


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


def _not_a_file(path: Path) -> str:
    """Why ``path``, which is no regular file, is not read: what it is instead, as a person would fix it."""
    try:
        mode = path.stat().st_mode  # through a link, to what it points at
    except OSError:
        return "a link to nothing (its target is gone)" if path.is_symlink() else "not a regular file"
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    what = next((name for test, name in kinds if test(mode)), "")
    return f"{what}, not a regular file" if what else "not a regular file"
