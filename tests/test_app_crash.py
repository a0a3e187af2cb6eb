"""kill -9 of the real app in the middle of a re-index, and of an upload in the middle of its copy.

After the crash the app restarts over the same index and a re-index must land on exactly what a
clean build of the same folder holds: no chunk lost, none duplicated. A killed upload may leave its
hidden ``.upload-*`` temporary file behind, and that must never be indexed or listed as a document.
(tests/test_crash.py covers kill -9 of ``python -m index sync`` on its own.)
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from browser_support import REPO, AppSpec, RunningApp, ServeApp, stop
from fakes import FakeEmbedder
from polling import wait_until
from stores import add_notes, keyword_rows

from index import Embedder, IndexSettings, build_indexer

LEFTOVER = ".upload-k3j4h2"  # what a killed Library.save_upload leaves: tempfile.mkstemp(prefix=".upload-")
PARTIAL = "The partial upload says the Quillmark harbour has 999 cranes. " * 40


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, analytics_enabled=False)


def state(settings: IndexSettings, embedder) -> tuple[list[str], dict[tuple[str, str], int]]:  # type: ignore[no-untyped-def]
    indexer = build_indexer(settings, embedder=embedder)
    ids = sorted(chunk_id for chunk_id, _ in indexer.store.iter_metadatas())
    return ids, indexer.keywords.counts()


# This module's app (conftest.py's module_app). Small write batches, as in production a crash then finds several
# batches already written; it indexes the seeds itself at start-up, so that first start is tested too.
APP = AppSpec(env={"CITEWISE_WRITE_BATCH": "4"}, prebuilt=False)


def test_kill_9_mid_reindex_then_restart_converges_to_a_clean_build(
    tmp_path: Path, module_app: RunningApp, embedder: Embedder, serve_app: ServeApp
) -> None:
    app, docs = module_app, module_app.docs_dir
    keywords = app.data_dir / "citewise.keywords.sqlite"
    seeded = keyword_rows(keywords)  # the app indexed the seeds at start-up
    assert seeded > 0
    add_notes(docs, 40, seed=11)
    api = client(app.url)
    job = api.submit(api_name="/on_reindex")
    wait_until(lambda: keyword_rows(keywords) > seeded or job.done(), 120, interval=0.02)
    assert not job.done(), "the re-index ended before it could be killed; make the corpus bigger"
    app.process.send_signal(signal.SIGKILL)
    assert app.process.wait(timeout=30) == -signal.SIGKILL
    api.close()
    crashed_rows = keyword_rows(keywords)
    first_data = app.data_dir

    # A killed upload's temporary file, half written; it must stay invisible.
    (docs / LEFTOVER).write_text(PARTIAL[: len(PARTIAL) // 2], encoding="utf-8")

    with serve_app(app.root, docs, extra_env=APP.env) as app:
        assert app.data_dir == first_data, "the restarted app must reopen the crashed index"
        assert "index is empty" not in app.log_tail(), "the restarted app started over instead of reopening"
        api = client(app.url)
        try:
            status, table, _ = api.predict(api_name="/on_reindex")
        finally:
            api.close()
    assert "0 failed" in status and "0 deleted" in status, status
    listed = {row[0]: row[4] for row in table["data"]}
    assert set(listed) == {path.name for path in docs.iterdir() if not path.name.startswith(".")}
    assert set(listed.values()) == {"indexed"}, listed

    clean = IndexSettings(data_dir=tmp_path / "clean")
    clean_report = build_indexer(clean, embedder=embedder).sync(docs)
    assert clean_report.failed == [] and len(clean_report.added) == 45
    assert seeded < crashed_rows < clean_report.chunks, "the kill did not land mid-re-index"
    crashed = IndexSettings(data_dir=first_data)
    ids, counts = state(crashed, embedder)
    expected_ids, expected_counts = state(clean, embedder)
    assert ids == expected_ids, "same chunks as a clean build: none missing, none duplicated"
    assert counts == expected_counts
    again = build_indexer(crashed, embedder=embedder).sync(docs)
    assert again.embedded == 0 and len(again.unchanged) == 45 and again.failed == []


# Library.save_upload in a process of its own, copying from a FIFO the test feeds, so it can be killed mid-copy.
UPLOADER = """
import sys
from pathlib import Path
from index.library import Library
print(Library(Path(sys.argv[1]), None, max_upload_bytes=10**9).save_upload("report.txt", Path(sys.argv[2])))
"""


def try_open_for_writing(fifo: Path) -> int | None:
    """The FIFO's write end, or None while nobody has it open for reading."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        if error.errno != errno.ENXIO:  # ENXIO: no reader yet
            raise
        return None


def open_fifo_for_writing(fifo: Path, process: Any, timeout: float = 120) -> int:
    """The FIFO's write end, once the uploader has opened it for reading (it first has to import the app)."""
    opened: list[int] = []

    def ready() -> bool:
        handle = try_open_for_writing(fifo) if process.poll() is None else None
        if handle is not None:
            opened.append(handle)
        return bool(opened) or process.poll() is not None

    wait_until(ready, timeout)
    if not opened:
        raise AssertionError(f"the uploader never opened the upload (exit code {process.poll()})")
    return opened[0]


def test_kill_9_mid_upload_never_shows_a_partial_document(tmp_path: Path, fake_embedder: FakeEmbedder, warm_python: Any) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("The lighthouse keeper counted 41 gulls on Tuesday.", encoding="utf-8")
    fifo = tmp_path / "incoming.txt"
    os.mkfifo(fifo)
    uploader = warm_python(
        [sys.executable, "-c", UPLOADER, str(docs), str(fifo)],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sent = PARTIAL.encode() * 80  # about 5 MB; the uploader gets a part of it, then dies
    try:
        handle = open_fifo_for_writing(fifo, uploader)
        try:
            os.set_blocking(handle, True)
            os.write(handle, sent[:300_000])
            wait_until(lambda: any(path.stat().st_size >= 131_072 for path in docs.glob(".upload-*")), 30, interval=0.02)
            uploader.send_signal(signal.SIGKILL)  # the write end is still open: the copy is mid-way
            assert uploader.wait(timeout=30) == -signal.SIGKILL
        finally:
            os.close(handle)
    finally:
        stop(uploader)
        assert uploader.stderr is not None
        uploader.stderr.close()

    (leftover,) = docs.glob(".upload-*")
    written = leftover.read_bytes()
    assert 131_072 <= len(written) < len(sent) and sent.startswith(written)
    assert sorted(path.name for path in docs.iterdir()) == sorted([leftover.name, "good.txt"])

    from index.library import Library

    # Nothing is ranked here: the fake embedder indexes.
    library = Library(docs, build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder), 10**7)
    report = library.sync()
    assert (report.added, report.failed, report.warnings) == (["good.txt"], [], [])
    assert [d.source for d in library.documents()] == ["good.txt"]
    assert library.indexer.keywords.search("partial upload Quillmark cranes", 5) == []
