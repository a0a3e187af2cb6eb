"""A reader for ``index.reading.Reader(target=...)`` that misbehaves on cue, by the file's name, in the child process:
"crash" dies of a segmentation fault, "hang" never returns, "hog" allocates without end, "bug" raises a reader's own
error, "edited" is edited (once) just before it is read, as a save during a sync edits it, and "saving" is caught empty
(once), as an editor that truncates a file before writing it leaves it for a moment. Any other file is read by the real
loader."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from index.loader import LoadedDocument, load


def read(path: Path, max_bytes: int) -> LoadedDocument:
    if "crash" in path.name:
        os.kill(os.getpid(), signal.SIGSEGV)
    if "hang" in path.name:
        path.with_name(path.name + ".started").touch()  # for a test to know the read has begun
        time.sleep(3600)
    if "hog" in path.name:
        hoard = []
        while True:
            hoard.append(bytearray(64 * 2**20))
    if "bug" in path.name:
        raise ZeroDivisionError("a reader's own bug")
    if "edited" in path.name and not (marker := path.with_name(path.name + ".edited")).exists():
        marker.touch()
        path.write_text(path.read_text(encoding="utf-8").replace("forty", "ninety"), encoding="utf-8")
    if "saving" in path.name and not (marker := path.with_name(path.name + ".saving")).exists():
        marker.touch()
        path.write_bytes(b"")
    return load(path, max_bytes)
