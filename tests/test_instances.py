"""Several app instances, one Chroma server: each keeps its own data folder, and none of them can disagree.

Chroma holds the chunks; each instance's keyword index is a cache of it, refreshed when another instance
writes. One real ``chroma run`` server serves the module; each test uses its own collection on it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import REPO, launch_app, run_app
from polling import wait_until
from starlette.applications import Starlette
from starlette.testclient import TestClient
from stores import chroma_server, keyword_rows

from assistant import Settings, build_citewise
from index import FolderMismatchError, IndexBusyError, IndexSettings, UploadError, build_indexer
from index.lease import Holder
from index.loader import load
from index.shared import MARKER_FILE
from ui.viewer import FROM_INDEX, document_routes

LANTERNS = "vellmark.txt"
LANTERN_TEXT = (
    "Vellmark ferry guild yearbook\n\n"
    "The Vellmark ferry guild repaired 412 brass lanterns in March 2024. "
    "Each lantern was fitted with a new wick of waxed hemp.\n\n"
    "The guild's workshop stands beside the eastern slipway. Its apprentices paint the hulls every spring."
)
LANTERN_QUESTION = "How many brass lanterns did the Vellmark ferry guild repair?"
BASE = {
    "orchard.txt": "The Hollin orchard grows nine kinds of pear. Its cider press dates from 1911.",
    "bridge.md": "# Tarrow bridge\n\nThe Tarrow bridge has seven stone arches. It was widened in 1987 for lorries.",
}
WORDS = "amber basalt cedar delta ember fjord garnet harbor indigo juniper kelp lagoon marble nectar onyx prairie".split()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real ``chroma run`` server for the module."""
    from browser_support import free_port

    with chroma_server(tmp_path_factory.mktemp("chroma"), free_port()) as url:
        yield url


@pytest.fixture
def collection() -> str:
    """A collection of its own on the module's server."""
    return f"t{uuid.uuid4().hex[:12]}"


def folder(path: Path, documents: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in documents.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def instance(data: Path, docs: Path, url: str, collection: str, embedder: Any, **overrides: Any) -> Any:
    """A Citewise over its own data folder, on the shared server (what each app process builds)."""
    settings = Settings(data_dir=data, docs_dir=docs, chroma_url=url, collection=collection, reranker="none", **overrides)
    return build_citewise(settings, embedder=embedder)


def keyword_ids(citewise: Any) -> list[str]:
    return sorted(row.chunk_id for row in citewise.indexer.keywords.rows())


def chroma_ids(citewise: Any) -> list[str]:
    return sorted(chunk_id for chunk_id, _ in citewise.indexer.store.iter_metadatas())


def sources_found(citewise: Any, query: str, mode: str) -> list[str]:
    from assistant.retrieval import SearchOptions

    return [p.source for p in citewise.search(query, options=SearchOptions(mode=mode, rerank=False)).passages]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- two app processes


def test_two_app_processes_answer_alike_about_what_either_wrote(tmp_path: Path, chroma_url: str, warm_python: Any) -> None:
    docs = folder(tmp_path / "shared-docs", BASE)
    env = {"CITEWISE_CHROMA_URL": chroma_url, "CITEWISE_COLLECTION": "apps"}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    # Both start at once and both sync the shared folder at start-up: one writes, the other waits for the lease.
    launched = [launch_app(tmp_path / name, docs, extra_env=env, popen=warm_python) for name in ("a", "b")]
    with (
        run_app(tmp_path / "a", docs, extra_env=env, launched=launched[0], popen=warm_python) as a,
        run_app(tmp_path / "b", docs, extra_env=env, launched=launched[1], popen=warm_python) as b,
    ):
        assert a.data_dir != b.data_dir
        uploaded = httpx.post(f"{a.url}v1/documents", files={"file": (LANTERNS, LANTERN_TEXT.encode())}, timeout=120)
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["sync"]["added"] == 1

        # B, never restarted, finds it by both retrievers: its keyword index caught up from Chroma.
        found = httpx.post(f"{b.url}v1/search", json={"query": "Vellmark brass lanterns", "top_k": 3}, timeout=120).json()
        best = found["results"][0]
        assert best["source"] == LANTERNS
        assert best["scores"]["bm25"] is not None and best["scores"]["dense"] is not None
        completion = httpx.post(
            f"{b.url}v1/chat/completions",
            json={"model": "citewise", "messages": [{"role": "user", "content": LANTERN_QUESTION}]},
            timeout=120,
        ).json()
        assert not completion["refused"] and "412" in completion["choices"][0]["message"]["content"]
        cited = completion["citations"][0]
        assert cited["source"] == LANTERNS
        viewer = httpx.get(cited["url"].replace(a.url, b.url), timeout=60)
        assert viewer.status_code == 200 and "412 brass lanterns" in viewer.text
        assert httpx.get(f"{b.url}v1/status", timeout=60).json()["documents"] == 3

        assert httpx.delete(f"{a.url}v1/documents/{LANTERNS}", timeout=120).status_code == 200
        found = httpx.post(f"{b.url}v1/search", json={"query": "Vellmark brass lanterns", "top_k": 5}, timeout=120).json()
        assert LANTERNS not in {r["source"] for r in found["results"]}
        completion = httpx.post(
            f"{b.url}v1/chat/completions",
            json={"model": "citewise", "messages": [{"role": "user", "content": LANTERN_QUESTION}]},
            timeout=120,
        ).json()
        assert LANTERNS not in {c["source"] for c in completion["citations"]}
        # Neither started a second copy of the shared documents: each chunk is in Chroma once.
        assert httpx.get(f"{a.url}v1/status", timeout=60).json()["documents"] == 2


# --------------------------------------------------------------------------- a writer killed mid-sync


def corpus(path: Path, count: int) -> Path:
    rng = random.Random(11)
    documents = {
        f"gen_{i:03d}.txt": " ".join(
            f"Ledger {i}-{j} lists {rng.choice(WORDS)} and {rng.choice(WORDS)} at post {rng.randint(1, 999)}." for j in range(12)
        )
        for i in range(count)
    }
    return folder(path, documents)


def test_a_writer_killed_mid_sync_and_a_reader_converge_to_a_clean_build(
    tmp_path: Path, chroma_url: str, collection: str, embedder: Any, warm_python: Any
) -> None:
    docs = corpus(tmp_path / "docs", 40)
    clean = build_indexer(IndexSettings(data_dir=tmp_path / "clean"), embedder=embedder)
    clean.sync(docs)
    expected = sorted(chunk_id for chunk_id, _ in clean.store.iter_metadatas())
    assert len(expected) >= 40

    reader = instance(tmp_path / "b", docs, chroma_url, collection, embedder)
    assert sources_found(reader, "Ledger amber", "keyword") == []  # B is up, and the index is empty
    a_data = tmp_path / "a"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "CITEWISE_DATA_DIR": str(a_data),
        "CITEWISE_CHROMA_URL": chroma_url,
        "CITEWISE_COLLECTION": collection,
        "CITEWISE_WRITE_BATCH": "8",
    }
    writer = warm_python(
        [sys.executable, "-m", "index", "sync", str(docs), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    keywords = a_data / f"{collection}.keywords.sqlite"
    wait_until(lambda: writer.poll() is not None or keyword_rows(keywords) >= 8, 180, interval=0.02)
    assert writer.poll() is None, "the sync finished before it could be killed"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert 0 < reader.indexer.store.count() < len(expected)

    # A starts again (a new process on the same machine breaks the dead one's lease at once) and finishes.
    restarted = instance(a_data, docs, chroma_url, collection, embedder)
    report = restarted.sync()
    assert report.failed == [] and report.chunks == len(expected)
    # B catches up before its next search, without a restart.
    assert sources_found(reader, "Ledger amber basalt", "keyword")
    assert chroma_ids(reader) == keyword_ids(reader) == keyword_ids(restarted) == expected
    assert reader.status().chunks == len(expected)


# --------------------------------------------------------------------------- the keyword cache


def test_the_keyword_cache_catches_up_by_document_and_repairs_itself(
    tmp_path: Path, chroma_url: str, collection: str, fake_embedder: Any
) -> None:
    docs = folder(tmp_path / "docs", BASE)
    a = instance(tmp_path / "a", docs, chroma_url, collection, fake_embedder)
    a.sync()
    b = instance(tmp_path / "b", docs, chroma_url, collection, fake_embedder)
    first = b.indexer.cache.refresh()
    assert first.full and first.added == a.status().chunks and keyword_ids(b) == chroma_ids(a)
    assert b.indexer.cache.refresh().added == 0  # nothing written since: one lookup, nothing done

    (docs / LANTERNS).write_text(LANTERN_TEXT, encoding="utf-8")
    a.sync()
    caught_up = b.indexer.cache.refresh()
    new_chunks = [i for i in chroma_ids(a) if i.startswith(LANTERNS)]
    assert not caught_up.full and (caught_up.added, caught_up.removed) == (len(new_chunks), 0)
    assert sources_found(b, "Vellmark lanterns", "keyword")[0] == LANTERNS

    # An edit replaces the document's rows; a delete drops them.
    (docs / LANTERNS).write_text(LANTERN_TEXT.replace("412", "415"), encoding="utf-8")
    a.sync()
    assert b.indexer.cache.refresh().removed == len(new_chunks)
    assert keyword_ids(b) == chroma_ids(a)
    a.delete_document(LANTERNS)
    assert sources_found(b, "Vellmark lanterns", "keyword") == []

    # Rows lost (or left over) in B's own file are repaired when it starts again.
    rows = b.indexer.keywords.rows()
    b.indexer.keywords.remove_rows([rows[0].rowid])
    b.indexer.keywords.add([("ghost.txt@0#0", "ghost.txt", "0", "a ghost row about lanterns")])
    restarted = instance(tmp_path / "b", docs, chroma_url, collection, fake_embedder)
    repaired = restarted.indexer.cache.refresh()
    assert repaired.full and (repaired.added, repaired.removed) == (1, 1)
    assert keyword_ids(restarted) == chroma_ids(a)


def test_an_embedded_index_repairs_lost_keyword_rows_at_start(tmp_path: Path, fake_embedder: Any) -> None:
    docs = folder(tmp_path / "docs", BASE)
    settings = Settings(data_dir=tmp_path / "data", docs_dir=docs, reranker="none")
    built = build_citewise(settings, embedder=fake_embedder)
    built.sync()
    built.indexer.keywords.reset()
    reopened = build_citewise(settings, embedder=fake_embedder)
    assert sources_found(reopened, "Tarrow bridge arches", "keyword")[0] == "bridge.md"
    assert keyword_ids(reopened) == chroma_ids(reopened)


# --------------------------------------------------------------------------- one documents folder


def test_an_instance_with_another_folder_refuses_to_write_but_answers(
    tmp_path: Path, chroma_url: str, collection: str, fake_embedder: Any
) -> None:
    shared = folder(tmp_path / "shared", BASE)
    a = instance(tmp_path / "a", shared, chroma_url, collection, fake_embedder)
    assert len(a.sync().added) == 2
    assert (shared / MARKER_FILE).is_file()
    stray = folder(tmp_path / "stray", {"other.txt": "Nothing about bridges here."})
    c = instance(tmp_path / "c", stray, chroma_url, collection, fake_embedder)
    before = chroma_ids(a)

    with pytest.raises(FolderMismatchError) as refused:
        c.sync()
    assert str(shared.resolve()) in str(refused.value) and str(stray.resolve()) in str(refused.value)
    with pytest.raises(UploadError):
        c.delete_document("other.txt")
    assert (stray / "other.txt").is_file() and chroma_ids(a) == before
    assert sources_found(c, "Tarrow bridge arches", "hybrid")[0] == "bridge.md"  # reading still works

    # The same share mounted at another path carries the same marker file: it is the same folder.
    mounted = Path(shutil.copytree(shared, tmp_path / "mounted-elsewhere"))
    elsewhere = instance(tmp_path / "d", mounted, chroma_url, collection, fake_embedder)
    assert elsewhere.sync().embedded == 0

    # Confirmed, the other folder takes the collection over.
    taken = c.sync(allow_mass_delete=True)
    assert taken.added == ["other.txt"] and sorted(taken.deleted) == sorted(BASE)
    with pytest.raises(FolderMismatchError):
        a.sync()


def test_the_viewer_rebuilds_a_document_that_is_not_on_this_server(
    tmp_path: Path, chroma_url: str, collection: str, embedder: Any
) -> None:
    here = folder(tmp_path / "here", {LANTERNS: LANTERN_TEXT * 3})
    # Small chunks, so the document has several, each overlapping the one before by a sentence.
    a = instance(tmp_path / "a", here, chroma_url, collection, embedder, chunk_tokens=40)
    a.sync()
    assert a.status().chunks > 3
    b = instance(tmp_path / "b", folder(tmp_path / "elsewhere", {}), chroma_url, collection, embedder, chunk_tokens=40)

    opened = b.open_document(LANTERNS)
    original = load(here / LANTERNS).text
    assert opened.from_index and opened.current
    assert opened.loaded.text.split() == original.split()
    for _, meta in a.indexer.store.iter_metadatas():
        start, end = meta["start_char"], meta["end_char"]
        assert opened.loaded.text[start:end] == original[start:end]  # every citation's offsets hold

    client = TestClient(Starlette(routes=document_routes(b)))
    start = original.index("412 brass")
    page = client.get(f"/documents/{LANTERNS}?from={start}&to={start + 20}&mark={start}-{start + 9}")
    assert page.status_code == 200
    assert FROM_INDEX.capitalize() in page.text and "download the original" not in page.text
    assert "<mark id=cited>412 brass</mark>" in page.text
    assert client.get(f"/documents/{LANTERNS}?download").status_code == 404
    assert a.open_document(LANTERNS).from_index is False  # where the file is, it is read from the file


# --------------------------------------------------------------------------- one writer


def test_one_writer_at_a_time_across_instances(tmp_path: Path, chroma_url: str, collection: str, fake_embedder: Any) -> None:
    docs = folder(tmp_path / "docs", BASE)
    a = instance(tmp_path / "a", docs, chroma_url, collection, fake_embedder)
    b = instance(tmp_path / "b", docs, chroma_url, collection, fake_embedder, lock_timeout=0.5)
    a.sync()
    (docs / LANTERNS).write_text(LANTERN_TEXT, encoding="utf-8")

    with a.indexer.lease.held(5):  # A is writing
        with pytest.raises(IndexBusyError) as busy:
            b.sync()
    assert "holds the writer lease" in str(busy.value) and "CITEWISE_LOCK_TIMEOUT" in str(busy.value)
    assert f"pid {os.getpid()}" in str(busy.value)

    # A lease its holder stopped renewing (crashed on another machine) is broken once it expires.
    dead = Holder("dead", "gone-host pid 1", "another machine", 1, 0, time.time() - 1)
    a.indexer.lease.collection.add(ids=["lease"], embeddings=[[1.0]], metadatas=[dead.to_metadata()])
    assert b.sync().added == [LANTERNS]

    # Two syncs at once, from both instances: neither duplicates nor loses a chunk.
    for i in range(6):
        (docs / f"extra_{i}.txt").write_text(f"Extra note {i} about the Tarrow ferry timetable.", encoding="utf-8")
    b.indexer.lock_timeout = 60
    reports: list[Any] = []
    threads = [threading.Thread(target=lambda c=c: reports.append(c.sync())) for c in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(reports) == 2 and sorted(len(r.added) for r in reports) == [0, 6]
    ids = [chunk_id for chunk_id, _ in a.indexer.store.iter_metadatas()]
    assert len(ids) == len(set(ids)) and len({i.split("@")[0] for i in ids}) == 9
    b.indexer.cache.refresh()
    a.indexer.cache.refresh()
    assert keyword_ids(a) == keyword_ids(b) == sorted(ids)


def test_an_instance_sees_another_ones_writes_in_its_documents_version(
    tmp_path: Path, chroma_url: str, collection: str, fake_embedder: Any
) -> None:
    # An open Documents tab polls its instance's documents version and lists again when it moved: another instance's
    # upload, sync or delete on the shared server must move it, or the tab would go on showing the list as it was.
    docs = folder(tmp_path / "docs", BASE)
    a = instance(tmp_path / "a", docs, chroma_url, collection, fake_embedder)
    b = instance(tmp_path / "b", docs, chroma_url, collection, fake_embedder)
    a.sync()
    seen = b.documents_version()
    assert b.documents_version() == seen and {d.source for d in b.documents()} == set(BASE)
    (docs / LANTERNS).write_text(LANTERN_TEXT, encoding="utf-8")
    a.sync()
    assert b.documents_version() != seen and LANTERNS in {d.source for d in b.documents()}
    seen = b.documents_version()
    assert a.delete_document(LANTERNS)
    assert b.documents_version() != seen and LANTERNS not in {d.source for d in b.documents()}


def test_the_change_log_names_what_each_write_touched(tmp_path: Path) -> None:
    from index.shared import SharedState
    from index.store import connect

    shared = SharedState(connect(IndexSettings(data_dir=tmp_path)), "log")
    assert shared.generation() == 0 and shared.changes_since(0) == set()
    assert shared.record(["a.txt"]) == 1
    assert shared.changes_since(0) == {"a.txt"}  # the generation record itself is no change
    shared.record(["b.txt", "c.txt"])
    assert shared.changes_since(0) == {"a.txt", "b.txt", "c.txt"} and shared.changes_since(1) == {"b.txt", "c.txt"}
    shared.record(None)  # a rebuild, or a writer that crashed: everything
    assert shared.changes_since(1) is None and shared.changes_since(3) == set()
