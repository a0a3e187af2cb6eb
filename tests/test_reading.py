"""Files are read in child processes: a reader that crashes, hangs, runs out of memory or fails costs only its file.

The misbehaving reader (``hostile_reader``) runs in the real child, as a real reader would: a segmentation fault, a
sleep that never ends, allocation without end, an error of its own.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import polling
import pytest
from decks import deck
from epubs import epub, xhtml_page
from pdfs import pdf_with_pages
from processes import children, ended, reading_children

from index import IndexSettings, Reader, build_indexer
from index.loader import LoadError, load

HANG_S = 120  # a hang guard for a whole sync, far above what it takes


def write_good(folder: Path, name: str) -> None:
    (folder / name).write_text(f"# {name}\n\nThe survey of {name} counted forty nests along the river.\n", encoding="utf-8")


def test_a_reader_that_crashes_hangs_exhausts_memory_or_fails_costs_only_its_file(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    before = reading_children()
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("alpha.md", "bug.txt", "crash.txt", "hang.txt", "hog.txt", "omega.txt"):
        write_good(docs, name)
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    # The limit is every file's, a good one's too, and a busy machine can take seconds to start a child: 8 s, not 1.
    indexer.reader = Reader(timeout=8, memory_mb=1024, target="hostile_reader:read")

    report = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the sync")

    failed = {error.path: error.error for error in report.failed}
    assert failed == {
        "bug.txt": "cannot be read: ZeroDivisionError: a reader's own bug",
        "crash.txt": "its reader crashed (killed by SIGSEGV), so it was skipped",
        "hang.txt": "reading it took over 8 s (CITEWISE_READ_TIMEOUT_S), so it was stopped",
        "hog.txt": "reading it needs over 1,024 MB of memory (CITEWISE_READ_MEMORY_MB)",
    }
    assert sorted(report.added) == ["alpha.md", "omega.txt"]  # the file after each fault was read by a fresh child
    assert sorted(indexer.store.documents()) == ["alpha.md", "omega.txt"]

    # The next sync tries the failed files again and leaves the rest as they are.
    for name in ("hang.txt", "hang.txt.started", "hog.txt"):
        (docs / name).unlink()
    again = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the second sync")
    assert sorted(error.path for error in again.failed) == ["bug.txt", "crash.txt"]
    assert sorted(again.unchanged) == ["alpha.md", "omega.txt"] and again.added == again.deleted == []
    indexer.reader.close()
    assert reading_children() <= before


def test_the_reader_reads_every_format_as_load_does(tmp_path: Path) -> None:
    chapter = xhtml_page("One", "<h1>Chapter one</h1><p>Run <code>ls</code> now.</p>")
    files = {
        "deck.pptx": deck(),
        "book.epub": epub({"c1.xhtml": chapter}, ["c1.xhtml"]),
        "pages.pdf": pdf_with_pages(["First page words.", "Second page words."]),
        "notes.md": b"# Notes\n\nUse `atrm` to cancel a job.\n",
        "guide.rst.gz": gzip.compress(b"Guide\n=====\n\nCall :func:`open` first.\n"),
        "page.html": b"<title>Page</title><h1>Top</h1><p>Inline <code>code</code> stays.</p>",
    }
    reader = Reader()
    try:
        for name, data in files.items():
            path = tmp_path / name
            path.write_bytes(data)
            assert reader.read(path) == load(path), name
        (tmp_path / "empty.txt").write_bytes(b"")
        with pytest.raises(LoadError, match="file is empty"):
            reader.read(tmp_path / "empty.txt")
        with pytest.raises(FileNotFoundError):
            reader.read(tmp_path / "missing.txt")
    finally:
        reader.close()


def test_a_caller_that_stops_early_leaves_no_reader_running(tmp_path: Path) -> None:
    for name in ("a.txt", "hang.txt", "b.txt"):
        write_good(tmp_path, name)
    before = reading_children()
    reader = Reader(timeout=600, target="hostile_reader:read")
    documents = reader.read_all([tmp_path / "a.txt", tmp_path / "hang.txt", tmp_path / "b.txt"], 10**6)
    first = next(documents)
    assert not isinstance(first, BaseException) and "a.txt counted forty nests" in first.text
    assert len(reading_children() - before) == 1  # already reading the next file, which never ends
    documents.close()  # the caller gives up (a sync stopped by an error): the hung child is killed, not waited for
    assert reading_children() <= before


def test_settings_reach_the_reader(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = IndexSettings(data_dir=tmp_path / "data", read_timeout_s=7, read_memory_mb=512)
    reader = build_indexer(settings, embedder=fake_embedder).reader
    assert (reader.timeout, reader.memory_mb, reader.target) == (7, 512, "index.loader:load")


def test_a_reader_outlives_no_parent_killed_mid_read(tmp_path: Path) -> None:
    # An app killed with kill -9 while its child reads a file that never ends: the child must not run on, orphaned.
    write_good(tmp_path, "hang.txt")
    script = (
        "from pathlib import Path; from index import Reader; "
        f"Reader(timeout=600, target='hostile_reader:read').read(Path({str(tmp_path / 'hang.txt')!r}))"
    )
    tests = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)])}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        assert polling.wait_until((tmp_path / "hang.txt.started").exists, timeout=60), "the read never began"
        (child,) = children(parent.pid)
        parent.kill()
        parent.wait()
        assert polling.wait_until(lambda: ended(child), 30), "the reader ran on after its parent was killed"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
