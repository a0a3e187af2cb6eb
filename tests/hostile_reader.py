"""A reader for ``index.reading.Reader(target=...)`` that misbehaves on cue, by the file's name, in the child process:
"crash" dies of a segmentation fault, "hang" never returns, "hog" allocates without end, "bug" raises a reader's own
error. Any other file is read by the real loader."""

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
    return load(path, max_bytes)
