"""``python -m index sync DIR --watch``: the index follows the folder, also where file events fall short.

The first test runs the real model over the seeds, and one the app with ``CITEWISE_WATCH=1``; the others are about
when syncs happen, not what they embed, and use the fake embedder over an empty index.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import copy_seeds
from fakes import FakeEmbedder
from polling import wait_until

from index import Indexer, IndexSettings, build_indexer
from index.plan import SyncReport
from index.watch import folder_listing, watch


def sources(indexer: Indexer) -> set[str]:
    return {meta["source"] for _, meta in indexer.store.iter_metadatas()}


class Watching:
    """``watch`` running in a thread over ``docs``; stopped, and checked to have ended, when the test ends."""

    def __init__(self, indexer: Indexer, docs: Path, sync: Any = None, **options: Any) -> None:
        self.reports: list[SyncReport] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=watch,
            args=(sync or (lambda progress: indexer.sync(docs, progress=progress)), docs),
            kwargs={"on_sync": self.reports.append, "stop": self.stop, **options},
        )
        self.thread.start()
        assert wait_until(lambda: self.reports), "the first sync did not finish"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the watch did not stop"


@pytest.fixture
def watching() -> Iterator[Any]:
    started: list[Watching] = []

    def start(indexer: Indexer, docs: Path, **options: Any) -> Watching:
        started.append(Watching(indexer, docs, **options))
        return started[-1]

    yield start
    for each in started:
        each.close()


@pytest.fixture
def quick(tmp_path: Path, fake_embedder: FakeEmbedder) -> Indexer:
    """An empty index with the fake embedder."""
    return build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)


def test_watch_follows_adds_edits_and_deletes(seeds_copy: Path, embedder, docs: Path, watching) -> None:  # type: ignore[no-untyped-def]
    indexer = build_indexer(IndexSettings(data_dir=seeds_copy), embedder=embedder)
    run = watching(indexer, docs, debounce=0.3)
    note = docs / "note.md"
    # Written in pieces, as an editor or a copy would: only the settled content counts.
    with note.open("w", encoding="utf-8") as handle:
        handle.write("The harbour master logged ")
        handle.flush()
        time.sleep(0.1)
        handle.write("87 ships in March.")
    assert wait_until(lambda: "note.md" in sources(indexer))
    settled = ["The harbour master logged 87 ships in March."]
    assert wait_until(lambda: indexer.store.collection.get(where={"source": "note.md"})["documents"] == settled)
    assert indexer.keywords.search("harbour master ships", 5)[0].source == "note.md"
    note.unlink()
    assert wait_until(lambda: "note.md" not in sources(indexer))
    assert all(r.failed == [] for r in run.reports)


def test_a_folder_replaced_by_another_is_followed(quick: Indexer, tmp_path: Path, docs: Path, watching) -> None:
    # Renamed away and made anew (a deploy that swaps folders, a restore from backup): the file events watched the old
    # folder, and told of nothing in the new one, for ever. No rescans here: following the path must do it alone.
    watching(quick, docs, debounce=0.2, rescan=0)
    new = Path(shutil.copytree(docs, tmp_path / "docs.new"))
    (new / "tide.md").write_text("The tide table lists 14 spring tides.", encoding="utf-8")
    docs.rename(tmp_path / "docs.old")
    new.rename(docs)
    assert wait_until(lambda: "tide.md" in sources(quick)), "the new folder's own files were not indexed"
    (docs / "later.md").write_text("The lighthouse was painted red in 1921.", encoding="utf-8")
    assert wait_until(lambda: "later.md" in sources(quick)), "a file added to the new folder was not indexed"
    (tmp_path / "docs.old" / "stale.md").write_text("Written to the folder that was moved away.", encoding="utf-8")
    time.sleep(1.0)
    assert "stale.md" not in sources(quick)


def test_a_folder_that_goes_and_comes_back_is_watched_again(quick: Indexer, tmp_path: Path, docs: Path, watching) -> None:
    # A drive unmounted and mounted again: gone for a while, then back, as another folder (a copy here: another inode,
    # as a mount is another device; a folder renamed back is the same one, which the events never lost).
    watching(quick, docs, debounce=0.2, rescan=0)
    held = set(sources(quick))
    docs.rename(tmp_path / "away")
    time.sleep(1.5)  # the watch notices it gone, and says so
    assert sources(quick) == held, "the index lost documents while the folder was away"
    shutil.copytree(tmp_path / "away", docs)
    (docs / "back.md").write_text("The ferry runs twice a day in winter.", encoding="utf-8")
    assert wait_until(lambda: "back.md" in sources(quick))


def test_a_folder_not_there_when_the_watch_begins_is_synced_once_it_appears(quick: Indexer, tmp_path: Path) -> None:
    # The app serves its index when its folder is missing at start (a drive not mounted yet), then watches the path.
    later = tmp_path / "later"
    reports: list[SyncReport] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(lambda progress: quick.sync(later, progress=progress), later),
        kwargs={"debounce": 0.1, "rescan": 0, "synced": True, "on_sync": reports.append, "stop": stop},
    )
    thread.start()
    try:
        time.sleep(1.5)
        assert reports == []
        copy_seeds(later)
        assert wait_until(lambda: len(sources(quick)) == 5)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_changes_no_event_told_of_are_found_by_listing_the_folder(
    quick: Indexer, docs: Path, watching, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The kernel refuses a watch past its limit (a large tree), and a network file system sends no events for changes
    # made elsewhere: either way, no event comes. The rescans still find the change.
    from watchdog.observers import Observer

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(Observer, "schedule", refuse)
    with caplog.at_level(logging.WARNING, logger="index.watch"):
        run = watching(quick, docs, debounce=0.1, rescan=0.3)
        (docs / "quiet.md").write_text("The quarry closed in 1962.", encoding="utf-8")
        assert wait_until(lambda: "quiet.md" in sources(quick))
        (docs / "quiet.md").unlink()
        assert wait_until(lambda: any("quiet.md" in report.deleted for report in run.reports))
    assert "file events of" in caplog.text and "inotify watch limit reached" in caplog.text
    assert "listed every 0.3 s instead" in caplog.text
    synced = len(run.reports)
    time.sleep(1.0)  # three rescans of a folder that did not change: no sync
    assert len(run.reports) == synced


def test_a_watch_begun_after_a_sync_catches_what_changed_in_between(quick: Indexer, docs: Path, watching) -> None:
    # The app syncs at start, then starts its watch (synced=True): a file added in between told no event. Here nothing
    # of the folder is indexed yet, as if every file had come in between; the first rescan syncs them.
    watching(quick, docs, debounce=0.1, rescan=0.3, synced=True)
    assert sources(quick) == {path.name for path in docs.iterdir()}


def test_a_tree_too_deep_for_file_events_is_listed_instead(
    quick: Indexer, docs: Path, watching, deep_chain, caplog: pytest.LogCaptureFixture
) -> None:
    # watchdog walks the tree recursively to watch each folder: 1,200 levels raised RecursionError and ended the watch.
    deep_chain(docs, 1200)
    with caplog.at_level(logging.WARNING, logger="index.watch"):
        watching(quick, docs, debounce=0.1, rescan=0.3)
        (docs / "top.md").write_text("The bell tower has 8 bells.", encoding="utf-8")
        assert wait_until(lambda: "top.md" in sources(quick))
    assert "are unavailable (maximum recursion depth exceeded)" in caplog.text


def test_a_sync_that_failed_is_tried_again_without_another_change(quick: Indexer, docs: Path, watching) -> None:
    # Another writer held the lock past its timeout (a long rebuild from the command line): the change that sync was
    # for waited for the next change, however long that took.
    from index.sync import IndexBusyError

    calls: list[int] = []

    def busy_once(progress: Any) -> SyncReport:
        calls.append(1)
        if len(calls) == 2:
            raise IndexBusyError("another writer held the index's lock")
        return quick.sync(docs, progress=progress)

    watching(quick, docs, sync=busy_once, debounce=0.1, rescan=0.3)
    (docs / "later.md").write_text("The mill ground flour until 1950.", encoding="utf-8")
    assert wait_until(lambda: "later.md" in sources(quick))
    assert len(calls) >= 3


def test_a_file_written_without_end_holds_up_no_other(quick: Indexer, docs: Path, watching) -> None:
    # A log appended to every 50 ms keeps the folder from ever going quiet for the debounce: before, nothing synced.
    stop = threading.Event()

    def scribble() -> None:
        with (docs / "service.log.txt").open("a", encoding="utf-8") as log:
            while not stop.is_set():
                log.write("A line of the service's log.\n")
                log.flush()
                time.sleep(0.05)

    watching(quick, docs, debounce=0.5, rescan=0, max_delay=1.0)
    scribbler = threading.Thread(target=scribble)
    scribbler.start()
    try:
        (docs / "note.md").write_text("The orchard has 40 apple trees.", encoding="utf-8")
        assert wait_until(lambda: "note.md" in sources(quick), timeout=15)
    finally:
        stop.set()
        scribbler.join()


def test_the_listing_changes_with_what_a_sync_would_read(docs: Path, tmp_path: Path) -> None:
    before = folder_listing(docs)
    assert before == folder_listing(docs)
    (docs / ".hidden.md").write_text("not read", encoding="utf-8")
    (docs / "picture.png").write_bytes(b"\x89PNG")
    assert folder_listing(docs) == before, "a hidden file or a type no sync reads changed the listing"
    seed = next(docs.glob("*.txt"))
    stamp = seed.stat()
    seed.write_text(seed.read_text(encoding="utf-8") + " More.", encoding="utf-8")
    assert folder_listing(docs) != before
    os.utime(seed, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert folder_listing(docs) != before, "an edit that kept the time but not the size went unseen"
    assert folder_listing(tmp_path / "missing") is None


@pytest.mark.parametrize("option", ["--debounce", "--rescan"])
def test_watch_intervals_are_finite_seconds(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    from index.__main__ import main

    for bad in ("nan", "inf", "-1", "soon"):  # nan and inf would never sync; a negative is no interval
        with pytest.raises(SystemExit) as exited:
            main(["sync", "docs", "--watch", option, bad])
        assert exited.value.code == 2
        assert f"argument {option}: " in capsys.readouterr().err


def test_the_app_keeps_its_index_in_step_with_the_folder(tmp_path: Path, serve_app, seeds_index: Path) -> None:  # type: ignore[no-untyped-def]
    # CITEWISE_WATCH=1: a file saved into the folder is answered without a Re-index, and one deleted there goes, and
    # a file that fails is listed as failed, as after a Re-index.
    docs = copy_seeds(tmp_path / "docs")
    with serve_app(tmp_path, docs, extra_env={"CITEWISE_WATCH": "1"}, index_from=seeds_index) as app:

        def listed() -> dict[str, str]:
            documents = httpx.get(f"{app.url}v1/documents", timeout=30).json()["data"]
            return {document["source"]: document["status"] for document in documents}

        (docs / "pier.md").write_text("# Harbour\n\nThe north pier is 340 metres long.\n", encoding="utf-8")
        (docs / "empty.txt").write_text("", encoding="utf-8")
        assert wait_until(lambda: listed().get("pier.md") == "indexed", timeout=60)
        assert wait_until(lambda: listed().get("empty.txt") == "failed", timeout=60)
        found = httpx.post(f"{app.url}v1/search", json={"query": "How long is the north pier?"}, timeout=60).json()
        assert found["results"][0]["source"] == "pier.md"
        (docs / "pier.md").unlink()
        assert wait_until(lambda: "pier.md" not in listed(), timeout=60)
        assert len(listed()) == 6  # the seeds, and the empty file as failed
    log = app.log_path.read_text(encoding="utf-8")
    assert f"watching {docs}" in log and "the documents folder changed" in log
    assert "Traceback" not in log


@pytest.mark.parametrize(("value", "rule"), [("nan", "a finite number"), ("-5", "greater than or equal to 0")])
def test_the_apps_rescan_is_finite_seconds(value: str, rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from assistant import Settings
    from index.settings import invalid_settings

    monkeypatch.setenv("CITEWISE_WATCH_RESCAN_S", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert invalid_settings(refused.value) == f"invalid settings: CITEWISE_WATCH_RESCAN_S={value}: Input should be {rule}"


def test_a_dry_run_is_not_watched(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # It watched and wrote every change, as if --dry-run had not been given. Now refused before the index is opened.
    from index.__main__ import main

    monkeypatch.setenv("CITEWISE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SystemExit) as exited:
        main(["sync", str(docs), "--watch", "--dry-run"])
    assert exited.value.code == 2
    assert "--dry-run shows one sync's changes; it does not go with --watch" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
