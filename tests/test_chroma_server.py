"""Scale-out: the same sync and ask against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import stop
from polling import wait_until

from assistant import Settings, build_citewise


def heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def chroma_url(tmp_path: Path, free_port: int) -> Iterator[str]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI ships with chromadb; it should be next to the interpreter"
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(free_port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{free_port}"
    try:
        if not wait_until(lambda: server.poll() is not None or heartbeat(url), 60, interval=0.2) or server.poll() is not None:
            pytest.fail("the Chroma server did not start: " + (tmp_path / "chroma.log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        stop(server, timeout=20)
        log.close()


def test_sync_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path, docs: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", docs_dir=docs, chroma_url=chroma_url)
    citewise = build_citewise(settings, embedder=embedder)
    first = citewise.indexer.sync(docs)
    assert len(first.added) == 5 and first.failed == []
    assert not (tmp_path / "data" / "chroma").exists(), "vectors live in the server, not in a local store"
    assert citewise.indexer.sync(docs).embedded == 0
    answer = citewise.assistant.ask("How much did China donate to the WHO?").complete()
    assert "20 million" in answer.text and answer.citations[0].source == "003_8cf9f7c4be1979b2.txt"
    (docs / "003_8cf9f7c4be1979b2.txt").unlink()
    assert citewise.indexer.sync(docs).deleted == ["003_8cf9f7c4be1979b2.txt"]
    assert citewise.assistant.ask("How much did China donate to the WHO?").complete().refused
