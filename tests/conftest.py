"""Shared fixtures: the real bundled embedding model and reranker, loaded once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 from its package, offline."""
    from index import Embedder

    return Embedder("sentence-transformers/all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def reranker():  # type: ignore[no-untyped-def]
    """The packaged ONNX ms-marco cross-encoder."""
    from assistant.rerank import PACKAGED_RERANKER, load_reranker

    return load_reranker(PACKAGED_RERANKER)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A private copy of the seed documents, free to edit."""
    target = tmp_path / "docs"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, docs: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at a fresh index under tmp_path."""
    from assistant import Settings

    return Settings(data_dir=tmp_path / "data", docs_dir=docs)


@pytest.fixture
def citewise(settings, embedder):  # type: ignore[no-untyped-def]
    """A fully wired assistant over an index of the seeds."""
    from assistant import build_assistant

    built = build_assistant(settings, embedder=embedder)
    report = built.indexer.sync(settings.docs_dir)
    assert report.failed == [] and len(report.added) == 5
    return built


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """One read-only assistant over the seeds, shared by tests that only ask questions."""
    from assistant import Settings, build_assistant

    root = tmp_path_factory.mktemp("seeded")
    shutil.copytree(SEEDS, root / "docs")
    built = build_assistant(Settings(data_dir=root / "data", docs_dir=root / "docs"), embedder=embedder)
    built.indexer.sync(root / "docs")
    yield built
