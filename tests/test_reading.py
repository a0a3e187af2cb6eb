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

from index import IndexSettings, Reader, SyncStopped, build_indexer
from index.loader import LoadError, load
from index.sync import CHANGED_WHILE_READ

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


def test_a_file_edited_while_the_sync_reads_it_is_never_stored_as_the_version_planned(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    # Before, the text read (the edit) was stored under the hash of the text planned: once the edit was undone, every
    # later sync found the file unchanged, and the index held text the file no longer had, for ever.
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("alpha.md", "edited.md"):
        write_good(docs, name)
    planned = (docs / "edited.md").read_text(encoding="utf-8")
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    indexer.reader = Reader(timeout=60, target="hostile_reader:read")

    report = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the sync")
    assert report.added == ["alpha.md"] and report.failed == []
    assert {warning.path: warning.error for warning in report.warnings} == {"edited.md": CHANGED_WHILE_READ}
    assert sorted(indexer.store.documents()) == ["alpha.md"]

    (docs / "edited.md").write_text(planned, encoding="utf-8")  # the edit undone: the file is the one first planned
    again = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the second sync")
    assert again.added == ["edited.md"] and again.unchanged == ["alpha.md"] and again.warnings == []
    stored = " ".join(text for _, text in indexer.store.vectors("edited.md"))
    assert "forty nests" in stored and "ninety" not in stored
    indexer.reader.close()


def test_a_file_caught_empty_while_it_is_saved_keeps_its_indexed_version(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    # Before, "file is empty" failed it, and its indexed version was deleted until the next sync.
    docs = tmp_path / "docs"
    docs.mkdir()
    write_good(docs, "saving.md")
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    assert indexer.sync(docs).added == ["saving.md"]
    indexed = sorted(text for _, text in indexer.store.vectors("saving.md"))

    saved = (docs / "saving.md").read_text(encoding="utf-8") + "\nA second survey counted fifty.\n"
    (docs / "saving.md").write_text(saved, encoding="utf-8")
    indexer.reader = Reader(timeout=60, target="hostile_reader:read")  # finds it empty, mid-save
    report = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the sync")
    assert report.failed == [] and report.updated == []
    assert {warning.path: warning.error for warning in report.warnings} == {"saving.md": CHANGED_WHILE_READ}
    assert sorted(text for _, text in indexer.store.vectors("saving.md")) == indexed

    (docs / "saving.md").write_text(saved, encoding="utf-8")  # the save finished
    again = polling.returns_within(lambda: indexer.sync(docs), HANG_S, "the second sync")
    assert again.updated == ["saving.md"] and "fifty" in " ".join(text for _, text in indexer.store.vectors("saving.md"))
    indexer.reader.close()


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


def test_a_stop_while_a_file_is_read_ends_the_sync_there_and_the_file_keeps_its_indexed_version(
    tmp_path: Path, fake_embedder
) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a_hang.txt", "b.txt"):
        write_good(docs, name)
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)
    assert indexer.sync(docs).added == ["a_hang.txt", "b.txt"]
    for name in ("a_hang.txt", "b.txt"):  # both edited: a reading that never ends (a huge file), then another
        (docs / name).write_text((docs / name).read_text(encoding="utf-8") + "\nIt rained.\n", encoding="utf-8")
    indexer.reader = Reader(timeout=60, target="hostile_reader:read")
    before = reading_children()
    heard = []

    def stop_once_the_reading_has_begun(done: int, total: int, chunks: int) -> None:
        heard.append(done)
        if (docs / "a_hang.txt.started").exists():  # the user's Stop, while the first file is still being read
            raise SyncStopped(done, total)

    with pytest.raises(SyncStopped) as stopped:
        polling.returns_within(lambda: indexer.sync(docs, progress=stop_once_the_reading_has_begun), HANG_S, "the sync")

    assert (stopped.value.done, stopped.value.total) == (0, 2) and heard  # told while it waited for the reading
    assert reading_children() <= before  # the reading child was stopped, not waited for
    stored = " ".join(text for _, text in indexer.store.vectors("a_hang.txt"))
    assert "forty nests" in stored and "rained" not in stored  # its indexed version kept, not failed and deleted
    indexer.reader.close()
