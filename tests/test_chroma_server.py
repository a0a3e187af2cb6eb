"""Scale-out: the same sync and ask against a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Settings, build_assistant


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chroma CLI ships with chromadb; it should be next to the interpreter"
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the Chroma server did not start: " + (tmp_path / "chroma.log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_sync_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path, docs: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", docs_dir=docs, chroma_url=chroma_url)
    citewise = build_assistant(settings, embedder=embedder)
    first = citewise.indexer.sync(docs)
    assert len(first.added) == 5 and first.failed == []
    assert not (tmp_path / "data" / "chroma").exists(), "vectors live in the server, not in a local store"
    assert citewise.indexer.sync(docs).embedded == 0
    answer = citewise.assistant.ask("How much did China donate to the WHO?").complete()
    assert "20 million" in answer.text and answer.citations[0].source == "003_8cf9f7c4be1979b2.txt"
    (docs / "003_8cf9f7c4be1979b2.txt").unlink()
    assert citewise.indexer.sync(docs).deleted == ["003_8cf9f7c4be1979b2.txt"]
    assert citewise.assistant.ask("How much did China donate to the WHO?").complete().refused
