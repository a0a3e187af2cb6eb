"""Eight chat sessions at once against the real app, over HTTP, while a sync writes to the same index.

The app (`python app.py`, conftest.py's ``module_app``) serves a private copy of the seeds.
Each session is its own ``gradio_client.Client`` (its own Gradio session) and holds a two-turn
conversation: a question about the seeds, then a follow-up that is answerable only with that
session's own history (asked alone, each follow-up is refused). It passes the chat history that
the server returned back in with the follow-up, as the page does.

Meanwhile ``python -m index sync DOCS`` runs as a second process over the same data folder
(the CLI next to a running app), adding 30 new documents, and the app's own re-index button
(``/on_reindex``) is pressed too. To make the writes overlap the chats every time, whatever this
machine's speed, the test holds the index's writer lock (the flock that ``Indexer.sync`` takes)
while the sessions ask their first questions and the CLI loads its model; it lets go once every
first answer is in and the CLI is queued on the lock, and the follow-ups are sent at that moment.
"""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import REPO, AppSpec, RunningApp, app_env, stop
from polling import wait_until, waiting_on_lock
from seed_facts import WHO_QUESTION

import index.__main__ as index_cli

pytestmark = pytest.mark.slow

SESSIONS = 8
EXTRA_DOCS = 30
TIMEOUT_S = 90.0  # for any one wait below
LOCK_NAME = "citewise.lock"  # Indexer's writer lock: data_dir / f"{collection}.lock"
FAILED = "Sorry, answering failed"
REFUSAL = "Not found in your documents"


@dataclass(frozen=True)
class Conversation:
    """A question about the seeds, a follow-up that leans on it, and a fact each answer must state."""

    question: str
    fact: str
    follow_up: str
    follow_up_fact: str


# Every follow-up is refused when asked without its history (checked against the seeds).
CONVERSATIONS = [
    Conversation(
        "How many specialists were in the Chinese medical expert group that went to Kyrgyzstan?",
        "10 specialists",
        "Which region did they come from?",
        "Xinjiang",
    ),
    Conversation(
        "Who is the president of Kyrgyzstan?",
        "Jeenbekov",
        "What old saying did he quote?",
        "a close neighbor is better than a distant relative",
    ),
    Conversation(
        "Which countries received Chinese expert teams for epidemic-control guidance?",
        "Serbia",
        "How many virtual conferences did they hold?",
        "40 virtual technical conferences",
    ),
    Conversation(
        WHO_QUESTION,
        "20 million dollars",
        "What does it aim to curb?",
        "curb the pandemic",
    ),
    Conversation(
        "How many vaccine doses has China given to other countries?",
        "2.2 billion",
        "To how many countries?",
        "120 countries",
    ),
    Conversation(
        "Which news agency did the Chinese embassy tell about the expert group's trip?",
        "24.kg",
        "Who was the spokesman?",
        "Geng Shuang",
    ),
    Conversation(
        "Who is the minister of the National Health Commission?",
        "Ma Xiaowei",
        "Where did he hold the news conference?",
        "Wuhan",
    ),
    Conversation(
        "What new fields of cooperation with China did Kyrgyzstan want to explore?",
        "artificial intelligence",
        "Which railway does it want to build?",
        "Uzbekistan",
    ),
]
assert len(CONVERSATIONS) == SESSIONS


@dataclass
class Session:
    """One client's conversation as the server returned it, with timings."""

    conversation: Conversation
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    searched: str = ""


APP = AppSpec()  # this module's own app over the seeds (conftest.py's module_app): the test adds documents to it


@pytest.fixture(scope="module")
def served(module_app: RunningApp) -> RunningApp:
    """The running app, over its own copy of the seeds."""
    return module_app


def text_of(message: dict[str, Any]) -> str:
    """A chat message's text, whether its content is a string or Gradio 6's list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text") or "" for part in content or [] if isinstance(part, dict))


def plain(markdown: str) -> str:
    """Chat Markdown with the app's escaping undone, for comparing with what was typed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def extra_document(i: int) -> str:
    """A small document on a topic the seeds do not share, so the new chunks compete in retrieval."""
    return (
        f"Vexmoor station {i} logbook\n\n"
        f"The Vexmoor weather station number {i} was founded in {1850 + i} by the surveyor Ilse Brandt-{i}. "
        f"Its rain gauge recorded {100 + 7 * i} millimetres in the wettest week of its first year.\n\n"
        f"Volunteers at station {i} cooperate with medical teams and count comets every winter, "
        f"and the station lends its {i + 2} telescopes to visiting schools.\n"
    )


def sync_queues_on_lock(sync: Any, lock: Path) -> None:
    """Wait until the CLI ``sync`` is blocked on the writer lock; fail if it exits or never gets there."""
    waiting = wait_until(lambda: sync.poll() is not None or waiting_on_lock(sync.pid, lock), TIMEOUT_S, interval=0.1)
    if sync.poll() is not None:
        out, err = sync.communicate()
        pytest.fail(f"the sync exited early ({sync.returncode}):\n{out}\n{err[-3000:]}", pytrace=False)
    if not waiting:
        pytest.fail("timed out waiting until the CLI sync queues on the writer lock", pytrace=False)


def test_sessions_stay_apart_while_a_sync_writes(
    served: RunningApp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], warm_python: Any
) -> None:
    from gradio_client import Client

    app, docs, data_dir = served, served.docs_dir, served.data_dir
    began = time.monotonic()
    api = Client(app.url, verbose=False).view_api(return_format="dict", print_info=False)
    endpoints = api["named_endpoints"]
    chat = endpoints["/respond"]  # ui/chat.py's respond: (message, history) -> (textbox, chat, sources, searched)
    assert [p["parameter_name"] for p in chat["parameters"]] == ["message", "history"]
    assert "/on_reindex" in endpoints

    lock_path = data_dir / LOCK_NAME
    lock = lock_path.open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # hold back every writer until the follow-ups go out
    for i in range(EXTRA_DOCS):
        (docs / f"vexmoor_{i:02d}.txt").write_text(extra_document(i), encoding="utf-8")
    sync = warm_python(
        [sys.executable, "-m", "index", "sync", str(docs), "--json"],
        cwd=REPO,
        env=app_env(data_dir, docs, 0),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_round = threading.Barrier(SESSIONS + 1, timeout=TIMEOUT_S)
    released = threading.Event()
    aborted = threading.Event()

    def converse(conversation: Conversation) -> Session:
        session = Session(conversation)
        client = Client(app.url, verbose=False)
        try:
            for n, question in enumerate((conversation.question, conversation.follow_up)):
                if n == 1:
                    first_round.wait()
                    assert released.wait(TIMEOUT_S)
                started = time.monotonic()
                job = client.submit(question, session.history, api_name="/respond")
                textbox, session.history, _sources, session.searched = job.result(timeout=TIMEOUT_S)
                session.seconds.append(time.monotonic() - started)
                assert textbox == ""
        except BaseException:
            first_round.abort()
            raise
        finally:
            client.close()
        return session

    def reindex() -> str:
        client = Client(app.url, verbose=False)
        try:
            assert released.wait(TIMEOUT_S)
            if aborted.is_set():
                return ""
            status, _rows, _picker = client.submit(api_name="/on_reindex").result(timeout=TIMEOUT_S)
            return str(status)
        finally:
            client.close()

    try:
        with ThreadPoolExecutor(SESSIONS + 1) as pool:
            futures = [pool.submit(converse, conversation) for conversation in CONVERSATIONS]
            app_sync = pool.submit(reindex)
            try:
                first_round.wait()  # every first answer is in
                sync_queues_on_lock(sync, lock_path)
            except threading.BrokenBarrierError:
                aborted.set()
                released.set()
                wait(futures, timeout=2 * TIMEOUT_S)
                # A session failed before the follow-ups: show its error, not the broken barrier.
                for future in futures:
                    error = future.exception() if future.done() else None
                    if error is not None and not isinstance(error, threading.BrokenBarrierError):
                        raise error from None
                raise
            except BaseException:
                aborted.set()
                first_round.abort()
                raise
            finally:
                released.set()
                fcntl.flock(lock, fcntl.LOCK_UN)
            sessions = [future.result(timeout=2 * TIMEOUT_S) for future in futures]
            app_status = app_sync.result(timeout=2 * TIMEOUT_S)
        out, err = sync.communicate(timeout=TIMEOUT_S)
    finally:
        lock.close()
        stop(sync)

    # The sync finished, and between them the CLI and the app's re-index added every new document once.
    assert sync.returncode == 0, f"sync exited with {sync.returncode}:\n{out}\n{err[-3000:]}"
    report = json.loads(out.strip().splitlines()[-1])
    assert report["failed"] == [] and report["updated"] == 0 and report["deleted"] == 0, report
    counts = re.match(r"\s*(\d+) added, 0 updated, \d+ unchanged, 0 deleted, 0 failed", app_status)
    assert counts is not None, f"the app's re-index: {app_status}"
    app_added = int(counts.group(1))
    assert report["added"] + app_added == EXTRA_DOCS, (report, app_status)
    # The CLI's status, in-process (tests/test_cli.py runs the CLIs as subprocesses).
    monkeypatch.setenv("CITEWISE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CITEWISE_DOCS_DIR", str(docs))
    capsys.readouterr()
    assert index_cli.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 5 + EXTRA_DOCS

    questions = {c.question for c in CONVERSATIONS} | {c.follow_up for c in CONVERSATIONS}
    for session in sessions:
        conversation = session.conversation
        messages = session.history
        texts = [plain(text_of(m)) for m in messages]
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"], texts
        # Its own two questions, and no other session's words anywhere in its history.
        assert [texts[0], texts[2]] == [conversation.question, conversation.follow_up], texts
        for other in questions - {conversation.question, conversation.follow_up}:
            assert all(other not in text for text in texts), f"{other!r} leaked into {conversation.question!r}: {texts}"
        answer, follow_up = texts[1], texts[3]
        for reply in (answer, follow_up):
            assert FAILED not in reply, reply
        assert conversation.fact in answer, (conversation.question, answer)
        # The follow-up was answered from its own history: searched with the first question's words.
        context = f"follow-up {conversation.follow_up!r} after {conversation.question!r}: {session.searched!r}, {follow_up!r}"
        assert "Searched for:" in session.searched, f"the server did not use this session's history; {context}"
        assert not follow_up.startswith(REFUSAL), context
        assert conversation.follow_up_fact in follow_up, context

    log = app.log_tail(200_000)
    assert "Traceback" not in log and " ERROR " not in log, log[-6000:]
    firsts = sorted(session.seconds[0] for session in sessions)
    seconds = sorted(session.seconds[1] for session in sessions)
    print(
        f"\n{SESSIONS} sessions x 2 questions, seconds per answer as the client waited (queue included): "
        f"first median {firsts[SESSIONS // 2]:.1f} max {firsts[-1]:.1f}, follow-up median {seconds[SESSIONS // 2]:.1f} "
        f"max {seconds[-1]:.1f}; CLI sync {report['seconds']:.1f} s (added {report['added']}), app re-index added "
        f"{app_added}; {time.monotonic() - began:.0f} s after the app started"
    )
