"""Keep the index in step with a folder as files change (``python -m index sync DIR --watch``).

File events say when to sync; they are not trusted to say everything. A network file system (NFS, SMB, sshfs) sends
none for changes made on another machine; a drive mounted over the folder after the watch began, or a folder
replaced by another (renamed away and made anew, a link switched), leaves the events watching what is no longer
there; and the kernel drops events when its queue overflows or refuses a watch past its limit. So the folder is also
listed every ``rescan`` seconds (names, sizes and times, no file read) and synced when the listing differs from the
one taken before the last sync, and the events follow the folder that the path names now.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.damage import IndexDamagedError
from index.plan import SyncReport, UnsafeSyncError, walk
from index.store import IndexWriteError
from index.sync import Progress, SyncStopped

logger = logging.getLogger(__name__)

RESCAN_S = 30.0  # how often the folder is listed for changes that no event told of (0: never)
MAX_DELAY_S = 30.0  # the longest a change waits for the folder to go quiet: a file written without end cannot starve it
FOLLOW_S = 1.0  # how often the path is checked for naming another folder than the one the events watch
TICK_S = 0.1


def watch(
    sync: Callable[[Progress], SyncReport],
    docs_dir: Path,
    *,
    debounce: float = 1.0,
    rescan: float = RESCAN_S,
    max_delay: float = MAX_DELAY_S,
    on_sync: Callable[[SyncReport], None] | None = None,
    stop: threading.Event | None = None,
    synced: bool = False,
) -> None:
    """Call ``sync`` (a sync of ``docs_dir`` with the progress it is given) once, unless ``synced`` says it just was,
    then again whenever files under ``docs_dir`` change, until ``stop`` is set, which also stops a sync under way
    (``SyncStopped``: the next sync finishes it); ``on_sync`` hears each finished sync's report.

    Changes are debounced: a sync starts only after ``debounce`` seconds without events, so a
    file still being written is read once it has settled, but never later than ``max_delay`` seconds after the
    first change, so a file that is always being written (a log) holds up no other. A file that changes while a sync
    reads it keeps its indexed version (the sync lists it in ``warnings``), and its change is an event
    that syncs again; a read error keeps its old chunks. The sync itself holds the writer lock, so
    the app and other CLIs stay consistent. Changes no event told of are found by listing the folder every
    ``rescan`` seconds (see the module's docstring).
    A sync refused for deleting most documents (``UnsafeSyncError``, say the folder's drive went
    away) or for a lock held too long is logged, and so is one that fails for any other reason; the watch carries on
    with the next change.
    """
    stop = stop or threading.Event()
    progress = _stopped_by(stop)
    changes = _Changes()
    events = _Events(docs_dir, changes, rescan)
    try:
        # After a sync made before the watch began, the first rescan syncs again: a file added in between told no event.
        listed = None if synced else folder_listing(docs_dir)
        if not synced and not _sync(lambda: sync(progress), docs_dir, on_sync):
            listed = None
        now = time.monotonic()
        next_follow, next_scan = now + FOLLOW_S, now + rescan
        while not stop.wait(TICK_S):
            now = time.monotonic()
            if now >= next_follow:
                next_follow = now + FOLLOW_S
                if events.follow():  # another folder at the path: what it holds is a change
                    changes.note(now)
            if rescan > 0 and now >= next_scan:
                next_scan = now + rescan
                if not changes.pending() and folder_listing(docs_dir) != listed:
                    changes.note(now)  # once: a listing that still differs at the next rescan is the same change
            if changes.due(now, debounce, max_delay):
                changes.clear()
                listed = folder_listing(docs_dir)  # before the sync: a change made while it runs differs from it
                if not _sync(lambda: sync(progress), docs_dir, on_sync):
                    listed = None  # failed (a lock held too long, a full disk): the next rescan tries again
    finally:
        events.close()


def folder_listing(docs_dir: Path) -> str | None:
    """A digest of what a sync would find in ``docs_dir`` without reading a file: each document's name, size and
    modification time, and the names it could not read; None when the folder is not there."""
    if not docs_dir.is_dir():
        return None
    outcomes = SyncReport()  # what the walk could not read, and what it skipped
    digest = hashlib.blake2b(digest_size=16)
    for source, path in walk(docs_dir, outcomes):
        try:
            stat = path.stat()
            stamp = f"{stat.st_size} {stat.st_mtime_ns} {stat.st_ino}"
        except OSError as error:
            stamp = f"error {error.errno}"
        digest.update(f"{source}\0{stamp}\n".encode("utf-8", "surrogateescape"))
    for failure in outcomes.failed:
        digest.update(f"failed {failure.path}\0{failure.error}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class _Changes:
    """When the changes not synced yet began and when the last one came; set from the events' thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first: float | None = None
        self._last = 0.0

    def note(self, when: float) -> None:
        with self._lock:
            if self._first is None:
                self._first = when
            self._last = when

    def pending(self) -> bool:
        with self._lock:
            return self._first is not None

    def due(self, now: float, debounce: float, max_delay: float) -> bool:
        with self._lock:
            if self._first is None:
                return False
            return now - self._last >= debounce or now - self._first >= max_delay

    def clear(self) -> None:
        with self._lock:
            self._first = None


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        stat = folder.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if os.path.isdir(folder) else None


class _Events:
    """File events of the folder that ``docs_dir`` names now, noted in ``changes``; none while it names none."""

    def __init__(self, docs_dir: Path, changes: _Changes, rescan: float) -> None:
        self.docs_dir = docs_dir
        self.changes = changes
        self.rescan = rescan
        self.observer: Any = None
        self.watched: tuple[int, int] | None = None
        self.refused: str | None = None  # why the events were refused last, said once
        self._start(_identity(docs_dir))

    def follow(self) -> bool:
        """Watch the folder the path names now if that is another one than the watched (or none was); True when there
        is such a new folder (its files are to be synced), False when it is the same one or none."""
        now = _identity(self.docs_dir)
        if now == self.watched:
            return False
        self.close()
        if now is None:
            logger.warning("%s is gone; watching for it to come back", self.docs_dir)
        else:
            logger.warning("%s is another folder now; watching it", self.docs_dir)
        self._start(now)
        return now is not None

    def _start(self, identity: tuple[int, int] | None) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        changes = self.changes

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                if not Path(str(event.src_path)).name.startswith("."):
                    changes.note(time.monotonic())

        self.watched = identity
        if identity is None:
            return
        observer = Observer()
        try:
            observer.schedule(Handler(), str(self.docs_dir), recursive=True)
            observer.start()
        # The kernel's limit on watches reached, a folder gone meanwhile; a tree about 1,000 folders deep, which
        # watchdog walks recursively to watch each folder.
        except (OSError, RecursionError) as error:
            observer.stop()
            reason = str(error)
            if reason != self.refused:
                every = f"listed every {self.rescan:g} s instead" if self.rescan > 0 else "not watched (rescan is off)"
                logger.warning("file events of %s are unavailable (%s): changes are %s", self.docs_dir, reason, every)
            self.refused = reason
            return
        self.refused = None
        self.observer = observer

    def close(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None


def _stopped_by(stop: threading.Event) -> Progress:
    def progress(done: int, total: int, chunks: int) -> None:
        if stop.is_set():
            raise SyncStopped(done, total)

    return progress


def _sync(sync: Callable[[], SyncReport], docs_dir: Path, on_sync: Callable[[SyncReport], None] | None) -> bool:
    """Run ``sync``; False when it failed and should be tried again, True when it finished or was refused or stopped."""
    try:
        report = sync()
    except SyncStopped as stopped:  # the watch is ending
        logger.info("sync of %s %s; the next one finishes it", docs_dir, stopped)
        return True
    except UnsafeSyncError as error:  # the index stays as it is until the folder is back or the user confirms
        logger.warning("sync of %s refused: %s", docs_dir, error)
        return True
    # The folder vanished for a moment, another writer held the lock too long, the disk is full or the index damaged.
    except (OSError, IndexWriteError, IndexDamagedError) as error:
        logger.warning("sync of %s failed: %s", docs_dir, error)
        return False
    except Exception:  # a fault of this program's: said with its trace, and the folder still watched
        logger.exception("sync of %s failed", docs_dir)
        return False
    if on_sync is not None:
        on_sync(report)
    return True
