"""A Chroma collection handle that survives the collection being rebuilt by another process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chromadb.errors import InternalError, NotFoundError

from index.damage import IndexDamagedError

logger = logging.getLogger(__name__)


class IndexClosedError(RuntimeError):
    """The index was closed (``Indexer.close``, ``Citewise.close``); open it again to use it."""


class _Closed:
    """What a closed store holds in place of its Chroma client and collections: any use says the index is closed."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # what copy, pickle and hasattr look for: plainly absent
            raise AttributeError(name)
        raise IndexClosedError(f"the index is closed (asked for {name!r}); open it again to use it")


CLOSED: Any = _Closed()


class ReopeningCollection:
    """A Chroma collection handle that follows the collection's name, not its id.

    ``python -m index rebuild`` in another process drops the collection and creates it again
    under a new id; every call through the old handle then raises ``NotFoundError``. This handle
    reopens the collection by name and runs the call once more, so a running app keeps answering
    from the rebuilt index. Everything reaches Chroma through it: the store's own calls, llama-index's
    ``ChromaVectorStore`` and the retriever's fetches by id.
    """

    def __init__(self, collection: Any, reopen: Callable[[], Any], before: Callable[[], None] | None = None) -> None:
        self.current = collection
        self._reopen = reopen
        # Run before every call: the store's ``follow``, which puts a fresh client in place when another process has
        # set the database's folder aside and made it anew (the collection is then found in the new one).
        self.before = before or (lambda: None)

    def close(self) -> None:
        """Let go of the collection, so that its closed client can be freed; every later call raises ``IndexClosedError``."""
        self.current = CLOSED
        self._reopen = lambda: CLOSED

    @property
    def id(self) -> Any:
        """The id of the collection currently open."""
        return self.current.id

    @property
    def name(self) -> str:
        """The collection's name."""
        return str(self.current.name)

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The collection's metadata as of when it was opened or last modified here."""
        return self.current.metadata

    def add(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.add``, reopening a rebuilt collection once."""
        return self._call("add", args, kwargs)

    def count(self) -> int:
        """``Collection.count``, reopening a rebuilt collection once."""
        return int(self._read("count", (), {}))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.delete``, reopening a rebuilt collection once."""
        return self._call("delete", args, kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.get``, reopening a rebuilt collection once."""
        return self._read("get", args, kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.query``, reopening a rebuilt collection once."""
        return self._read("query", args, kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.update``, reopening a rebuilt collection once."""
        return self._call("update", args, kwargs)

    def upsert(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.upsert``, reopening a rebuilt collection once."""
        return self._call("upsert", args, kwargs)

    def modify(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.modify`` (Chroma 1.5 accepts it silently on a dropped collection, so callers read first)."""
        return self._call("modify", args, kwargs)

    def _read(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A call that only reads: Chroma's internal failure (its vector files damaged, say) says what to do about it.

        Writes keep Chroma's own errors, which ``Indexer`` reports as a full or read-only disk.
        """
        try:
            return self._call(method, args, kwargs)
        except InternalError as error:
            raise IndexDamagedError(
                f"the index could not be read ({type(error).__name__}: {error}). If its files are damaged, "
                "`python -m index rebuild` sets them aside and indexes the documents anew."
            ) from error

    def _call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self.before()
        stale = self.current
        try:
            return getattr(stale, method)(*args, **kwargs)
        except NotFoundError:
            fresh = self._reopen()  # raises NotFoundError itself while the collection is missing (mid-rebuild)
            if fresh.id == stale.id:
                raise
            logger.info("collection %r was rebuilt by another process; reopened it", fresh.name)
            self.current = fresh
            return getattr(fresh, method)(*args, **kwargs)
