"""The command-line contracts, in-process and once as real subprocesses."""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import REPO
from polling import wait_until, waiting_on_lock
from seed_facts import WHO_QUESTION, WHO_SOURCE

import assistant.__main__ as assistant_cli
import index.__main__ as index_cli

RAILWAY = "Which railway does Kyrgyzstan want to build faster?"  # refused, though its passage is found


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("CITEWISE_DATA_DIR", str(data))
    return data


def test_sync_and_ask_as_subprocesses(tmp_path: Path, docs: Path, warm_python) -> None:  # type: ignore[no-untyped-def]
    """The sync starts warm (tests/warm_start.py); the ask, the contract the question sets run through, starts cold."""
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    environment.pop("OPENAI_API_KEY", None)
    (docs / "notes.bin").write_bytes(b"\x00\x01")  # a type the index does not read: skipped, no failure
    (docs / "empty.txt").write_text("")  # a document that cannot be indexed: a failure
    sync = warm_python(
        [sys.executable, "-m", "index", "sync", str(docs), "--json"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = sync.communicate(timeout=300)
    report = json.loads(out)
    assert sync.returncode == 1, err  # one file failed
    assert {k: report[k] for k in ("added", "updated", "unchanged", "deleted")} == {
        "added": 5,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert report["failed"] == [{"path": "empty.txt", "error": "file is empty"}]
    assert report["skipped"] == [{"path": "notes.bin", "error": "unsupported file type .bin"}]
    assert report["chunks"] > 5
    ask = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", WHO_QUESTION, "--json"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["question"] == WHO_QUESTION
    assert answer["refused"] is False and "20 million" in answer["answer"]
    assert isinstance(answer["tentative"], bool)  # whether its best sentence passed the sure bar too
    citation = answer["citations"][0]
    assert citation["n"] == 1 and citation["source"] == WHO_SOURCE
    assert citation["quote"] in citation["text"] and isinstance(citation["score"], float) and citation["title"]
    # Plain text has headings too: the seed's title line stands alone, so its text sits under it.
    assert citation["section"] == "China shares experience, resources in global novel coronavirus battle"


def test_ask_reads_questions_from_stdin(env: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(docs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 5
    questions = ["Who won the 2018 World Cup?", "", WHO_QUESTION, RAILWAY]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    assert assistant_cli.main(["ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["refused"] for line in lines] == [True, False, True]
    # Nothing on the subject, against passages on it that do not say what was asked: the latter are offered.
    assert lines[0]["closest"] == [] and lines[0]["answer"].startswith("Not found in your documents: none of")
    assert lines[2]["answer"].startswith("Not found in your documents: some passages are on this subject")
    assert lines[2]["citations"] == [] and 1 <= len(lines[2]["closest"]) <= 3
    assert any("railroad between China, Kyrgyzstan and Uzbekistan" in p["text"] for p in lines[2]["closest"])
    assert {"source", "title", "section", "page", "text", "score", "start_char"} == set(lines[2]["closest"][0])
    assert lines[0]["tentative"] is False and isinstance(lines[1]["tentative"], bool)  # a refusal is never tentative
    assert lines[0]["citations"] == [] and lines[1]["citations"][0]["source"] == WHO_SOURCE
    assert lines[1]["sentences"][0]["supported"] is True and lines[1]["backend"] == "extractive"

    # The same, as text for a person: the answer, its warning when tentative, its sources or the closest passages.
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    assert assistant_cli.main(["ask", "-"]) == 0
    shown = capsys.readouterr().out
    assert "  [1] 003_8cf9f7c4be1979b2.txt (score " in shown and "20 million" in shown
    assert ("(Check the source: the quoted sentences match the question only loosely" in shown) is lines[1]["tentative"]
    assert f"  closest: {lines[2]['closest'][0]['source']}: " in shown
    assert shown.count("closest: ") == len(lines[2]["closest"])  # the refusal with nothing on the subject offers none


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
    assert top["rank"] == 1 and top["source"] == WHO_SOURCE
    assert set(top["scores"]) >= {"bm25", "dense", "rerank"}


def test_doc_takes_a_name_or_a_path_and_one_not_indexed_is_said(  # type: ignore[no-untyped-def]
    env: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CITEWISE_DOCS_DIR", str(docs))
    assert index_cli.main(["sync", str(docs)]) == 0
    monkeypatch.chdir(docs.parent)
    for doc in (WHO_SOURCE, str(docs / WHO_SOURCE), f"{docs.name}/{WHO_SOURCE}"):  # its name, or a path to it
        capsys.readouterr()
        assert assistant_cli.main(["ask", WHO_QUESTION, "--json", "--doc", doc]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert not answer["refused"] and {c["source"] for c in answer["citations"]} == {WHO_SOURCE}, doc
    # Not searched, which found nothing and read as "Not found in your documents": a mistyped name, a path outside the
    # folder, a byte no file name decodes to (argv's "\udcff"), which Chroma refused in its filter with a traceback.
    for command in ("ask", "search"):
        for doc in ("nope.txt", "../elsewhere.txt", "\udcff"):
            assert assistant_cli.main([command, WHO_QUESTION, "--json", "--doc", WHO_SOURCE, "--doc", doc]) == 1
            out, err = capsys.readouterr()
            assert json.loads(out)["error"] == f"No indexed document named {doc!r}." and "Traceback" not in err


def test_a_name_with_a_newline_stays_on_its_line(env: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "river\nlog.txt").write_text("The river is 40 km long.\n")  # a name any program may write
    assert index_cli.main(["sync", str(folder)]) == 0
    assert "added: river\\nlog.txt\n" in capsys.readouterr().out  # not "added: river" and a line "log.txt"
    assert assistant_cli.main(["ask", "How long is the river?"]) == 0
    assert "[1] river\\nlog.txt (score" in capsys.readouterr().out


def test_missing_folder_is_a_clear_error(env: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("A file, not a folder.")
    for command in (["sync"], ["sync", "--watch"], ["rebuild"]):
        assert index_cli.main([*command, str(tmp_path / "notes.txt")]) == 2
        assert f"documents folder {tmp_path / 'notes.txt'} is a file, not a folder" in capsys.readouterr().err
    # An empty argument (``sync "$DOCS"`` with DOCS unset) was this folder: it indexed whatever the shell stood in.
    with pytest.raises(SystemExit) as exit_:
        index_cli.main(["sync", ""])
    assert exit_.value.code == 2 and 'empty; name the documents folder ("." for this one)' in capsys.readouterr().err


@pytest.mark.usefixtures("seeds_copy")  # the index of docs the refused syncs must leave alone
def test_sync_of_an_empty_folder_is_refused_unless_confirmed(env: Path, docs: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(docs), "--json"]) == 0
    capsys.readouterr()
    empty = tmp_path / "unmounted"
    empty.mkdir()
    assert index_cli.main(["sync", str(empty), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "refused to delete 5 of the 5 indexed documents" in err and "--allow-delete" in err
    assert index_cli.main(["rebuild", str(empty), "--json"]) == 2
    assert "refused to delete 5 of the 5" in capsys.readouterr().err
    assert index_cli.main(["sync", str(empty), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("would be deleted: ") == 5
    assert "note: a real sync would refuse to delete these 5 documents without --allow-delete" in out
    assert index_cli.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 5
    assert index_cli.main(["sync", str(empty), "--allow-delete", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] == 5
    with pytest.raises(SystemExit):
        index_cli.main(["sync", "--help"])
    assert "--allow-delete" in capsys.readouterr().out


@pytest.mark.usefixtures("seeds_copy")
def test_rebuild_of_a_missing_folder_keeps_the_index(env: Path, docs: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert index_cli.main(["sync", str(docs), "--json"]) == 0
    capsys.readouterr()
    assert index_cli.main(["rebuild", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert index_cli.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 5


def test_a_sync_waiting_for_the_lock_says_so_and_gives_up(env: Path, docs: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CITEWISE_LOCK_TIMEOUT", "0.5")
    lock = env / "citewise.lock"
    env.mkdir()
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert index_cli.main(["sync", str(docs), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"waiting for another sync to finish (lock file {lock}); giving up after 0.5 s" in err
    assert f"error: another sync has been writing the index for over 0.5 s (it holds the lock file {lock})" in err


def index_command(warm_python, data: Path, *args: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    """``python -m index ARGS`` over the data folder ``data``, started warm (tests/warm_start.py), its output piped."""
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "index", *args]
    started: subprocess.Popen[str] = warm_python(
        command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return started


def test_ctrl_c_and_a_closed_output_end_the_commands_without_a_traceback(seeds_copy: Path, docs: Path, warm_python) -> None:  # type: ignore[no-untyped-def]
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(seeds_copy), "HF_HUB_OFFLINE": "1"}
    asking = [sys.executable, "-m", "assistant", "ask", "--json", "-"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    # Ctrl-C while a batch waits for its next question: the answers given stand, and the command says so.
    ask = warm_python(asking, cwd=REPO, env=environment, stdin=subprocess.PIPE, **pipes)
    ask.stdin.write(WHO_QUESTION + "\n")
    ask.stdin.flush()
    assert json.loads(ask.stdout.readline())["citations"][0]["source"] == WHO_SOURCE
    ask.send_signal(signal.SIGINT)
    out, err = ask.communicate(timeout=60)
    assert (ask.returncode, out) == (130, "") and "interrupted: nothing was written to the index" in err, err
    assert "Traceback" not in err
    # A reader that stops reading after the first answer (``| head -1``): the rest is not written, quietly.
    questions = "\n".join([WHO_QUESTION, RAILWAY, WHO_QUESTION, RAILWAY]) + "\n"
    ask = warm_python(asking, cwd=REPO, env=environment, stdin=subprocess.PIPE, **pipes)
    ask.stdin.write(questions)
    ask.stdin.close()
    assert json.loads(ask.stdout.readline())["question"] == WHO_QUESTION
    ask.stdout.close()
    err = ask.stderr.read()
    assert ask.wait(timeout=60) == 141 and "Traceback" not in err and "BrokenPipe" not in err, err
    # Ctrl-C while a sync waits for another writer's lock.
    lock = seeds_copy / "citewise.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        sync = index_command(warm_python, seeds_copy, "sync", str(docs))
        try:
            assert wait_until(lambda: sync.poll() is not None or waiting_on_lock(sync.pid, lock), 120, interval=0.1)
            sync.send_signal(signal.SIGINT)
            out, err = sync.communicate(timeout=60)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    assert sync.returncode == 130 and "interrupted: the index keeps what this command finished" in err, err
    assert "Traceback" not in err


def test_cli_rebuild_waits_for_the_lock_and_a_running_app_follows_it(seeds_copy: Path, docs: Path, embedder, warm_python) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieval import Retriever, SearchOptions
    from index import IndexSettings, build_indexer

    data = seeds_copy
    app = build_indexer(IndexSettings(data_dir=data), embedder=embedder)  # the running app's side, over the seeds
    assert app.sync(docs).embedded == 0
    retriever = Retriever(app.store, app.keywords, embedder, None)
    fact = "The Quillmark observatory recorded 318 meteors in August."
    (docs / WHO_SOURCE).write_text(fact, encoding="utf-8")
    with app.lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another writer is busy
        rebuild = index_command(warm_python, data, "rebuild", str(docs), "--json")
        try:
            wait_until(lambda: rebuild.poll() is not None or waiting_on_lock(rebuild.pid, app.lock_path), 120, interval=0.1)
            assert rebuild.poll() is None, rebuild.communicate()
            assert len(app.store.documents()) == 5, "the rebuild dropped the index while another writer held the lock"
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
        out, err = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0, err
    assert json.loads(out)["added"] == 5
    assert err.count("waiting for another sync to finish") == 1, err
    assert f"waiting for another sync to finish (lock file {app.lock_path}); giving up after 600 s" in err
    # The app's store still holds the old collection's handle; it reopens the rebuilt one by itself.
    found = retriever.search("How many meteors did the Quillmark observatory record?", SearchOptions(rerank=False))
    assert found.relevant[0].text == fact
    assert app.sync(docs).embedded == 0


def test_a_running_app_reads_the_index_a_rebuild_set_aside_as_damaged_and_made_anew(
    seeds_copy: Path, docs: Path, embedder, warm_python
) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieval import Retriever, SearchOptions
    from index import IndexSettings, build_indexer

    data = seeds_copy
    app = build_indexer(IndexSettings(data_dir=data), embedder=embedder)  # the running app's side, over the seeds
    retriever = Retriever(app.store, app.keywords, embedder, None, cache=app.cache)
    assert retriever.search(WHO_QUESTION, SearchOptions(rerank=False)).relevant
    database = data / "chroma" / "chroma.sqlite3"
    with database.open("r+b") as file:
        file.write(b"not a database" * 8)  # the header: every new connection is refused, as a bad copy would be
    fact = "The Quillmark observatory recorded 318 meteors in August."
    (docs / "quillmark.txt").write_text(fact, encoding="utf-8")
    rebuild = index_command(warm_python, data, "rebuild", str(docs), "--json")
    out, err = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0, err
    assert json.loads(out)["added"] == 6 and "set aside as" in err
    # Before, the app's client went on reading the folder set aside: every question failed, "the index could not be
    # read ... `python -m index rebuild` ...", until the app was restarted.
    found = retriever.search("How many meteors did the Quillmark observatory record?", SearchOptions(rerank=False))
    assert found.relevant[0].text == fact
    assert app.sync(docs).embedded == 0  # and its writes go to the new one
    app.close()
