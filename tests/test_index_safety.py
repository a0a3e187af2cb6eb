"""Writes that must not hurt the index: mass deletes refused, rebuild under the lock, stale handles, lock waits, a full
disk, a damaged index, a Chroma server gone.

These rules do not hang on the embedding model, so the fake one embeds; only the tests that ask the
app for an answer, or run the CLI, use the real models (over a copy of the seeds index).
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from polling import returns_within, wait_until, waiting_on_lock
from processes import reading_children
from seed_facts import WHO_QUESTION, WHO_SOURCE
from stores import add_notes, chroma_server, damage_leaves, disk_full, largest_file

from assistant.retrieval import Retriever, SearchOptions
from index import (
    IndexBusyError,
    IndexClosedError,
    IndexDamagedError,
    Indexer,
    IndexMismatchError,
    IndexSettings,
    IndexWriteError,
    UnsafeSyncError,
    build_indexer,
)
from index.damage import set_aside
from index.keywords import KeywordIndex, KeywordIndexReset
from index.library import Library
from index.plan import is_mass_delete

QUILLMARK = "The Quillmark observatory recorded 318 meteors in August."


@pytest.fixture
def index_settings(tmp_path: Path) -> IndexSettings:
    return IndexSettings(data_dir=tmp_path / "data")


@pytest.fixture
def indexer(index_settings: IndexSettings, fake_embedder, docs: Path):  # type: ignore[no-untyped-def]
    """An index of the five seed documents."""
    built = build_indexer(index_settings, embedder=fake_embedder)
    assert len(built.sync(docs).added) == 5
    return built


def snapshot(indexer) -> tuple[int, dict[str, frozenset[str]], int]:  # type: ignore[no-untyped-def]
    """Chunks, each document's hashes and keyword rows: what a refused write must leave as it was."""
    documents = {source: doc.hashes for source, doc in indexer.store.documents().items()}
    return indexer.store.count(), documents, sum(indexer.keywords.counts().values())


@pytest.fixture
def held_lock(indexer) -> Iterator[threading.Event]:  # type: ignore[no-untyped-def]
    """Another writer's lock on the index (a second open file, as another process has); set the event to release it."""
    release = threading.Event()
    with indexer.lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        releaser = threading.Thread(target=lambda: (release.wait(), fcntl.flock(handle, fcntl.LOCK_UN)))
        releaser.start()
        try:
            yield release
        finally:
            release.set()
            releaser.join()


def lock_is_free(lock_path: Path) -> bool:
    with lock_path.open("a") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True


# --- Mass deletes ----------------------------------------------------------------------------------


def test_an_empty_folder_never_wipes_the_index(indexer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(indexer)
    empty = tmp_path / "unmounted"
    empty.mkdir()
    with pytest.raises(UnsafeSyncError, match=r"refused to delete 5 of the 5 indexed documents") as refused:
        indexer.sync(empty)
    assert "--allow-delete" in str(refused.value) and str(empty) in str(refused.value)
    assert len(refused.value.doomed) == 5 and refused.value.indexed == 5
    assert snapshot(indexer) == before

    plan = indexer.sync(empty, dry_run=True)  # a dry run reports, it does not refuse
    assert len(plan.deleted) == 5 and plan.needs_confirmation
    assert snapshot(indexer) == before

    confirmed = indexer.sync(empty, allow_mass_delete=True)
    assert len(confirmed.deleted) == 5 and confirmed.chunks == 0 and indexer.keywords.counts() == {}


def test_a_mistyped_subfolder_is_refused(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    (docs / "sub").mkdir()
    (docs / "sub" / "notes.txt").write_text("The nested notes mention 8 otters.", encoding="utf-8")
    assert indexer.sync(docs).added == ["sub/notes.txt"]
    before = snapshot(indexer)
    # Ids are paths relative to the folder: every document looks deleted, "notes.txt" looks new.
    with pytest.raises(UnsafeSyncError, match="6 of the 6"):
        indexer.sync(docs / "sub")
    assert snapshot(indexer) == before


def test_most_documents_missing_is_refused_a_few_are_deleted(indexer, docs: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    aside = tmp_path / "aside"
    aside.mkdir()
    names = sorted(p.name for p in docs.iterdir())
    for name in names[:4]:
        shutil.move(docs / name, aside / name)
    before = snapshot(indexer)
    with pytest.raises(UnsafeSyncError, match="4 of the 5"):
        indexer.sync(docs)
    assert snapshot(indexer) == before
    shutil.move(aside / names[0], docs / names[0])
    assert sorted(indexer.sync(docs).deleted) == names[1:4]  # 3 of 5: an everyday clean-up


@pytest.mark.parametrize(
    ("deleting", "indexed", "refused"),
    [
        (0, 0, False),
        (0, 5, False),
        (1, 1, True),  # every document: always confirmed
        (2, 2, True),
        (1, 5, False),
        (3, 5, False),  # up to FREE_DELETES: everyday clean-up
        (3, 4, False),
        (4, 5, True),  # more than 3 and more than half
        (4, 7, True),
        (4, 8, False),  # exactly half is not "most"
        (50, 100, False),
        (51, 100, True),
    ],
)
def test_mass_delete_rule(deleting: int, indexed: int, refused: bool) -> None:
    assert is_mass_delete(deleting, indexed) is refused


def test_deleting_documents_one_by_one_is_unaffected(indexer, docs: Path) -> None:  # type: ignore[no-untyped-def]
    library = Library(docs, indexer, max_upload_bytes=1_000_000)
    for name in sorted(p.name for p in docs.iterdir()):
        library.delete(name)
    assert indexer.store.count() == 0 and list(docs.iterdir()) == []
    assert library.sync().chunks == 0


def test_the_watcher_logs_a_refused_sync_and_carries_on(indexer, docs: Path, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    from index.watch import watch

    reports: list = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(lambda progress: indexer.sync(docs, progress=progress), docs),
        kwargs={"debounce": 0.5, "on_sync": reports.append, "stop": stop},
    )
    aside = tmp_path / "aside"
    with caplog.at_level(logging.WARNING, logger="index.watch"):
        thread.start()
        try:
            assert wait_until(lambda: len(reports) == 1)
            aside.mkdir()
            for path in list(docs.iterdir()):  # the folder's drive goes away, leaving its empty mount point
                shutil.move(path, aside / path.name)
            assert wait_until(lambda: any("refused to delete 5 of the 5" in r.message for r in caplog.records))
            assert thread.is_alive() and len(reports) == 1 and len(indexer.store.documents()) == 5
            for path in aside.iterdir():  # the drive is back, with one new document
                shutil.move(path, docs / path.name)
            (docs / "note.txt").write_text("The harbour master logged 87 ships in March.", encoding="utf-8")
            assert wait_until(lambda: any(r.added == ["note.txt"] for r in reports))
        finally:
            stop.set()
            thread.join(timeout=10)
    assert not thread.is_alive()
    assert [len(r.deleted) for r in reports] == [0] * len(reports)


def test_the_watcher_logs_a_sync_the_full_disk_stopped_and_carries_on(indexer, docs: Path, index_settings, caplog) -> None:  # type: ignore[no-untyped-def]
    from index.watch import watch

    reports: list = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(lambda progress: indexer.sync(docs, progress=progress), docs),
        kwargs={"debounce": 0.3, "on_sync": reports.append, "stop": stop},
    )
    with caplog.at_level(logging.WARNING, logger="index.watch"):
        thread.start()
        try:
            assert wait_until(lambda: len(reports) == 1)
            with disk_full(largest_file(index_settings.data_dir)):
                add_notes(docs, 12)
                assert wait_until(lambda: any("the index could not be written" in r.message for r in caplog.records))
            assert thread.is_alive() and len(reports) == 1
            (docs / "note.txt").write_text("The harbour master logged 87 ships in March.", encoding="utf-8")
            assert wait_until(lambda: len(reports) == 2, 60)
        finally:
            stop.set()
            thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(reports[1].added) + len(reports[1].updated) == 13 and consistent(indexer)


def test_the_app_starts_on_its_existing_index_when_the_folder_is_not_there(citewise, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    # A drive not mounted yet, or a mistyped CITEWISE_DOCS_DIR: the app stopped at start with a traceback.
    from app import startup_sync

    docs = citewise.library.docs_dir
    shutil.move(docs, tmp_path / "aside")
    with caplog.at_level(logging.WARNING, logger="citewise.app"):
        assert startup_sync(citewise) is None
    assert any(f"documents folder {docs} does not exist" in r.message for r in caplog.records)
    answer = citewise.assistant.ask(WHO_QUESTION).complete()
    assert not answer.refused and "20 million" in answer.text


def test_the_app_starts_on_its_existing_index_when_the_folder_is_empty(citewise, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    from app import startup_sync
    from ui.documents import rows, sync_markdown

    docs = citewise.library.docs_dir
    shutil.move(docs, tmp_path / "aside")
    docs.mkdir()
    with caplog.at_level(logging.WARNING, logger="citewise.app"):
        assert startup_sync(citewise) is None
    assert any("serving the existing index" in r.message and "5 of the 5" in r.message for r in caplog.records)
    assert len(citewise.indexer.store.documents()) == 5
    answer = citewise.assistant.ask(WHO_QUESTION).complete()
    assert not answer.refused and "20 million" in answer.text
    # The Documents tab's Re-index shows the refusal and keeps listing every document.
    status = sync_markdown(citewise.library)
    assert status.startswith("**Index not changed:** refused to delete 5 of the 5 indexed documents"), status
    assert len(rows(citewise.library)) == 5


# --- A full disk --------------------------------------------------------------------------------------

FULL = r"the index could not be written \(.+\)\. Is the disk full or read-only\?"


def consistent(indexer) -> bool:  # type: ignore[no-untyped-def]
    """Whether every document is whole, in one version, with as many keyword rows as chunks."""
    documents = indexer.store.documents()
    keywords = indexer.keywords.counts()
    return (
        all(
            len(doc.hashes) == 1 and doc.stored_chunks == doc.chunk_count == keywords.get((source, next(iter(doc.hashes))))
            for source, doc in documents.items()
        )
        and sum(keywords.values()) == indexer.store.count()
    )


# How far past its largest file the index may grow before the disk is full, eight chunks a write: no room (the first
# write fails in SQLite), a little (Chroma logs the first write, then fails to apply it: it holds chunks the keyword
# index lacks), more (the first write is whole, the second fails).
@pytest.mark.parametrize("room", [0, 8_192, 150_000])
def test_a_sync_that_fills_the_disk_says_so_keeps_the_index_and_the_next_one_finishes(
    docs: Path, fake_embedder, tmp_path: Path, room: int
) -> None:  # type: ignore[no-untyped-def]
    settings = IndexSettings(data_dir=tmp_path / "data", write_batch=8)
    indexer = build_indexer(settings, embedder=fake_embedder)
    indexer.sync(docs)
    seeds = {source: doc.hashes for source, doc in indexer.store.documents().items()}
    add_notes(docs, 40)
    with disk_full(largest_file(settings.data_dir) + room), pytest.raises(IndexWriteError, match=FULL):
        indexer.sync(docs)
    # The seeds are as they were, and still found.
    assert {source: indexer.store.documents()[source].hashes for source in seeds} == seeds
    retriever = Retriever(indexer.store, indexer.keywords, fake_embedder, None)
    assert WHO_SOURCE in {p.source for p in retriever.search(WHO_QUESTION, SearchOptions(top_k=5)).passages}
    # Once there is room, the next sync in this same process finishes the job (Chroma's client of the failed write
    # would hang on it: the store opened a fresh one) and leaves what a clean build of the folder leaves.
    report = returns_within(lambda: indexer.sync(docs), 120, "the sync after the disk was full")
    assert report.failed == [] and set(seeds) <= set(report.unchanged)
    assert len(report.added) + len(report.updated) + len(report.unchanged) == 45  # updated: caught mid-write
    assert consistent(indexer)
    clean = build_indexer(IndexSettings(data_dir=tmp_path / "clean"), embedder=fake_embedder)
    clean.sync(docs)
    assert sorted(i for i, _ in indexer.store.iter_metadatas()) == sorted(i for i, _ in clean.store.iter_metadatas())
    assert indexer.keywords.counts() == clean.keywords.counts()


def test_searches_running_while_failed_writes_reopen_the_index_all_answer(docs: Path, fake_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The fresh client is put in place, and the old one closed, while the chat's searches run in other threads.
    settings = IndexSettings(data_dir=tmp_path / "data", write_batch=8)
    indexer = build_indexer(settings, embedder=fake_embedder)
    indexer.sync(docs)
    retriever = Retriever(indexer.store, indexer.keywords, fake_embedder, None, cache=indexer.cache)
    stop, answered, failures = threading.Event(), [0], []

    def search() -> None:
        while not stop.is_set():
            try:
                assert WHO_SOURCE in {p.source for p in retriever.search(WHO_QUESTION, SearchOptions(top_k=5)).passages}
                answered[0] += 1
            except Exception as error:  # every failure is the finding
                failures.append(error)

    searchers = [threading.Thread(target=search) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        for round_ in range(3):
            (docs / f"more_{round_}.txt").write_text(" ".join(f"Line {round_}-{j} about the lagoon." for j in range(300)))
            with disk_full(largest_file(settings.data_dir) + 8_192), pytest.raises(IndexWriteError):
                indexer.sync(docs)
            assert returns_within(lambda: indexer.sync(docs), 120, "the sync after the disk was full").failed == []
    finally:
        stop.set()
        for thread in searchers:
            thread.join(timeout=30)
    assert failures == [] and answered[0] > 0 and consistent(indexer)


def test_deleting_a_document_on_a_full_disk_says_so_and_the_next_sync_drops_it(indexer, index_settings, docs: Path) -> None:  # type: ignore[no-untyped-def]
    library = Library(docs, indexer, max_upload_bytes=1_000_000)
    victim = "003_8cf9f7c4be1979b2.txt"
    with disk_full(1), pytest.raises(IndexWriteError, match=FULL):
        library.delete(victim)  # the file goes; the index cannot write its removal
    assert not (docs / victim).exists() and victim in indexer.store.documents()
    report = returns_within(lambda: indexer.sync(docs), 120, "the sync after the disk was full")
    assert report.deleted == [victim] and consistent(indexer) and len(indexer.store.documents()) == 4


def test_the_app_serves_and_every_front_end_says_why_when_the_disk_is_full(citewise, caplog) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api import Access, create_api
    from app import startup_sync
    from ui.documents import sync_markdown

    docs = citewise.library.docs_dir
    add_notes(docs, 12)
    with disk_full(largest_file(citewise.settings.data_dir)):
        with caplog.at_level(logging.WARNING, logger="citewise.app"):
            assert startup_sync(citewise) is None
        assert any(
            "serving the existing index without syncing it: the index could not be written" in r.message for r in caplog.records
        )
        status = sync_markdown(citewise.library)
        assert status.startswith("**Sync stopped:** the index could not be written"), status
        with TestClient(create_api(citewise, Access())) as api:
            response = api.post("/v1/sync")
        assert response.status_code == 503 and response.json()["error"]["code"] == "index_write_failed"
        # The chat still answers from what was indexed.
        answer = citewise.assistant.ask(WHO_QUESTION).complete()
        assert not answer.refused and "20 million" in answer.text
    status = returns_within(lambda: sync_markdown(citewise.library), 120, "the Re-index after the disk was full")
    assert status.startswith("12 added, 0 updated, 5 unchanged"), status
    assert consistent(citewise.indexer)


def test_an_index_on_a_full_disk_that_cannot_be_opened_says_so_and_opens_once_there_is_room(
    docs: Path, fake_embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = IndexSettings(data_dir=tmp_path / "data")
    with closing(build_indexer(settings, embedder=fake_embedder)) as indexer:
        indexer.sync(docs)
        chunks = indexer.store.count()
    # Opening Chroma's database writes: on a disk with no room at all it fails, with the message, not a stack trace.
    with disk_full(1), pytest.raises(IndexWriteError, match=r"could not be opened \(.+\)\. Is the disk full or read-only\?"):
        build_indexer(settings, embedder=fake_embedder)
    # Chroma kept the system whose start failed, and would fail on it in this process for ever: it was let go.
    with closing(build_indexer(settings, embedder=fake_embedder)) as indexer:
        assert indexer.store.count() == chunks and indexer.sync(docs).embedded == 0


def test_the_index_cli_says_the_disk_is_full_and_exits_2(seeds_copy: Path, docs: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import index.__main__ as index_cli

    monkeypatch.setenv("CITEWISE_DATA_DIR", str(seeds_copy))
    add_notes(docs, 12)
    with disk_full(largest_file(seeds_copy)):
        assert index_cli.main(["sync", str(docs)]) == 2
    printed = capsys.readouterr()
    assert printed.err.startswith("error: the index could not be written (") and "Traceback" not in printed.err, printed.err
    assert index_cli.main(["sync", str(docs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 12


def test_a_sync_whose_chroma_server_is_gone_says_so_and_the_next_one_finishes(
    docs: Path, fake_embedder, tmp_path: Path, free_port: int
) -> None:  # type: ignore[no-untyped-def]
    settings = IndexSettings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port}")
    with chroma_server(tmp_path, free_port):
        indexer = build_indexer(settings, embedder=fake_embedder)
        assert len(indexer.sync(docs).added) == 5
    add_notes(docs, 12)
    with pytest.raises(
        IndexWriteError, match=r"the Chroma server could not be reached \(ConnectError: .+\); nothing was changed"
    ):
        indexer.sync(docs)
    with chroma_server(tmp_path, free_port):  # back, with what it held
        report = returns_within(lambda: indexer.sync(docs), 120, "the sync once the server was back")
        assert len(report.added) == 12 and len(report.unchanged) == 5 and consistent(indexer)
        indexer.close()


# --- A damaged index ----------------------------------------------------------------------------------


def damaged_index(docs: Path, fake_embedder, data: Path) -> IndexSettings:  # type: ignore[no-untyped-def]
    """An index of ``docs`` under ``data``, built and closed, for a test to damage."""
    settings = IndexSettings(data_dir=data)
    with closing(build_indexer(settings, embedder=fake_embedder)) as indexer:
        assert len(indexer.sync(docs).added) == 5
    return settings


def vector_files(settings: IndexSettings) -> Path:
    """The folder of the chunks' HNSW files (the largest of Chroma's segment folders; the other is the shared state's)."""
    folders = [path.parent for path in (settings.data_dir / "chroma").glob("*/data_level0.bin")]
    return max(folders, key=lambda folder: (folder / "data_level0.bin").stat().st_size)


def test_a_damaged_keyword_index_is_set_aside_and_filled_again_from_chroma(
    docs: Path, fake_embedder, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    settings = damaged_index(docs, fake_embedder, tmp_path / "data")
    path = settings.data_dir / f"{settings.collection}.keywords.sqlite"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a file cut short, as a crash of the machine leaves
    with (
        caplog.at_level(logging.WARNING, logger="index.keywords"),
        closing(build_indexer(settings, embedder=fake_embedder)) as indexer,
    ):
        assert any("is damaged" in r.message and "set aside" in r.message for r in caplog.records)
        assert indexer.sync(docs).embedded == 0 and consistent(indexer)  # every row back, nothing embedded
        retriever = Retriever(indexer.store, indexer.keywords, fake_embedder, None, cache=indexer.cache)
        hits = retriever.search(WHO_QUESTION, SearchOptions(top_k=5, mode="keyword")).passages
        assert WHO_SOURCE in {p.source for p in hits}
    assert len(list(settings.data_dir.glob(f"{path.name}.damaged-*"))) >= 1  # kept, never deleted


def keywords_damaged_in_use(docs: Path, fake_embedder, data: Path, table: str) -> tuple[IndexSettings, Path]:  # type: ignore[no-untyped-def]
    """An index of ``docs`` whose keyword index is damaged where opening it does not read (``damage_leaves``)."""
    settings = damaged_index(docs, fake_embedder, data)
    path = settings.data_dir / f"{settings.collection}.keywords.sqlite"
    damage_leaves(path, table)
    return settings, path


def set_aside_once(path: Path, caplog) -> bool:  # type: ignore[no-untyped-def]
    """Whether the keyword index at ``path`` was set aside once, and said so."""
    said = [r.message for r in caplog.records if "is damaged" in r.message and "set aside" in r.message]
    return len(said) == 1 and len(list(path.parent.glob(f"{path.name}.damaged-*[0-9]"))) == 1


@contextmanager
def opened(settings: IndexSettings, fake_embedder, caplog) -> Iterator[tuple[Indexer, Retriever]]:  # type: ignore[no-untyped-def]
    """The index at ``settings`` and a retriever over it that keeps its keyword index in line (as the app's does),
    with the keyword index's warnings captured; closed after."""
    with (
        caplog.at_level(logging.WARNING, logger="index.keywords"),
        closing(build_indexer(settings, embedder=fake_embedder)) as indexer,
    ):
        yield indexer, Retriever(indexer.store, indexer.keywords, fake_embedder, None, cache=indexer.cache)


def keyword_sources(retriever: Retriever, question: str) -> set[str]:
    """The documents of the five best keyword matches for ``question``."""
    return {p.source for p in retriever.search(question, SearchOptions(top_k=5, mode="keyword")).passages}


def test_a_keyword_index_damaged_past_what_opening_reads_is_set_aside_at_the_first_search_and_filled_again(
    docs: Path, fake_embedder, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    # Before, every question failed with "database disk image is malformed" until the file was deleted by hand.
    settings, path = keywords_damaged_in_use(docs, fake_embedder, tmp_path / "data", "chunks_data")
    with opened(settings, fake_embedder, caplog) as (indexer, retriever):
        assert not list(path.parent.glob(f"{path.name}.damaged-*"))  # opening it found nothing wrong
        assert WHO_SOURCE in keyword_sources(retriever, WHO_QUESTION)
        assert set_aside_once(path, caplog) and consistent(indexer)
        assert indexer.sync(docs).embedded == 0  # every row came back from Chroma: nothing to embed


def test_a_keyword_index_found_damaged_by_a_sync_is_filled_again_and_the_sync_finishes(
    docs: Path, fake_embedder, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    # The full-text index is first read when the sync writes the new note's rows: the write is made again after the
    # refill. The rows' columns, damaged instead, are first read when the sync plans.
    for table in ("chunks_data", "chunks_content"):
        caplog.clear()
        settings, path = keywords_damaged_in_use(docs, fake_embedder, tmp_path / table, table)
        (docs / "quillmark.txt").write_text(QUILLMARK, encoding="utf-8")
        with opened(settings, fake_embedder, caplog) as (indexer, retriever):
            report = indexer.sync(docs)
            assert report.added == ["quillmark.txt"] and report.failed == [] and report.embedded == 1, (table, report)
            assert set_aside_once(path, caplog) and consistent(indexer), table
            assert WHO_SOURCE in keyword_sources(retriever, WHO_QUESTION)
            assert "quillmark.txt" in keyword_sources(retriever, "How many meteors did Quillmark record?")
        (docs / "quillmark.txt").unlink()


def test_searches_that_find_the_keyword_index_damaged_at_once_all_answer_and_it_is_set_aside_once(
    docs: Path, fake_embedder, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    settings, path = keywords_damaged_in_use(docs, fake_embedder, tmp_path / "data", "chunks_data")
    with opened(settings, fake_embedder, caplog) as (indexer, retriever):
        indexer.cache.refresh()  # caught up: the searches below go straight to the damaged full-text index
        start = threading.Barrier(4)
        found: list[set[str]] = []

        def search() -> None:
            start.wait()
            found.append(keyword_sources(retriever, WHO_QUESTION))

        threads = [threading.Thread(target=search) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(found) == 4 and all(WHO_SOURCE in sources for sources in found), found
        assert set_aside_once(path, caplog) and consistent(indexer)


def test_two_processes_that_find_the_keyword_index_damaged_set_it_aside_once_and_share_the_new_one(
    docs: Path, fake_embedder, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    # Two connections to one file, as the app and a sync from the command line have: the second must not set aside the
    # sound file the first just made, and reads it from its next call on.
    _, path = keywords_damaged_in_use(docs, fake_embedder, tmp_path / "data", "chunks_data")
    with (
        caplog.at_level(logging.WARNING, logger="index.keywords"),
        closing(KeywordIndex(path)) as first,
        closing(KeywordIndex(path)) as second,
    ):
        with pytest.raises(KeywordIndexReset, match="is damaged"):
            first.search(WHO_QUESTION, 5)
        assert second.search(WHO_QUESTION, 5) == []  # the new file, empty until filled: not the damaged one
        assert set_aside_once(path, caplog)
        assert any("set aside by another process" in r.message for r in caplog.records)
        first.add([("note#0", "note.txt", "h", QUILLMARK)])
        assert [hit.source for hit in second.search("Quillmark meteors", 5)] == ["note.txt"]


def test_a_keyword_index_another_process_put_anew_is_read_from_the_next_call(tmp_path: Path) -> None:
    # SQLite goes on reading and writing a file that was moved: this process searched the file set aside, missing all
    # the other process wrote, and wrote its own rows there.
    path = tmp_path / "index.keywords.sqlite"
    with closing(KeywordIndex(path)) as first:
        first.add([("note#0", "note.txt", "h", QUILLMARK)])
        set_aside(path)  # as another process does when it finds the file damaged
        with closing(KeywordIndex(path)) as other:
            other.add([("lagoon#0", "lagoon.txt", "h", "The lagoon herons nest in spring.")])

        assert [hit.source for hit in first.search("lagoon herons", 5)] == ["lagoon.txt"]
        first.add([("meadow#0", "meadow.txt", "h", "Meadow larks sing at dawn.")])
    with closing(KeywordIndex(path)) as later:
        assert {hit.source for hit in later.search("meadow larks lagoon herons", 5)} == {"lagoon.txt", "meadow.txt"}


def test_a_damaged_chroma_database_is_named_and_rebuild_sets_it_aside(docs: Path, fake_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = damaged_index(docs, fake_embedder, tmp_path / "data")
    database = settings.data_dir / "chroma" / "chroma.sqlite3"
    database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])
    with pytest.raises(IndexDamagedError, match=r"could not be opened .*its database is damaged\. `python -m index rebuild`"):
        build_indexer(settings, embedder=fake_embedder)
    with closing(build_indexer(settings, embedder=fake_embedder, rebuild=True)) as rebuilder:
        assert len(rebuilder.rebuild(docs).added) == 5 and consistent(rebuilder)
    assert [path.name.startswith("chroma.damaged-") for path in settings.data_dir.iterdir() if path.is_dir()].count(True) == 1


@pytest.fixture
def compacted(docs: Path, fake_embedder, tmp_path: Path) -> IndexSettings:  # type: ignore[no-untyped-def]
    """An index of the seeds and 1,000 notes, closed: past Chroma's compaction, so its vectors are read from its files.

    Below about 1,000 writes Chroma reads its log, never those files, and no damage to them would show.
    """
    add_notes(docs, 1000)
    settings = IndexSettings(data_dir=tmp_path / "data")
    with closing(build_indexer(settings, embedder=fake_embedder)) as indexer:
        indexer.sync(docs)
    return settings


def test_vector_files_cut_short_are_named_before_chroma_reads_them_and_rebuild_sets_them_aside(
    compacted: IndexSettings, docs: Path, fake_embedder
) -> None:  # type: ignore[no-untyped-def]
    # hnswlib trusts the header: on files cut short Chroma's first search ended the process (SIGSEGV, bench/HISTORY.md).
    level0 = vector_files(compacted) / "data_level0.bin"
    level0.write_bytes(level0.read_bytes()[:1000])
    with pytest.raises(IndexDamagedError, match=r"is damaged: .+ files are cut short .+`python -m index rebuild` sets it aside"):
        build_indexer(compacted, embedder=fake_embedder)
    with closing(build_indexer(compacted, embedder=fake_embedder, rebuild=True)) as rebuilder:
        assert len(rebuilder.rebuild(docs).added) == 1005 and consistent(rebuilder)
    assert len(list(compacted.data_dir.glob("chroma.damaged-*"))) == 1


def test_vectors_chroma_cannot_load_are_named_by_search_and_sync_and_rebuild_replaces_them(
    compacted: IndexSettings, docs: Path, fake_embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from ui.documents import rows

    header = vector_files(compacted) / "header.bin"
    header.write_bytes(b"\x07" + header.read_bytes()[1:])  # a format version no reader knows: Chroma refuses it
    damaged = r"the index could not be read \(InternalError: .+\)\. If its files are damaged, `python -m index rebuild`"
    with closing(build_indexer(compacted, embedder=fake_embedder)) as indexer:
        retriever = Retriever(indexer.store, indexer.keywords, fake_embedder, None)
        with pytest.raises(IndexDamagedError, match=damaged):
            retriever.search(WHO_QUESTION, SearchOptions(top_k=5))
        with pytest.raises(IndexDamagedError, match=damaged):
            indexer.sync(docs)
        # The Documents tab's table says why it lists nothing, and a delete says why it failed.
        library = Library(docs, indexer, max_upload_bytes=1_000_000)
        [row] = rows(library)
        assert re.fullmatch(f"failed: {damaged}.*", row[4])
        with pytest.raises(IndexDamagedError, match=damaged):
            library.delete("absent.txt")
    (tmp_path / "empty").mkdir()
    with closing(build_indexer(compacted, embedder=fake_embedder, rebuild=True)) as rebuilder:
        # The collection cannot be read, so a rebuild judges its folder by the keyword index's documents: an empty
        # folder is still refused.
        with pytest.raises(UnsafeSyncError, match="1005 of the 1005"):
            rebuilder.rebuild(tmp_path / "empty")
        assert len(rebuilder.rebuild(docs).added) == 1005 and consistent(rebuilder)
        retriever = Retriever(rebuilder.store, rebuilder.keywords, fake_embedder, None)
        assert WHO_SOURCE in {p.source for p in retriever.search(WHO_QUESTION, SearchOptions(top_k=5)).passages}


# --- Rebuild and the lock ------------------------------------------------------------------------------


def test_rebuild_holds_the_writer_lock_from_the_drop_to_the_end(
    indexer, index_settings: IndexSettings, fake_embedder, docs: Path, held_lock
) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(indexer)
    rebuilder = build_indexer(index_settings, embedder=fake_embedder, rebuild=True)
    rebuilder.lock_timeout = 0.3
    with pytest.raises(IndexBusyError):
        rebuilder.rebuild(docs)
    assert snapshot(indexer) == before, "the rebuild dropped the index without the writer lock"
    held_lock.set()

    held_during_sync: list[bool] = []
    rebuilder.lock_timeout = 30
    report = rebuilder.rebuild(docs, lambda *_: held_during_sync.append(not lock_is_free(rebuilder.lock_path)))
    assert len(report.added) == 5 and report.chunks == before[0]
    assert held_during_sync and all(held_during_sync)
    # The first, timed-out rebuild left its waiting thread queued for the lock; it takes the lock when its turn
    # comes, which may be after this rebuild, and lets go of it at once.
    assert wait_until(lambda: lock_is_free(rebuilder.lock_path), 30)


def test_rebuild_refuses_a_missing_or_empty_folder_before_dropping_anything(
    indexer, index_settings: IndexSettings, fake_embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(indexer)
    rebuilder = build_indexer(index_settings, embedder=fake_embedder, rebuild=True)
    with pytest.raises(FileNotFoundError):
        rebuilder.rebuild(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnsafeSyncError, match="5 of the 5"):
        rebuilder.rebuild(tmp_path / "empty")
    assert snapshot(indexer) == before
    assert rebuilder.rebuild(tmp_path / "empty", allow_mass_delete=True).chunks == 0


def test_an_index_opened_for_rebuild_with_other_settings_is_not_synced_into(
    indexer, tmp_path: Path, fake_embedder, docs: Path
) -> None:  # type: ignore[no-untyped-def]
    other = IndexSettings(data_dir=tmp_path / "data", chunk_tokens=100)
    rebuilder = build_indexer(other, embedder=fake_embedder, rebuild=True)
    with pytest.raises(IndexMismatchError, match="rebuild"):
        rebuilder.sync(docs)
    rebuilder.rebuild(docs)
    assert rebuilder.sync(docs).embedded == 0
    # The first indexer, opened with the old settings, now holds a handle to a collection that
    # was rebuilt with other ones: it says so instead of mixing vectors.
    with pytest.raises(IndexMismatchError, match="chunk_tokens"):
        indexer.store.count()


def test_a_store_opened_before_a_rebuild_reopens_the_rebuilt_collection(
    indexer, index_settings: IndexSettings, fake_embedder, docs: Path
) -> None:  # type: ignore[no-untyped-def]
    # `indexer` plays the running app, `cli` the `python -m index rebuild` beside it.
    retriever = Retriever(indexer.store, indexer.keywords, fake_embedder, None)
    stale = indexer.store.collection.id
    (docs / "003_8cf9f7c4be1979b2.txt").write_text(QUILLMARK, encoding="utf-8")
    cli = build_indexer(index_settings, embedder=fake_embedder, rebuild=True)
    cli.rebuild(docs)
    assert cli.store.collection.id != stale == indexer.store.collection.id

    # Dense search goes through llama-index's ChromaVectorStore, BM25 hits are fetched by id: both recover.
    found = retriever.search("How many meteors did the Quillmark observatory record?", SearchOptions(rerank=False))
    assert found.relevant[0].source == "003_8cf9f7c4be1979b2.txt" and "318 meteors" in found.relevant[0].text
    assert indexer.store.collection.id == cli.store.collection.id

    cli.rebuild(docs)  # again, so the next call is the first on a stale handle
    keyword_only = retriever.search("Quillmark meteors", SearchOptions(mode="keyword", rerank=False))
    assert [p.text for p in keyword_only.relevant] == [QUILLMARK]

    cli.rebuild(docs)
    stored = indexer.store.documents()
    assert len(stored) == 5 and stored["003_8cf9f7c4be1979b2.txt"].stored_chunks == 1
    cli.rebuild(docs)
    again = indexer.sync(docs)  # writes and reads through the reopened collection, re-embedding nothing
    assert (len(again.unchanged), again.embedded, again.chunks) == (5, 0, cli.store.count())
    (docs / "new.txt").write_text("The Brackwater ferry carries 42 bicycles.", encoding="utf-8")
    cli.rebuild(docs)
    (docs / "new.txt").write_text("The Brackwater ferry carries 43 bicycles.", encoding="utf-8")
    assert indexer.sync(docs).updated == ["new.txt"]
    assert cli.store.collection.get(where={"source": "new.txt"}, include=["documents"])["documents"] == [
        "The Brackwater ferry carries 43 bicycles."
    ]


def test_a_writer_gives_up_after_the_lock_timeout_naming_the_lock(indexer, docs: Path, held_lock, caplog) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(indexer)
    (docs / "new.txt").write_text("A brand new note about otters.", encoding="utf-8")
    indexer.lock_timeout = 0.5
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="index.sync"), pytest.raises(IndexBusyError) as busy:
        returns_within(lambda: indexer.sync(docs), 120, "the waiting sync")
    # It waited out its timeout before giving up (a lower bound: no machine is too slow for it).
    assert time.monotonic() - began >= 0.5
    assert str(indexer.lock_path) in str(busy.value) and "CITEWISE_LOCK_TIMEOUT" in str(busy.value)
    assert isinstance(busy.value, TimeoutError)
    assert [r.message for r in caplog.records] == [f"waiting for another sync to finish (lock file {indexer.lock_path})"]
    assert snapshot(indexer) == before

    held_lock.set()
    # The abandoned wait takes the lock when it is freed and hands it straight back.
    assert wait_until(lambda: lock_is_free(indexer.lock_path))
    indexer.lock_timeout = 30
    assert indexer.sync(docs).added == ["new.txt"]


def test_a_waiting_writer_queues_on_the_lock_and_goes_on_when_it_is_freed(indexer, docs: Path, held_lock, caplog) -> None:  # type: ignore[no-untyped-def]
    (docs / "new.txt").write_text("A brand new note about otters.", encoding="utf-8")
    waits: list[Path] = []
    indexer.on_lock_wait = waits.append
    results: list = []
    writer = threading.Thread(target=lambda: results.append(indexer.sync(docs)))
    writer.start()
    # The callback tells the user (the CLI prints it), in place of the warning in the log.
    # Queued in the kernel, as /proc/locks shows a blocked flock ("->"), not polling.
    assert wait_until(lambda: waiting_on_lock(os.getpid(), indexer.lock_path))
    assert writer.is_alive() and waits == [indexer.lock_path]
    held_lock.set()
    writer.join(timeout=60)
    assert results and results[0].added == ["new.txt"]
    assert lock_is_free(indexer.lock_path)
    assert not [r for r in caplog.records if r.name == "index.sync" and r.levelno >= logging.WARNING]


def test_no_wait_no_message(indexer, docs: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    waits: list[Path] = []
    indexer.on_lock_wait = waits.append
    with caplog.at_level(logging.WARNING, logger="index.sync"):
        indexer.sync(docs)
    assert waits == [] and caplog.records == []


def _held_under(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open."""
    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed while we looked
        if target.startswith(f"{folder}/"):
            held.append(target)
    return held


def test_a_closed_index_holds_no_file_nor_reader_and_its_folder_can_be_made_anew(settings, seeds_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant import build_citewise

    before = reading_children()
    with build_citewise(settings, embedder=embedder) as built:
        (settings.docs_dir / "otters.txt").write_text("Sea otters hold hands while they sleep.", encoding="utf-8")
        assert built.indexer.sync(settings.docs_dir).added == ["otters.txt"]  # read by a reader child, which stays
        assert built.ask(WHO_QUESTION).citations
        held = _held_under(settings.data_dir)
        assert any(path.endswith("chroma.sqlite3") for path in held) and any("keywords" in path for path in held)
        assert reading_children() - before
    # Chroma's stopped system is a cycle of objects that holds its files until Python's cycle collector frees it (it
    # runs on its own as objects are made; here, at once). Before, the class-wide table of open systems kept it forever.
    gc.collect()
    assert _held_under(settings.data_dir) == []
    assert wait_until(lambda: not reading_children() - before, 10)  # the idle reader stopped
    built.close()  # a second close does nothing
    with pytest.raises(IndexClosedError, match="the index is closed"):
        built.ask(WHO_QUESTION)
    # The folder deleted and made again while the process lives on (a user starting over): Chroma's system for that
    # path was stopped, not kept with its handles on the deleted files, so the new index is written and read.
    shutil.rmtree(settings.data_dir)
    with build_citewise(settings, embedder=embedder) as again:
        assert len(again.indexer.sync(settings.docs_dir).added) == 6
        assert again.ask(WHO_QUESTION).citations
