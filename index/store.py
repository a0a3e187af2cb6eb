"""The Chroma collection that holds chunk vectors, reached through llama-index's Chroma store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from chromadb.errors import ChromaError, NotFoundError
from llama_index.core.schema import TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.collection import CLOSED, ReopeningCollection
from index.damage import IndexDamagedError, damaged_vectors, file_identity, is_damage, set_aside
from index.settings import IndexSettings

logger = logging.getLogger(__name__)

_PAGE = 5000  # rows per request when listing the collection


class IndexWriteError(RuntimeError):
    """The index's files or its Chroma server refused a write: a full or read-only disk, an I/O error, a server gone.

    What the index held before stays and answers; a document caught mid-write is finished by the next sync, as after
    a crash (its chunks record how many it should have).
    """


class IndexMismatchError(RuntimeError):
    """The collection was built with other embedding or chunking settings than the current ones."""


@dataclass(frozen=True)
class StoredDocument:
    """What the store holds for one source file, summed over its chunks."""

    source: str
    title: str
    hashes: frozenset[str]
    chunk_count: int  # chunks the document should have, as recorded by the last write
    stored_chunks: int  # chunks actually present
    pages: int
    # The loader versions (``index.loader.LOADER_VERSION``) that read the stored chunks; "" for chunks written
    # before versions were recorded.
    loaders: frozenset[str] = frozenset()

    def is_complete(self, content_hash: str) -> bool:
        """True when exactly one full version, with this content hash, is stored."""
        return self.hashes == {content_hash} and self.stored_chunks == self.chunk_count

    def is_current(self, content_hash: str, loader_version: str) -> bool:
        """True when exactly one full version, with this content hash and read by this loader version, is stored."""
        return self.is_complete(content_hash) and self.loaders == {loader_version}


class StoredChunk(NamedTuple):
    """One chunk as stored: its id, its text and its metadata (see ``index.nodes.make_node``)."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class IndexStatus:
    """What the index holds: the ``python -m index status`` contract."""

    documents: int
    chunks: int
    embedding_model: str | None
    chunk_tokens: int | None
    last_sync: str | None  # ISO time of the last sync that wrote, None before the first

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` object."""
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "embedding_model": self.embedding_model,
            "chunk_tokens": self.chunk_tokens,
            "last_sync": self.last_sync,
        }


def build_signature(settings: IndexSettings, max_tokens: int) -> dict[str, str | int]:
    """The settings a collection's vectors depend on; reading with others would be wrong."""
    return {
        "embedding_model": settings.embed_model,
        "chunk_tokens": max_tokens,
        "chunk_overlap_sentences": settings.chunk_overlap_sentences,
    }


def connect(settings: IndexSettings, spelling: int = 0) -> Any:
    """A Chroma client: the embedded PersistentClient, or a server when ``chroma_url`` is set.

    ``spelling`` 1 writes the embedded database's folder with a trailing slash: the same files, another Chroma system
    (see ``Store.reconnect``).
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.data_dir / "chroma") + "/" * spelling
    try:
        return chromadb.PersistentClient(path=path, settings=chroma_settings)
    except Exception:
        _forget_failed_system(path)
        raise


def _forget_failed_system(path: str) -> None:
    """Drop the Chroma system a failed ``PersistentClient(path)`` left behind, unless a client still holds it.

    Chroma 1.5 keeps a system whose start failed (say, on a full disk) under its folder's path, and every later client
    of that path in this process fails on it ("'RustBindingsAPI' object has no attribute 'bindings'"), room or not.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    systems, holders = SharedSystemClient._identifier_to_system, SharedSystemClient._identifier_to_refcount
    if path not in holders:
        systems.pop(path, None)


class Store:
    """Chunks of every indexed document in one Chroma collection.

    Each chunk's metadata records its ``source`` (path relative to the documents folder),
    the ``doc_hash`` of the file content it came from, the ``loader`` version that read it and
    the document's ``chunk_count``, so a sync can tell complete, current documents from ones a
    crash left half-written or an older loader read; ``section`` is its heading path (see ``index.nodes``).

    Args:
        client: a Chroma client.
        name: the collection's name.
        signature: the settings its vectors depend on (see ``build_signature``).
        check_signature: refuse a collection built with another signature; False only to rebuild it
            (``mismatch`` then says what differs, and ``Indexer.sync`` refuses until ``reset``).
        connect: opens another client of the same database under the spelling of its folder given (0 or 1), for
            ``reconnect`` (the embedded database's; None for a server's).
    """

    def __init__(
        self,
        client: Any,
        name: str,
        signature: dict[str, str | int],
        *,
        check_signature: bool = True,
        connect: Callable[[int], Any] | None = None,
        database: Path | None = None,
    ) -> None:
        self._client = client
        self._connect = connect
        self._spelling = 0
        # The embedded database's file and the one this client opened (device, inode): ``follow`` compares them.
        self._database = database
        self._opened = None if database is None else file_identity(database)
        self._following = threading.Lock()
        # Called with the fresh client after ``follow`` put it in place: what else reads through the old one.
        self.followers: list[Callable[[Any], None]] = []
        # False after a write failed in this client, until ``reconnect`` has put a fresh one in its place.
        self.writable = True
        self._name = name
        self.signature = signature
        self.collection = ReopeningCollection(self._create(), self._reopen, self.follow)
        self.mismatch = self._mismatch(self.collection.metadata)
        if self.mismatch is not None and check_signature:
            raise IndexMismatchError(self.mismatch)
        # One vector store for the store's lifetime: it reads through ``collection``, so a reset or a
        # reopen here reaches every llama-index object built on it.
        self.vector_store = ChromaVectorStore(chroma_collection=self.collection)
        self.max_batch = int(client.get_max_batch_size())

    def _create(self) -> Any:
        return self._client.get_or_create_collection(
            self._name, configuration={"hnsw": {"space": "cosine"}}, metadata=dict(self.signature), embedding_function=None
        )

    def _reopen(self) -> Any:
        collection = self._client.get_collection(self._name, embedding_function=None)
        mismatch = self._mismatch(collection.metadata)
        if mismatch is not None:  # rebuilt by a process with other settings: these vectors would be wrong here
            raise IndexMismatchError(mismatch)
        return collection

    def _mismatch(self, stored: dict[str, Any] | None) -> str | None:
        stored = stored or {}
        different = {k: (stored.get(k), v) for k, v in self.signature.items() if stored.get(k) != v}
        if not different:
            return None
        details = ", ".join(f"{k}: index has {old!r}, settings say {new!r}" for k, (old, new) in different.items())
        return (
            f"The index in collection {self._name!r} was built with other settings ({details}). "
            "Run `python -m index rebuild` to re-index with the current settings."
        )

    @property
    def client(self) -> Any:
        """The Chroma client the collection lives in."""
        return self._client

    @property
    def name(self) -> str:
        """The collection's name."""
        return self._name

    def close(self) -> None:
        """Release the Chroma client: the embedded database's SQLite and HNSW files, or the server's HTTP session.

        Clients of one folder share Chroma's system, which stops with the last of them; a second close does nothing.
        """
        if self._client is CLOSED:
            return
        self._client.close()
        # Chroma's files stay open while anything holds its client or a collection: let go of both.
        self.collection.close()
        self._client = CLOSED

    def follow(self) -> None:
        """Read the database now in the index's folder if another process has set the one this client reads aside and
        made a new one (``python -m index rebuild`` of a damaged index): Chroma's client goes on reading the files set
        aside, and every question failed, "the index could not be read ... run rebuild", until the app was restarted.
        One stat a call; a fresh client (``reconnect``) when the file is another."""
        if self._database is None or self._client is CLOSED:
            return
        now = file_identity(self._database)
        if now is None or now == self._opened:
            return  # the same file, or none yet (the other process is making it)
        with self._following:
            now = file_identity(self._database)
            if now is None or now == self._opened or self._client is CLOSED:
                return  # another thread followed it first
            logger.warning(
                "the index in %s was set aside and made anew by another process: reading the new one", self._database.parent
            )
            self.reconnect()  # raises while the new database lacks the collection: the next call tries again
            self._opened = now
            for follower in self.followers:
                follower(self._client)

    def reconnect(self) -> None:
        """Open a fresh Chroma client of this database and put it in place of this one, which is then closed.

        After a write that failed in its SQLite (a full disk's "disk I/O error"), Chroma 1.5's embedded client hangs on
        its next write, for ever, while reads still work. A client of a new Chroma system writes again once there is
        room. Chroma keys its systems by the folder's path as written, so the fresh one is opened under the folder's
        other spelling ("chroma" or "chroma/") while the old one still serves reads, and a store is never found closed.

        Raises:
            IndexWriteError: no fresh client opened (opening writes too: a disk with no room at all refuses it); the
                old one stays for reading, and ``writable`` stays False.
        """
        if self._connect is None or self._client is CLOSED:
            return
        self.writable = False
        try:
            fresh = self._connect(1 - self._spelling)
        except Exception as error:
            raise IndexWriteError(
                f"the index could not be opened again for writing after a write failed ({type(error).__name__}: "
                f"{error}). Is the disk full or read-only? Nothing more was written; the documents indexed before "
                "still answer."
            ) from error
        if getattr(fresh, "_system", None) is getattr(self._client, "_system", None):  # a shared system would hang too
            fresh.close()
            raise IndexWriteError("the index could not be opened again apart from the client a write failed in")
        stale, self._client = self._client, fresh
        try:
            self.collection.current = self._reopen()
        except BaseException:
            self._client = stale
            fresh.close()
            raise
        self._spelling = 1 - self._spelling
        stale.close()
        self.writable = True

    def count(self) -> int:
        """Number of chunks stored."""
        return int(self.collection.count())

    def metadata(self) -> dict[str, Any]:
        """The collection's metadata: its build signature plus ``last_sync``, as stored now.

        Read afresh, since another instance sharing the server may have synced since this one opened it.
        """
        try:
            return dict(self._client.get_collection(self._name, embedding_function=None).metadata or {})
        except Exception:  # dropped mid-rebuild, or the server is unreachable: what was read last
            return dict(self.collection.metadata or {})

    def set_metadata(self, **values: Any) -> None:
        """Record extra collection-level values such as the time of the last sync."""
        self.collection.modify(metadata={**self.metadata(), **values})

    def _pages(self, where: dict[str, Any] | None, include: list[str], size: int = _PAGE) -> Iterator[dict[str, Any]]:
        """``collection.get`` a page of ``size`` rows at a time, until a short page: large collections stay cheap."""
        offset = 0
        while True:
            page = self.collection.get(where=where, include=include, limit=size, offset=offset)
            yield page
            if len(page["ids"]) < size:
                return
            offset += size

    def iter_metadatas(self, where: dict[str, Any] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every chunk id with its metadata, paged so large collections stay cheap."""
        for page in self._pages(where, ["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                yield chunk_id, dict(meta or {})

    def ids(self) -> Iterator[str]:
        """Every chunk id, paged: far cheaper than the metadata (an id holds its source and content hash)."""
        for page in self._pages(None, []):
            yield from page["ids"]

    def iter_chunks(self, page_size: int = 1_000) -> Iterator[StoredChunk]:
        """Every chunk with its text and metadata, paged."""
        for page in self._pages(None, ["documents", "metadatas"], page_size):
            for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True):
                yield StoredChunk(chunk_id, text or "", dict(meta or {}))

    def documents(self, source: str | None = None) -> dict[str, StoredDocument]:
        """Per source file (or only ``source``): its stored hashes and chunk counts."""
        sums: dict[str, dict[str, Any]] = {}
        for _, meta in self.iter_metadatas({"source": source} if source is not None else None):
            source = str(meta.get("source", ""))
            entry = sums.setdefault(
                source,
                {"title": meta.get("title", ""), "hashes": set(), "loaders": set(), "count": 0, "stored": 0, "pages": set()},
            )
            entry["hashes"].add(str(meta.get("doc_hash", "")))
            entry["loaders"].add(str(meta.get("loader", "")))
            entry["count"] = max(entry["count"], int(meta.get("chunk_count", 0)))
            entry["stored"] += 1
            if meta.get("page"):
                entry["pages"].add(meta["page"])
        return {
            source: StoredDocument(
                source=source,
                title=str(e["title"]),
                hashes=frozenset(e["hashes"]),
                chunk_count=e["count"],
                stored_chunks=e["stored"],
                pages=len(e["pages"]),
                loaders=frozenset(e["loaders"]),
            )
            for source, e in sums.items()
        }

    def holds(self, source: str) -> bool:
        """Whether any chunk of ``source`` is stored: one row read. A name that is not valid Unicode (a JSON client's
        lone surrogate, "\\ud800") names no document, and Chroma refuses it in a filter."""
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return bool(self.collection.get(where={"source": source}, limit=1, include=[])["ids"])

    def chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        """The stored chunks with these ids; ids the collection does not hold are left out."""
        found = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        return [
            StoredChunk(chunk_id, text or "", dict(meta or {}))
            for chunk_id, text, meta in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        ]

    def document_chunks(self, source: str) -> list[StoredChunk]:
        """Every stored chunk of ``source``, texts included (paged, as ``iter_metadatas``)."""
        return [
            StoredChunk(chunk_id, text or "", dict(meta or {}))
            for page in self._pages({"source": source}, ["documents", "metadatas"])
            for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
        ]

    def vectors(self, source: str) -> dict[tuple[str, str], Sequence[float]]:
        """The stored embeddings of ``source``'s chunks, by (section, text): exactly what was embedded for each, under
        this collection's model (``build_signature``), so a chunk made again with the same section and text may reuse it."""
        return {
            (str((meta or {}).get("section", "")), text or ""): vector  # an array row: 4 bytes a number
            for page in self._pages({"source": source}, ["documents", "metadatas", "embeddings"])
            for text, meta, vector in zip(page["documents"], page["metadatas"], page["embeddings"], strict=True)
        }

    def status(self) -> IndexStatus:
        """How many documents and chunks the index holds, what built it and when it last synced."""
        meta = self.metadata()
        return IndexStatus(
            documents=len(self.documents()),
            chunks=self.count(),
            embedding_model=meta.get("embedding_model"),
            chunk_tokens=meta.get("chunk_tokens"),
            last_sync=meta.get("last_sync"),
        )

    def add(self, nodes: Sequence[TextNode]) -> None:
        """Write nodes that already carry embeddings, in batches Chroma accepts."""
        for start in range(0, len(nodes), self.max_batch):
            self.vector_store.add(list(nodes[start : start + self.max_batch]))

    def delete(self, source: str, keep_hash: str | None = None) -> None:
        """Remove a document's chunks, or only those of versions other than ``keep_hash``."""
        where: dict[str, Any] = {"source": source}
        if keep_hash is not None:
            where = {"$and": [{"source": source}, {"doc_hash": {"$ne": keep_hash}}]}
        self.collection.delete(where=where)

    def delete_version(self, source: str, content_hash: str) -> None:
        """Remove the chunks of one version of a document."""
        self.collection.delete(where={"$and": [{"source": source}, {"doc_hash": content_hash}]})

    def reset(self) -> None:
        """Drop the collection and create it again, empty, with the current build signature."""
        with suppress(NotFoundError):
            self._client.delete_collection(self._name)
        self.collection.current = self._create()
        self.mismatch = None


def _damaged(problem: str, chroma: Path, set_aside_damaged: bool) -> None:
    """Raise ``IndexDamagedError`` saying ``problem``; or, for a rebuild, set Chroma's folder aside (a new one is made)."""
    if not set_aside_damaged:
        raise IndexDamagedError(f"{problem}. `python -m index rebuild` sets it aside and indexes the documents anew.")
    logger.warning("%s; set aside as %s, and a new one made", problem, set_aside(chroma))


def open_store(
    settings: IndexSettings, max_tokens: int, *, check_signature: bool = True, set_aside_damaged: bool = False
) -> Store:
    """Open (or create) the configured collection, refusing one built with other settings unless told not to check.

    An embedded database is checked for damage first: vector files cut short or overwritten (``damaged_vectors``) and a
    database SQLite cannot read. With ``set_aside_damaged`` (a rebuild), a damaged one is set aside and a new one made.

    Raises:
        IndexMismatchError: the collection was built with other settings.
        IndexDamagedError: the embedded database is damaged (and not set aside).
        IndexWriteError: the embedded database could not be opened (opening writes: a full or read-only disk).
    """
    chroma = settings.data_dir / "chroma"
    if not settings.chroma_url and (problem := damaged_vectors(chroma)) is not None:
        _damaged(f"the index in {settings.data_dir} is damaged: {problem}", chroma, set_aside_damaged)
    try:
        client = connect(settings)
    except (ChromaError, OSError) as error:
        if settings.chroma_url:
            raise
        problem = f"the index in {settings.data_dir} could not be opened ({type(error).__name__}: {error})"
        if not is_damage(error):
            raise IndexWriteError(f"{problem}. Is the disk full or read-only?") from error
        _damaged(f"{problem}: its database is damaged", chroma, set_aside_damaged)
        client = connect(settings)
    signature = build_signature(settings, max_tokens)
    again = None if settings.chroma_url else partial(connect, settings)
    try:
        database = None if settings.chroma_url else chroma / "chroma.sqlite3"
        return Store(client, settings.collection, signature, check_signature=check_signature, connect=again, database=database)
    except BaseException:  # refused (built with other settings) or unreachable: the client is released, not leaked
        client.close()
        raise
