"""The index's real back ends as tests run them: a ``chroma run`` server, the keyword index read from outside, a full disk."""

from __future__ import annotations

import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from browser_support import copy_seeds, stop
from polling import wait_until


def heartbeat(url: str) -> bool:
    """Whether the Chroma server at ``url`` answers its heartbeat."""
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def chroma_server(root: Path, port: int) -> Iterator[str]:
    """A real ``chroma run`` server storing under ``root``, on ``port``; yields its URL and stops it after."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI ships with chromadb; it should be next to the interpreter"
    log = (root / "chroma.log").open("wb")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(root / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until(lambda: server.poll() is not None or heartbeat(url), 60, interval=0.2) or server.poll() is not None:
            pytest.fail("the Chroma server did not start: " + (root / "chroma.log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        stop(server, timeout=20)
        log.close()


def keyword_rows(path: Path) -> int:
    """Rows in the keyword index file at ``path``, read-only from outside the writer; 0 while it cannot be read."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
    except sqlite3.Error:
        return 0


def damage_leaves(path: Path, table: str) -> list[int]:
    """Damage the keyword index file at ``path`` where only reading ``table``'s rows finds it: every leaf page of it but
    the first (FTS5 keeps its structure record there, read on opening) gets a page type no B-tree has. Returns the
    pages damaged. SQLite's own ``dbstat`` table says which pages are whose.

    ``chunks_content`` (the rows' columns) is read by listing the rows; ``chunks_data`` (the full-text index) by a
    keyword search and by a write. Neither is read on opening, so the damage shows only once the index is in use.
    """
    with closing(sqlite3.connect(path)) as db:
        size = int(db.execute("PRAGMA page_size").fetchone()[0])
        query = "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path"
        pages = [int(page) for (page,) in db.execute(query, (table,))][1:]
    assert pages, f"{table} of {path} has one leaf page: too small to damage past its first"
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xff")
    return pages


WORDS = "amber basalt cedar delta ember fjord garnet harbor indigo juniper kelp lagoon marble nectar onyx prairie quartz".split()


def make_corpus(folder: Path, count: int) -> Path:
    """``count`` small documents of distinct sentences (``add_notes``), plus the seeds."""
    return add_notes(copy_seeds(folder), count)


def add_notes(folder: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` small documents of distinct sentences into ``folder``, gen_000.txt on."""
    rng = random.Random(seed)
    for i in range(count):
        sentences = [
            f"Record {i}-{j} notes {rng.choice(WORDS)} {rng.choice(WORDS)} near site {rng.randint(1, 999)}." for j in range(12)
        ]
        (folder / f"gen_{i:03d}.txt").write_text(" ".join(sentences), encoding="utf-8")
    return folder


def largest_file(folder: Path) -> int:
    """The size in bytes of the largest file under ``folder``."""
    return max(path.stat().st_size for path in folder.rglob("*") if path.is_file())


@contextmanager
def disk_full(cap: int) -> Iterator[None]:
    """Writes that would grow any file past ``cap`` bytes fail, in this process, as writes to a full disk fail.

    The kernel refuses them (``RLIMIT_FSIZE``: EFBIG, which Python gets as an error, not a signal) as a full disk
    refuses them (ENOSPC): SQLite, Chroma and the file system see a write fail part way, for real. Unlike a full disk,
    a file may still grow up to ``cap``: a cap of 1 byte lets no file grow at all, the test's own logs included.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
