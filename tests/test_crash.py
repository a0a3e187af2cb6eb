"""kill -9 during a sync, at several points: the next sync converges to exactly a clean build."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

from browser_support import REPO
from polling import wait_until
from stores import keyword_rows, make_corpus

from index import IndexSettings, build_indexer
from index.loader import load
from index.nodes import NodeBuilder


def state(settings: IndexSettings, embedder) -> tuple[list[str], dict[tuple[str, str], int]]:  # type: ignore[no-untyped-def]
    indexer = build_indexer(settings, embedder=embedder)
    ids = sorted(chunk_id for chunk_id, _ in indexer.store.iter_metadatas())
    return ids, indexer.keywords.counts()


def written_or_exited(process: Any, keywords: Path, rows: int) -> bool:
    """Whether the sync ``process`` has ended, or written at least ``rows`` keyword rows."""
    return process.poll() is not None or keyword_rows(keywords) >= rows


def test_killed_syncs_converge_to_a_clean_build(tmp_path: Path, embedder, warm_python) -> None:  # type: ignore[no-untyped-def]
    docs = make_corpus(tmp_path / "docs", 40)
    clean = IndexSettings(data_dir=tmp_path / "clean")
    clean_report = build_indexer(clean, embedder=embedder).sync(docs)
    expected = state(clean, embedder)
    assert len(expected[0]) == clean_report.chunks > 40

    crashed = IndexSettings(data_dir=tmp_path / "crashed")
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(crashed.data_dir), "CITEWISE_WRITE_BATCH": "8", "HF_HUB_OFFLINE": "1"}
    keywords = crashed.data_dir / f"{crashed.collection}.keywords.sqlite"
    kills = 0
    # Kill at growing depths into the write path; each run resumes from what the last one left. The depths are shares
    # of the whole, so that each of the three runs has rows left to be killed in, one of them allowed to end first
    # (at (1, 25, 60) rows the third never could, and two kills needed both others caught: ci229 missed one).
    total = len(expected[0])
    for target in (1, total // 3, 2 * total // 3):
        process = warm_python(
            [sys.executable, "-m", "index", "sync", str(docs), "--json"],
            cwd=REPO,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(partial(written_or_exited, process, keywords, target), 120, interval=0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
    assert kills >= 2, "the syncs finished before they could be killed; the corpus is too small"

    report = build_indexer(crashed, embedder=embedder).sync(docs)
    assert report.failed == []
    ids, counts = state(crashed, embedder)
    assert ids == expected[0], "same chunks, none missing, none duplicated"
    assert counts == expected[1]
    # And a further sync finds nothing to do.
    again = build_indexer(crashed, embedder=embedder).sync(docs)
    assert again.embedded == 0 and len(again.unchanged) == 45


def test_half_written_new_version_is_completed_and_the_old_one_removed(docs: Path, seeds_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """An edit whose new chunks were half written when the process died: the next sync finishes the job."""
    victim = "000_1431dd1dd5b40ef7.txt"
    settings = IndexSettings(data_dir=seeds_copy)  # the seeds, indexed
    indexer = build_indexer(settings, embedder=embedder)
    assert indexer.sync(docs).embedded == 0
    old_ids = {i for i, m in indexer.store.iter_metadatas() if m["source"] == victim}
    (docs / victim).write_text((docs / victim).read_text(encoding="utf-8") + "\n\nA new closing paragraph.", encoding="utf-8")
    new_hash = hashlib.sha256((docs / victim).read_bytes()).hexdigest()
    # The nodes a sync builds for the new version (the same builder and settings the indexer uses).
    builder = NodeBuilder(embedder, settings.chunk_tokens, settings.chunk_overlap_sentences)
    new_nodes = builder.build(victim, new_hash, load(docs / victim))
    assert len(new_nodes) > 1
    # Half of the new version reaches the store, then the process "dies".
    for node in new_nodes[: len(new_nodes) // 2]:
        node.embedding = embedder.get_text_embedding(node.get_content())
    indexer.store.add(new_nodes[: len(new_nodes) // 2])
    report = build_indexer(settings, embedder=embedder).sync(docs)
    assert report.updated == [victim]
    current = {i for i, m in indexer.store.iter_metadatas() if m["source"] == victim}
    assert current == {node.node_id for node in new_nodes} and current.isdisjoint(old_ids)
    counts = {m["chunk_count"] for i, m in indexer.store.iter_metadatas() if m["source"] == victim}
    assert counts == {len(current)}
