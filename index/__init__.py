"""Loading, chunking, embedding and storing documents: everything that writes the index, and the folder it mirrors."""

from __future__ import annotations

from index.cache import KeywordCache, Refresh
from index.collection import IndexClosedError
from index.damage import IndexDamagedError
from index.embedder import Embedder
from index.keywords import KeywordHit, KeywordIndex, open_keywords
from index.lease import Lease
from index.library import (
    DocumentsFolderError,
    DocumentState,
    DocumentStatus,
    Library,
    ListedDocument,
    OpenedDocument,
    SavedUpload,
    UploadError,
)
from index.loader import COMPRESSED_SUFFIXES, MANUAL_SUFFIXES, SUPPORTED_SUFFIXES, LoadError, page_word
from index.nodes import NodeBuilder, effective_chunk_tokens
from index.plan import FileError, PlannedFile, SyncPlan, SyncReport, UnsafeSyncError
from index.reading import Reader
from index.settings import IndexSettings
from index.shared import FolderMismatchError, SharedState
from index.store import (
    IndexMismatchError,
    IndexStatus,
    IndexWriteError,
    Store,
    StoredDocument,
    open_store,
)
from index.sync import IndexBusyError, Indexer, Progress, SyncStopped

__all__ = [
    "COMPRESSED_SUFFIXES",
    "MANUAL_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "DocumentState",
    "DocumentStatus",
    "DocumentsFolderError",
    "Embedder",
    "FileError",
    "FolderMismatchError",
    "IndexBusyError",
    "IndexClosedError",
    "IndexDamagedError",
    "IndexMismatchError",
    "IndexSettings",
    "IndexStatus",
    "IndexWriteError",
    "Indexer",
    "KeywordCache",
    "KeywordHit",
    "KeywordIndex",
    "Lease",
    "Library",
    "ListedDocument",
    "LoadError",
    "NodeBuilder",
    "OpenedDocument",
    "PlannedFile",
    "Progress",
    "Reader",
    "Refresh",
    "SavedUpload",
    "SharedState",
    "Store",
    "StoredDocument",
    "SyncPlan",
    "SyncReport",
    "SyncStopped",
    "UnsafeSyncError",
    "UploadError",
    "build_indexer",
    "page_word",
]


def build_indexer(settings: IndexSettings, embedder: Embedder | None = None, *, rebuild: bool = False) -> Indexer:
    """Open the configured store and keyword index, ready to sync; loads the model unless given one.

    With ``rebuild``, an index built with other settings is opened anyway, for ``Indexer.rebuild``
    to replace (``sync`` refuses it until then); nothing is dropped here, outside the writer lock.

    With a Chroma server (``chroma_url``), other instances may share the collection: writes also take
    the writer lease kept in Chroma, and refuse a documents folder other than the one that built it.
    The keyword index is a cache of Chroma either way (``index.cache``).
    """
    embedder = embedder or Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
    max_tokens = effective_chunk_tokens(embedder, settings.chunk_tokens)
    store = open_store(settings, max_tokens, check_signature=not rebuild, set_aside_damaged=rebuild)
    try:
        keywords = open_keywords(settings.data_dir / f"{settings.collection}.keywords.sqlite")
    except BaseException:  # nothing opened here outlives a failed build
        store.close()
        raise
    shared = SharedState(store.client, settings.collection)
    return Indexer(
        store,
        keywords,
        embedder,
        chunk_tokens=settings.chunk_tokens,
        overlap_sentences=settings.chunk_overlap_sentences,
        lock_path=settings.data_dir / f"{settings.collection}.lock",
        write_batch=settings.write_batch,
        max_file_bytes=int(settings.max_file_mb * 1_000_000),
        lock_timeout=settings.lock_timeout,
        shared=shared,
        lease=Lease(shared.collection) if settings.chroma_url else None,
        check_folder=bool(settings.chroma_url),
        reader=Reader(timeout=settings.read_timeout_s, memory_mb=settings.read_memory_mb),
    )
