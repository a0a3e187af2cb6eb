"""An index file found damaged (a crash of the machine, a failing disk, a bad copy) is set aside, never deleted.

The keyword index is a cache of Chroma (``index.cache``): set aside, it is filled again from Chroma at once. Chroma's
own database holds the vectors: ``python -m index rebuild`` sets it aside and embeds the documents anew.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from datetime import UTC, datetime
from pathlib import Path


class IndexDamagedError(RuntimeError):
    """Chroma's database of the index is damaged (a crash of the machine, a failing disk, a bad copy), or could not be
    read: it cannot be opened, or a search fails in it.

    ``python -m index rebuild`` sets it aside (``set_aside``) and indexes the documents anew.
    """


# SQLite's words for a file that is not a sound database: SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), as Python's
# sqlite3 and Chroma's Rust client word them; and FTS5's, for a full-text table whose structure cannot be read.
_DAMAGE = re.compile(r"malformed|file is not a database|\(code: (?:11|26)\)|vtable constructor failed")
# Python's sqlite3 on a text value that is not UTF-8: every value Citewise writes is (``str``), so it was garbled after.
_GARBLED = re.compile(r"^Could not decode to UTF-8 column")


def is_damage(error: BaseException) -> bool:
    """Whether ``error`` says a database file is damaged, as opposed to locked, unwritable or missing."""
    if isinstance(error, sqlite3.OperationalError):  # locked, a full disk, cannot open: the file itself may be sound
        return bool(_GARBLED.search(str(error)))
    return bool(_DAMAGE.search(str(error)))


def file_identity(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` names now, as (device, inode); None when none can be found there.

    A connection keeps reading and writing the file it opened after that file is set aside: comparing this with what
    it was at opening tells a connection (or another process) that the file at the path is another one now.
    """
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def set_aside(path: Path) -> Path:
    """Rename ``path`` (a file or a folder, with an SQLite file's -wal and -shm) to ``<name>.damaged-<UTC time>``.

    Returns the new path; the file's name is free for a new one. Nothing is copied: it costs no room on the disk.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


# The head of an HNSW segment's header.bin as Chroma 1.5 writes it (hnswlib's fields after a format version):
# version, offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset, offsetData, maxlevel,
# enterpoint_node.
_HNSW_HEADER = struct.Struct("<IQQQQQQiI")
_HNSW_VERSION = 1
_HNSW_LEVELS = 64  # hnswlib draws levels with ln(M): a 2^64-element index would not reach 64


def damaged_vectors(chroma: Path) -> str | None:
    """What is wrong with the first damaged HNSW segment under Chroma's folder ``chroma``, or None when none is.

    Once a collection has been compacted (past about 1,000 writes), Chroma 1.5 loads its vectors from these files, and
    hnswlib reads them as their header says: a data file cut short, or a header overwritten, ended the process with
    SIGSEGV on the first search (measured), with no message and again after every restart. Sizes and the header's own
    ranges are checked here, before Chroma reads a byte of them: a stat and 100 bytes per segment.
    """
    for header in sorted(chroma.glob("*/header.bin")):
        head = header.read_bytes()[: _HNSW_HEADER.size]
        if len(head) < _HNSW_HEADER.size:
            return f"{header} holds {len(head)} bytes, under the {_HNSW_HEADER.size} of a header"
        version, _, capacity, count, size, _, _, level, entry = _HNSW_HEADER.unpack(head)
        if version != _HNSW_VERSION:
            continue  # a format this check does not know: Chroma judges it
        level0, lengths = header.with_name("data_level0.bin"), header.with_name("length.bin")
        if not level0.is_file() or not lengths.is_file():
            return f"{header.parent} lacks {'data_level0.bin' if not level0.is_file() else 'length.bin'}"
        if count > capacity or not -1 <= level < _HNSW_LEVELS or (count and entry >= count):
            return f"{header} is not a sound header ({count} vectors of room for {capacity}, top level {level}, entry {entry})"
        held = level0.stat().st_size
        if held < count * size or lengths.stat().st_size < 4 * count:
            return f"{header.parent}'s files are cut short ({count} vectors of {size} bytes; {held} bytes of them)"
    return None
