"""Scale-out: the same sync and ask against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from seed_facts import WHO_QUESTION, WHO_SOURCE
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
    answer = citewise.assistant.ask(WHO_QUESTION).complete()
    assert "20 million" in answer.text and answer.citations[0].source == WHO_SOURCE
    (docs / WHO_SOURCE).unlink()
    assert citewise.indexer.sync(docs).deleted == [WHO_SOURCE]
    assert citewise.assistant.ask(WHO_QUESTION).complete().refused
