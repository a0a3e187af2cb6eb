"""The processes a test started, read from /proc: the readers' children, their states and their parents."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> dict[int, tuple[str, bytes]]:
    """The child processes of ``pid``: each one's state ("Z" for a zombie) and command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = _state_and_parent(int(stat.parent.name))
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
        if int(parent) == pid:
            found[int(stat.parent.name)] = (state, command)
    return found


def reading_children() -> set[int]:
    """The live child processes of this one that run a reader (other tests' readers' idle children among them)."""
    return {pid for pid, (state, command) in children(os.getpid()).items() if state != "Z" and b"index.reading" in command}


def ended(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie not yet reaped, or gone)."""
    try:
        return _state_and_parent(pid)[0] == "Z"  # exited, not yet reaped
    except OSError:
        return True


def _state_and_parent(pid: int) -> tuple[str, str]:
    """Process ``pid``'s state letter and parent pid, from /proc (after its name, which may hold spaces and ")")."""
    state, parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    return state, parent
