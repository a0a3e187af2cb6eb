"""What every instance of the app reads from Chroma besides the chunks: the write generation and its change log,
and the documents folder the collection was built from.

Several app instances can share one Chroma server (``CITEWISE_CHROMA_URL``). Chroma is then the one source of
truth for what is indexed, and each instance's keyword index is a cache of it (``index.cache``). To know when
that cache is behind, without listing the collection on every question, each write bumps a generation number
kept in a small collection beside the chunks (``<collection>.meta``) and logs which documents it touched; a
reader compares one number, and when it moved reconciles only the documents logged since.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.collection import CLOSED, ReopeningCollection
from index.plan import UnsafeSyncError

logger = logging.getLogger(__name__)

META_SUFFIX = ".meta"
MARKER_FILE = ".citewise-folder"  # hidden, so sync never indexes it
EVERYTHING = "*"  # a change that touched every document (a rebuild, a crashed writer): reconcile in full
# Change records kept: a reader further behind than this reconciles in full. 1,000 writes is days of
# everyday use; each record is a few hundred bytes.
KEEP_CHANGES = 1_000
# A write that touched more documents than this is logged as touching everything: a reader reconciles in
# full anyway past a few hundred documents, and a record stays small.
MAX_LOGGED_SOURCES = 200
_VECTOR = [1.0]  # Chroma stores a vector with every record; these records are looked up by id only
_GENERATION = "generation"
_CHANGE = "change"
_FOLDER = "folder"


class FolderMismatchError(UnsafeSyncError):
    """This instance's documents folder is not the one the shared collection was built from; nothing was changed.

    An ``UnsafeSyncError``: every front end already refuses such a sync with its message and keeps answering.
    """

    def __init__(self, docs_dir: Path, message: str) -> None:
        RuntimeError.__init__(self, message)
        self.docs_dir = docs_dir
        self.doomed: list[str] = []
        self.indexed = 0


@dataclass(frozen=True)
class FolderClaim:
    """The documents folder a collection was built from: its resolved path and the id in its marker file."""

    path: str
    marker: str


class SharedState:
    """The ``<collection>.meta`` collection: the write generation, its change log and the folder claim.

    Writes here happen under the writer lock (the local flock, and across instances the lease), so a
    read-modify-write of the generation is safe; reads are single lookups by id.

    Args:
        client: the Chroma client that holds the chunks.
        name: the chunk collection's name; this one is called ``name + ".meta"``.
    """

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self.name = name + META_SUFFIX
        self.collection = ReopeningCollection(self._open(), self._open)

    def reconnect(self, client: Any) -> None:
        """Reach the collection through ``client``, the store's fresh one (``Store.reconnect``)."""
        self._client = client
        self.collection.current = self._open()

    def close(self) -> None:
        """Let go of the collection and the client (closed by the store that shares it)."""
        self.collection.close()
        self._client = CLOSED

    def _open(self) -> Any:
        return self._client.get_or_create_collection(self.name, metadata={"citewise": "meta"}, embedding_function=None)

    def generation(self) -> int:
        """How many writes the index has seen (0 before the first)."""
        meta = self._record(_GENERATION)
        return int(meta.get("generation", 0)) if meta else 0

    def changes_since(self, generation: int) -> set[str] | None:
        """The documents written since ``generation``; None when that is not known (log trimmed) or was everything."""
        current = self.generation()
        if current <= generation:
            return set()
        found = self.collection.get(
            where={"$and": [{"kind": _CHANGE}, {"generation": {"$gt": generation}}]}, include=["metadatas"]
        )
        logged = {int(meta["generation"]): str(meta["sources"]) for meta in found["metadatas"] if meta}
        if any(n not in logged for n in range(generation + 1, current + 1)):
            return None
        sources: set[str] = set()
        for n in range(generation + 1, current + 1):
            if logged[n] == EVERYTHING:
                return None
            sources.update(json.loads(logged[n]))
        return sources

    def record(self, sources: Iterable[str] | None) -> int:
        """Log a write that touched ``sources`` (None: everything) and return the new generation; call under the writer lock."""
        touched = None if sources is None else sorted(set(sources))
        logged = EVERYTHING if touched is None or len(touched) > MAX_LOGGED_SOURCES else json.dumps(touched)
        generation = self.generation() + 1
        # The change first: a reader that sees the new generation finds what it covers.
        self.collection.upsert(
            ids=[f"change-{generation}"],
            embeddings=[_VECTOR],
            metadatas=[{"kind": _CHANGE, "generation": generation, "sources": logged}],
        )
        self.collection.upsert(
            ids=[_GENERATION], embeddings=[_VECTOR], metadatas=[{"kind": _GENERATION, "generation": generation}]
        )
        if generation % 100 == 0:
            self.collection.delete(where={"$and": [{"kind": _CHANGE}, {"generation": {"$lte": generation - KEEP_CHANGES}}]})
        return generation

    def folder(self) -> FolderClaim | None:
        """The folder the collection was built from, or None before the first sync recorded one."""
        meta = self._record(_FOLDER)
        return FolderClaim(str(meta.get("path", "")), str(meta.get("marker", ""))) if meta else None

    def claim_folder(self, claim: FolderClaim) -> None:
        """Record ``claim`` as the collection's documents folder."""
        self.collection.upsert(ids=[_FOLDER], embeddings=[_VECTOR], metadatas=[{"path": claim.path, "marker": claim.marker}])

    def check_folder(self, docs_dir: Path, *, reclaim: bool = False) -> None:
        """Refuse to write from a documents folder other than the one the collection was built from.

        The folder is the same when the marker file inside it holds the recorded id (the same share mounted
        at another path), or, lacking markers, when its resolved path is the recorded one. The first sync
        records its folder, and ``reclaim`` (a confirmed rebuild) records this one in place of another.

        Raises:
            FolderMismatchError: another folder built the collection; the message names both.
        """
        here = FolderClaim(str(docs_dir.resolve()), read_marker(docs_dir))
        claim = self.folder()
        if claim is None or reclaim:
            self.claim_folder(FolderClaim(here.path, here.marker or write_marker(docs_dir)))
            return
        # Markers, when both have one, decide: the path may differ between machines mounting one share.
        same = claim.marker == here.marker if claim.marker and here.marker else claim.path == here.path
        if not same:
            raise FolderMismatchError(
                docs_dir,
                f"refused to write: the index in collection {self.name.removesuffix(META_SUFFIX)!r} on the Chroma server "
                f"was built from the documents folder {claim.path} (marker {claim.marker or 'none'}), and this instance's "
                f"folder is {here.path} (marker {here.marker or 'none'}). Syncing it would delete every document the other "
                "folder added. Mount the same documents folder on every instance (CITEWISE_DOCS_DIR), or give this one "
                "its own CITEWISE_COLLECTION. If this folder should replace the other, confirm with "
                "`python -m index sync --allow-delete` (allow_mass_delete=True). Searching and answering still work.",
            )
        if claim.marker and not here.marker:  # the same folder lost its marker file: put it back
            write_marker(docs_dir, claim.marker)

    def _record(self, record_id: str) -> dict[str, Any] | None:
        found = self.collection.get(ids=[record_id], include=["metadatas"])
        metas = found["metadatas"] or []
        return dict(metas[0]) if metas and metas[0] else None


def read_marker(docs_dir: Path) -> str:
    """The id in the folder's marker file, or "" when it has none."""
    try:
        return (docs_dir / MARKER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def write_marker(docs_dir: Path, marker: str | None = None) -> str:
    """Give the folder a marker file holding ``marker`` (a new id by default); "" when the folder is read-only."""
    marker = marker or uuid.uuid4().hex
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(prefix=".marker-", dir=docs_dir)
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as target:
            target.write(marker + "\n")
        os.replace(temporary, docs_dir / MARKER_FILE)
        temporary = None
    except OSError as error:
        logger.warning("cannot write the folder marker %s: %s; the folder is matched by its path", docs_dir / MARKER_FILE, error)
        return ""
    finally:
        if temporary is not None:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
    return marker
