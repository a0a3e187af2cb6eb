"""Scale-out: the same sync and ask against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from stores import chroma_server

from assistant import Settings, build_citewise


@pytest.fixture
def chroma_url(tmp_path: Path, free_port: int) -> Iterator[str]:
    with chroma_server(tmp_path, free_port) as url:
        yield url


def test_sync_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path, docs: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", docs_dir=docs, chroma_url=chroma_url)
    citewise = build_citewise(settings, embedder=embedder)
    first = citewise.indexer.sync(docs)
    assert len(first.added) == 5 and first.failed == []
    assert not (tmp_path / "data" / "chroma").exists(), "vectors live in the server, not in a local store"
    assert citewise.indexer.sync(docs).embedded == 0
    answer = citewise.assistant.ask("How much has China donated to the WHO?").complete()
    assert "20 million" in answer.text and answer.citations[0].source == "003_8cf9f7c4be1979b2.txt"
    (docs / "003_8cf9f7c4be1979b2.txt").unlink()
    assert citewise.indexer.sync(docs).deleted == ["003_8cf9f7c4be1979b2.txt"]
    assert citewise.assistant.ask("How much has China donated to the WHO?").complete().refused
