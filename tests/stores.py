"""The index's real back ends as tests run them: a ``chroma run`` server, and the keyword index read from outside."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_support import stop
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
