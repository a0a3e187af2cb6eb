"""The command-line contracts, in-process and once as real subprocesses."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import assistant.__main__ as assistant_cli
import index.__main__ as index_cli

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("CITEWISE_DATA_DIR", str(data))
    return data


def test_sync_and_ask_as_subprocesses(tmp_path: Path, docs: Path) -> None:
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    environment.pop("OPENAI_API_KEY", None)
    (docs / "notes.bin").write_bytes(b"\x00\x01")
    sync = subprocess.run(
        [sys.executable, "-m", "index", "sync", str(docs), "--json"], cwd=REPO, env=environment, capture_output=True, text=True
    )
    report = json.loads(sync.stdout)
    assert sync.returncode == 1  # one file failed
    assert {k: report[k] for k in ("added", "updated", "unchanged", "deleted")} == {
        "added": 5,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert report["failed"] == [{"path": "notes.bin", "error": "unsupported file type .bin"}]
    assert report["chunks"] > 5
    ask = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "How much did China donate to the WHO?", "--json"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["question"] == "How much did China donate to the WHO?"
    assert answer["refused"] is False and "20 million" in answer["answer"]
    citation = answer["citations"][0]
    assert citation["n"] == 1 and citation["source"] == "003_8cf9f7c4be1979b2.txt"
    assert citation["quote"] in citation["text"] and isinstance(citation["score"], float) and citation["title"]


def test_ask_reads_questions_from_stdin(env: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(docs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 5
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who won the 2018 World Cup?\n\nHow much did China donate to the WHO?\n"))
    assert assistant_cli.main(["ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["refused"] for line in lines] == [True, False]
    assert lines[0]["citations"] == [] and lines[1]["citations"][0]["source"] == "003_8cf9f7c4be1979b2.txt"
    assert lines[1]["sentences"][0]["supported"] is True and lines[1]["backend"] == "extractive"


def test_search_status_and_dry_run(env: Path, docs: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(docs)]) == 0
    assert "5 added" in capsys.readouterr().out
    assert index_cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["documents"] == 5 and status["chunks"] > 5 and status["last_sync"]
    assert status["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    (docs / "000_1431dd1dd5b40ef7.txt").unlink()
    assert index_cli.main(["sync", str(docs), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] == 1
    assert assistant_cli.main(["search", "WHO donation 20 million", "--json", "--top-k", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "WHO donation 20 million" and len(result["results"]) == 3
    top = result["results"][0]
    assert top["rank"] == 1 and top["source"] == "003_8cf9f7c4be1979b2.txt"
    assert set(top["scores"]) >= {"bm25", "dense", "rerank"}


def test_missing_folder_is_a_clear_error(env: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
