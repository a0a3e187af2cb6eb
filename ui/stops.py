"""Each browser session's Stop for the work it is running (an answer streaming, a sync indexing).

The Stop button's handler sets the session's flag; the work reads it between its steps (an answer's pieces, a sync's
files) and ends there itself, so that what the page shows last is the work's own final word, never a late update of
work cancelled from outside.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Stops:
    """The flags of the sessions' running work, by session."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @contextmanager
    def watch(self, session: str) -> Iterator[threading.Event]:
        """The flag work of ``session`` reads, for as long as it runs."""
        flag = threading.Event()
        with self._lock:
            self._flags[session] = flag
        try:
            yield flag
        finally:
            with self._lock:
                if self._flags.get(session) is flag:
                    del self._flags[session]

    def stop(self, session: str) -> bool:
        """Ask the work ``session`` runs to stop; False when it runs none."""
        with self._lock:
            flag = self._flags.get(session)
        if flag is not None:
            flag.set()
        return flag is not None
