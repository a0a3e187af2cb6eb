"""Keep the index in step with a folder as files change (``python -m index sync DIR --watch``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from index.damage import IndexDamagedError
from index.plan import SyncReport, UnsafeSyncError
from index.sync import Indexer, IndexWriteError

logger = logging.getLogger(__name__)


def watch(
    indexer: Indexer,
    docs_dir: Path,
    *,
    debounce: float = 1.0,
    on_sync: Callable[[SyncReport], None] | None = None,
    stop: threading.Event | None = None,
    allow_mass_delete: bool = False,
) -> None:
    """Sync once, then again whenever files under ``docs_dir`` change, until ``stop`` is set.

    Changes are debounced: a sync starts only after ``debounce`` seconds without events, so a
    file still being written is read once it has settled. A file that changes while a sync reads
    it keeps its indexed version (the sync lists it in ``warnings``), and its change is an event
    that syncs again; a read error keeps its old chunks. The sync itself holds the writer lock, so
    the app and other CLIs stay consistent.
    A sync refused for deleting most documents (``UnsafeSyncError``, say the folder's drive went
    away) or for a lock held too long is logged, and the watch carries on with the next change.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    stop = stop or threading.Event()
    changed = threading.Event()
    last_event = [time.monotonic()]

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            name = Path(str(event.src_path)).name
            if not name.startswith("."):
                last_event[0] = time.monotonic()
                changed.set()

    observer = Observer()
    observer.schedule(Handler(), str(docs_dir), recursive=True)
    observer.start()
    try:
        _sync(indexer, docs_dir, on_sync, allow_mass_delete)
        while not stop.is_set():
            if not changed.wait(timeout=0.2):
                continue
            if time.monotonic() - last_event[0] < debounce:
                stop.wait(0.1)
                continue
            changed.clear()
            _sync(indexer, docs_dir, on_sync, allow_mass_delete)
    finally:
        observer.stop()
        observer.join(timeout=5)


def _sync(indexer: Indexer, docs_dir: Path, on_sync: Callable[[SyncReport], None] | None, allow_mass_delete: bool) -> None:
    try:
        report = indexer.sync(docs_dir, allow_mass_delete=allow_mass_delete)
    except UnsafeSyncError as error:  # the index stays as it is until the folder is back or the user confirms
        logger.warning("sync of %s refused: %s", docs_dir, error)
        return
    # The folder vanished for a moment, another writer held the lock too long, the disk is full or the index damaged:
    # the next change syncs again.
    except (OSError, IndexWriteError, IndexDamagedError) as error:
        logger.warning("sync of %s failed: %s", docs_dir, error)
        return
    if on_sync is not None:
        on_sync(report)
