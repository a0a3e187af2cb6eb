"""Files read in a child process: a reader that crashes, hangs or runs out of memory costs its file, never the sync.

The readers run libraries in C and C++ (PDFium, lxml, zlib) and text rules of our own on whatever a user drops in
the folder. A fault in any of them would otherwise take down the process that syncs: the app itself when a user
uploads. So each file is read by a child Python process, under a time limit and a memory limit: a child that is
killed by a signal, runs past ``timeout`` seconds or cannot allocate is reported as the file's error, and the next
file gets a fresh child. ``read_all`` reads one file ahead, so the next file is parsed while this one is embedded.

A child imports only the readers (its start and first read take about 0.1 s; it holds 15 MB), not this package's
``__init__``, which loads Chroma. It speaks pickled requests and replies over its standard input and output, each
framed by its length.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Generator, Iterable
from contextlib import closing, suppress
from pathlib import Path
from typing import IO, Any

from index.loader import MAX_DECOMPRESSED_BYTES, LoadedDocument, LoadError

logger = logging.getLogger(__name__)

_HEADER = 8  # bytes of a frame's length
_IDLE_CHILDREN = 1  # kept for the next read; more are started while several threads read at once (a sync, the viewer)
# The child's first lines: this package as a bare namespace (its __init__ would import Chroma and the embedder, which a
# reader never needs), then the serving loop.
_BOOT = (
    "import sys, types; sys.path[:0] = {path!r}; package = types.ModuleType('index'); package.__path__ = [{folder!r}]; "
    "sys.modules['index'] = package; from index.reading import serve; serve({target!r}, {memory_mb!r}, {parent!r})"
)


class Reader:
    """Reads documents (``index.loader.load``) in child processes, each file under a time and a memory limit.

    Args:
        timeout: seconds one file may take; a child still reading then is killed and the file reported.
        memory_mb: the child's address space, in MiB (0: no limit); past it, the file is reported.
        target: ``"module:function"`` that reads one file, called as ``function(path, max_bytes)``.
    """

    def __init__(self, timeout: float = 300.0, memory_mb: int = 4096, target: str = "index.loader:load") -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.target = target
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _stop_all, self._idle)

    def read(self, path: Path, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> LoadedDocument:
        """The document at ``path``, as ``load`` reads it.

        Raises:
            LoadError: the file was refused by its reader, or the reader crashed, ran out of time or memory.
            OSError: the file could not be opened or read.
        """
        with closing(self.read_all([path], max_bytes)) as outcomes:
            outcome = next(outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def read_all(
        self, paths: Iterable[Path], max_bytes: int, waiting: Callable[[], None] | None = None
    ) -> Generator[LoadedDocument | LoadError | OSError]:
        """Each file's document or error, in order; the next file is read while the caller works on this one.

        ``waiting``, if given, is called every ``WAITING_S`` seconds while a file's reading is waited for; what it raises
        (a sync's stop) ends the reading there, its child stopped.
        """
        pending = iter(paths)
        path = next(pending, None)
        if path is None:
            return
        child = self._send(self._take(), path, max_bytes)
        try:
            while path is not None:
                outcome, child = self._receive(child, path, waiting)
                path = next(pending, None)
                if path is not None:
                    child = self._send(child, path, max_bytes)
                yield outcome
        finally:
            # A caller that stops early leaves a read in flight, whose reply nobody will take: that child goes.
            if child.busy:
                child.stop()
            self._give_back(child)

    def close(self) -> None:
        """Stop every idle child (each also stops when this reader is collected, or at exit); reading again starts one."""
        with self._lock:
            _stop_all(self._idle)

    def _take(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.alive:
                    return child
        return _Child(self.target, self.memory_mb)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if child.alive and len(self._idle) < _IDLE_CHILDREN:
                self._idle.append(child)
                return
        child.stop()

    def _send(self, child: _Child, path: Path, max_bytes: int) -> _Child:
        if not child.alive:  # it crashed, ran out of memory or was stopped on the last file
            child.stop()
            child = _Child(self.target, self.memory_mb)
        child.send(path, max_bytes)
        return child

    def _receive(
        self, child: _Child, path: Path, waiting: Callable[[], None] | None = None
    ) -> tuple[LoadedDocument | LoadError | OSError, _Child]:
        reply = child.receive(self.timeout, waiting)
        if reply is None:
            child.stop()
            return LoadError(f"reading it took over {self.timeout:g} s (CITEWISE_READ_TIMEOUT_S), so it was stopped"), child
        if reply is _CRASHED:
            return LoadError(f"its reader crashed ({child.death()}), so it was skipped"), child
        kind, *details = reply
        match kind:
            case "document":
                return details[0], child
            case "refused":
                return LoadError(details[0]), child
            case "memory":
                child.stop()  # what it holds after the failed allocation is not worth keeping
                return LoadError(f"reading it needs over {self.memory_mb:,} MB of memory (CITEWISE_READ_MEMORY_MB)"), child
            case "os":
                return OSError(*details), child
            case _:  # a reader's own bug: its traceback is logged, the file reported as unreadable
                logger.error("reading %s failed in the reader process:\n%s", path, details[1])
                return LoadError(f"cannot be read: {details[0]}"), child


_CRASHED = object()
WAITING_S = 0.5  # how often a caller waiting for a file's reading hears of it (``Reader.read_all``)


class _Child:
    """One reading process and its pipes; at most one request in flight."""

    def __init__(self, target: str, memory_mb: int) -> None:
        boot = _BOOT.format(
            path=sys.path, folder=str(Path(__file__).parent), target=target, memory_mb=memory_mb, parent=os.getpid()
        )
        # Unbuffered pipes: waiting on the reply's descriptor must not miss bytes a buffer already took.
        self.process = subprocess.Popen([sys.executable, "-c", boot], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.busy = False
        self.sent = 0.0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, path: Path, max_bytes: int) -> None:
        assert self.process.stdin is not None
        with suppress(OSError):  # it died meanwhile (a broken pipe): ``receive`` reports the crash
            _write(self.process.stdin, (str(path), max_bytes))
        self.busy, self.sent = True, time.monotonic()

    def receive(self, timeout: float, waiting: Callable[[], None] | None = None) -> Any:
        """The reply; None when none began within ``timeout`` of the request; ``_CRASHED`` when the child died.
        ``waiting`` is called every ``WAITING_S`` seconds meanwhile."""
        assert self.process.stdout is not None
        out = self.process.stdout.fileno()
        ready = select.poll()  # not select.select, which takes no descriptor past 1023
        ready.register(out, select.POLLIN | select.POLLHUP)
        while True:
            # The deadline runs from the request: a caller busy embedding meanwhile gave the child that time too. A
            # child that finished writes its header at once, so a late caller still finds it.
            remaining = max(0.0, self.sent + timeout - time.monotonic())
            wait = remaining if waiting is None else min(remaining, WAITING_S)
            if ready.poll(math.ceil(wait * 1000)):
                break
            if waiting is None or wait >= remaining:
                return None
            waiting()
        self.busy = False
        header = _read_exactly(out, _HEADER)
        body = _read_exactly(out, int.from_bytes(header, "big")) if len(header) == _HEADER else b""
        if len(header) < _HEADER or len(body) < int.from_bytes(header, "big"):
            self.process.wait()
            return _CRASHED
        return pickle.loads(body)  # our own child's reply, over a private pipe

    def death(self) -> str:
        code = self.process.wait()
        if code < 0:
            name = signal.Signals(-code).name
            return f"killed by {name}" + (", perhaps out of memory" if name == "SIGKILL" else "")
        return f"exited with status {code}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.busy = False


def _stop_all(children: list[_Child]) -> None:
    for child in children:
        child.stop()
    children.clear()


def _write(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "big") + data)
    stream.flush()


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------- in the child


def serve(target: str, memory_mb: int, parent: int) -> None:
    """The child's loop: read each requested file with ``target``, reply with its document or its error."""
    import faulthandler
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal reaches the whole group: the parent stops us
    # A parent that dies (kill -9) closes our input, which ends the loop below, but not a read that never ends: this
    # thread ends the process once the parent is gone (``parent``: its pid, in case it died before we got here).
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to standard error, never into a reply
    faulthandler.enable()  # a crash in C prints where it happened
    module, name = target.split(":")
    read: Callable[[Path, int], LoadedDocument] = getattr(importlib.import_module(module), name)
    if memory_mb:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    requests = sys.stdin.buffer
    while len(header := requests.read(_HEADER)) == _HEADER:
        path, max_bytes = pickle.loads(requests.read(int.from_bytes(header, "big")))  # from our parent
        reply: tuple[object, ...]
        try:
            reply = ("document", read(Path(path), max_bytes))
        except LoadError as error:
            reply = ("refused", str(error))
        except MemoryError:
            reply = ("memory",)
        except OSError as error:
            reply = ("os", error.errno, error.strerror, error.filename)
        except Exception as error:
            reply = ("bug", f"{type(error).__name__}: {error}", traceback.format_exc())
        _write(replies, reply)
        if reply[0] == "memory":
            return


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
