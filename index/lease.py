"""One writer across app instances: a lease record in the shared Chroma meta collection (``index.shared``).

The local lock file (``Indexer``) serialises the writers of one data folder; instances on other machines (or
with other data folders) sharing one Chroma server see only Chroma, so the writer also holds a lease there.
Chroma has no compare-and-swap, but two of its operations behave like one: ``add`` of an id that exists is
ignored (so of two racing claims the first stays, and both read back the same holder), and ``delete`` with
``ids`` and ``where`` together removes the record only if it still is the one read (so a stale lease is
broken once, never a fresh one that replaced it). The holder renews the lease while it writes; a lease not
renewed for ``ttl`` seconds (its holder crashed or hangs) is broken by the next writer, at once when the
holder was a process of the same machine that is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Seconds a lease lasts unless renewed (every third of it). A writer that crashed on another machine blocks
# the others this long at most; machines' clocks must agree to well within it (NTP keeps them to milliseconds).
LEASE_SECONDS = 30.0
_ID = "lease"
_VECTOR = [1.0]


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) the lease, and until when."""

    token: str
    owner: str  # "host pid N", for messages
    machine: str  # host, boot and pid namespace: a pid means the same process only on the same machine
    pid: int
    started: int  # the process's start time (clock ticks after boot), so a reused pid is not taken for it
    expires: float  # seconds since the epoch

    def to_metadata(self) -> dict[str, Any]:
        """The lease record's metadata."""
        return {
            "token": self.token,
            "owner": self.owner,
            "machine": self.machine,
            "pid": self.pid,
            "started": self.started,
            "expires": self.expires,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> Holder:
        """A holder read back from the record."""
        return cls(
            str(meta.get("token", "")),
            str(meta.get("owner", "?")),
            str(meta.get("machine", "")),
            int(meta.get("pid", 0)),
            int(meta.get("started", 0)),
            float(meta.get("expires", 0.0)),
        )

    def stale_because(self, now: float) -> str | None:
        """Why the lease can be broken (expired, or its process on this machine is gone), or None while it holds."""
        if self.expires < now:
            return f"it expired {now - self.expires:.0f} s ago"
        if self.machine == this_machine() and process_start(self.pid) != self.started:
            return f"process {self.pid} on this machine is gone"
        return None


class LeaseTimeout(TimeoutError):
    """The lease was held by another writer for longer than the wait allowed."""

    def __init__(self, holder: Holder, waited: float) -> None:
        self.holder = holder
        super().__init__(f"{holder.owner} held the writer lease for over {waited:g} s")


class Lease:
    """The writer lease in ``collection`` (the shared meta collection), held with ``held``.

    Args:
        collection: where the lease record lives, shared by every instance.
        ttl: seconds the lease lasts unless renewed.
        poll: seconds between looks while another writer holds it.
    """

    def __init__(self, collection: Any, ttl: float = LEASE_SECONDS, poll: float = 0.2) -> None:
        self.collection = collection
        self.ttl = ttl
        self.poll = poll
        self.lost = False  # set when a renewal found the lease broken by another writer

    @contextmanager
    def held(self, timeout: float, on_wait: Callable[[Holder], None] | None = None) -> Iterator[bool]:
        """Hold the lease for the block, renewed meanwhile; yields True when a crashed writer's lease was broken.

        Raises:
            LeaseTimeout: another live writer held it for over ``timeout`` seconds.
        """
        token = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        broke, waited = False, False
        while True:
            self.collection.add(ids=[_ID], embeddings=[_VECTOR], metadatas=[self._mine(token).to_metadata()])
            holder = self.holder()
            if holder is None:  # broken or released between the two calls: claim again
                continue
            if holder.token == token:
                break
            why = holder.stale_because(time.time())
            if why is not None:
                logger.warning("breaking the writer lease of %s: %s", holder.owner, why)
                self.collection.delete(ids=[_ID], where={"token": holder.token})
                broke = True
                continue
            if time.monotonic() >= deadline:
                raise LeaseTimeout(holder, timeout)
            if not waited and on_wait is not None:
                on_wait(holder)
            waited = True
            time.sleep(self.poll)
        self.lost = False
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(token, stop), name="citewise-lease", daemon=True)
        renewer.start()
        try:
            yield broke
        finally:
            stop.set()
            renewer.join()
            with suppress(Exception):  # unreachable server: the lease expires by itself
                self.collection.delete(ids=[_ID], where={"token": token})

    def holder(self) -> Holder | None:
        """The current holder, or None when the lease is free."""
        found = self.collection.get(ids=[_ID], include=["metadatas"])
        metas = found["metadatas"] or []
        return Holder.from_metadata(dict(metas[0])) if metas and metas[0] else None

    def _mine(self, token: str) -> Holder:
        pid = os.getpid()
        owner = f"{socket.gethostname()} pid {pid}"
        return Holder(token, owner, this_machine(), pid, process_start(pid), time.time() + self.ttl)

    def _renew(self, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.ttl / 3):
            try:
                holder = self.holder()
                if holder is None or holder.token != token:
                    self.lost = True
                    logger.error("the writer lease was broken by another writer (%s)", holder.owner if holder else "none")
                    return
                self.collection.update(ids=[_ID], metadatas=[self._mine(token).to_metadata()])
            except Exception as error:  # a server hiccup: try again at the next renewal, well before expiry
                logger.warning("could not renew the writer lease: %s", error)


def this_machine() -> str:
    """This host, boot and pid namespace: where a pid names one process."""
    parts = [socket.gethostname()]
    for path in ("/proc/sys/kernel/random/boot_id",):
        with suppress(OSError):
            parts.append(Path(path).read_text(encoding="ascii").strip())
    with suppress(OSError):
        parts.append(os.readlink("/proc/self/ns/pid"))
    return " ".join(parts)


def process_start(pid: int) -> int:
    """When process ``pid`` started (clock ticks after boot), or -1 when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return -1
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    return -1 if not fields or fields[0] in ("Z", "X") else int(fields[19])
