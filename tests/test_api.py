"""The HTTP API (api/), through the real server (`python app.py`) and the official OpenAI client.

One server for the module, over a copy of the seeds index, with an API key, uploads capped at 1 MB, and
an OpenAI-protocol LLM server (tests/llm_servers.py) configured as the ``openai`` answerer. It is started
here rather than by conftest.py's ``module_app``, which starts apps before any fixture runs: the LLM
server's address has to be known first. Access without a key or with a login is checked in-process.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from browser_support import BOT_MESSAGES, SOURCES, USER_MESSAGES, RunningApp, ServeApp, copy_seeds, open_chat, open_tab
from browser_support import QUESTION as QUESTION_TEXT
from browser_support import ask as ask_in_page
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from llm_servers import ScriptedServer, serve
from playwright.sync_api import Browser, expect
from polling import wait_until
from seed_facts import KYRGYZSTAN_SOURCE, TRAINED_QUESTION, WHO_QUESTION, WHO_SOURCE

from api import Access, create_api
from app import warn_if_exposed
from assistant import Settings

QUESTION_BOX = "#cw-question"
KEY = "test-key-3f9a"
KYRGYZSTAN = "How many specialists were in the Chinese medical group sent to Kyrgyzstan?"
SEEDS = {KYRGYZSTAN_SOURCE, "001_8ca9ff445ec2607f.txt", "002_f01b8babd5e16a0d.txt", WHO_SOURCE, "004_ed1eede718eb9dba.txt"}


class ScriptedLLM:
    """The LLM's replies: it cites the passage about the WHO donation; ``gate`` cleared holds every reply."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.padding = 0  # words said after the cited sentence: a long answer to stop

    def reply(self, body: dict[str, Any]) -> str:
        assert self.gate.wait(30), "the test never let the LLM answer"
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "system")
        block = next(b for b in prompt.split("<source ")[1:] if "donated 20 million dollars" in b)
        n = block.split('id="')[1].split('"')[0]
        return f"China donated 20 million dollars to the WHO [{n}]." + " More." * self.padding


@pytest.fixture(scope="module")
def scripted() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture(scope="module")
def llm(scripted: ScriptedLLM) -> Iterator[ScriptedServer]:
    with serve("openai", scripted.reply, {"m1"}) as server:
        yield server


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, serve_app: ServeApp, seeds_index: Path, llm: ScriptedServer
) -> Iterator[RunningApp]:
    """The app over the seeds with an API key and the scripted LLM as its ``openai`` answerer."""
    root = tmp_path_factory.mktemp("api")
    env = {
        "CITEWISE_API_KEY": KEY,
        "CITEWISE_OPENAI_BASE_URL": llm.url,
        "CITEWISE_OPENAI_MODEL": "m1",
        "CITEWISE_MAX_UPLOAD_MB": "1",
    }
    with serve_app(root, copy_seeds(root / "docs"), extra_env=env, index_from=seeds_index) as app:
        yield app


@pytest.fixture(scope="module")
def client(server: RunningApp) -> Iterator[openai.OpenAI]:
    """The official OpenAI client, pointed at the app."""
    with openai.OpenAI(base_url=f"{server.url}v1", api_key=KEY, max_retries=0, timeout=60) as made:
        yield made


@pytest.fixture(scope="module")
def http(server: RunningApp) -> Iterator[httpx.Client]:
    """A plain HTTP client for the Citewise endpoints, with the key."""
    with httpx.Client(base_url=f"{server.url}v1/", headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as made:
        yield made


def ask(client: openai.OpenAI, question: str, **options: Any) -> Any:
    return client.chat.completions.create(
        model=options.pop("model", "citewise"), messages=[{"role": "user", "content": question}], **options
    )


def extra(obj: Any, name: str) -> Any:
    """A Citewise field beside OpenAI's, as the SDK keeps it."""
    return (obj.model_extra or {})[name]


def raw(server: RunningApp, method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> tuple[int, Any]:
    """A request sent exactly as written (no client-side normalisation of ``..``); returns the status and JSON body."""
    connection = HTTPConnection(*server.address, timeout=60)
    try:
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": content_type}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


# --------------------------------------------------------------------------- answers


def test_an_answer_carries_its_citations_as_data(client: openai.OpenAI, server: RunningApp) -> None:
    completion = ask(client, WHO_QUESTION)
    text = completion.choices[0].message.content
    assert "20 million dollars" in text and text.endswith("[1]"), text
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens > 0 and completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert extra(completion, "refused") is False and extra(completion, "backend") == "extractive"
    assert isinstance(extra(completion, "tentative"), bool)
    (citation,) = extra(completion, "citations")
    assert citation["n"] == 1 and citation["source"] == WHO_SOURCE
    assert "donated 20 million dollars" in citation["quote"] and citation["quote"] in citation["text"]
    assert {"title", "page", "score", "section"} <= set(citation)
    # The url opens the viewer on the cited sentence.
    assert citation["url"].startswith(f"{server.url}documents/{WHO_SOURCE}?")
    viewer = httpx.get(citation["url"], timeout=30)
    assert viewer.status_code == 200
    assert re.search(r"<mark id=cited>In addition, the country has donated 20 million dollars", viewer.text)


def test_a_streamed_answer_joins_to_the_same_text_and_ends_with_the_citations(client: openai.OpenAI, server: RunningApp) -> None:
    plain = ask(client, KYRGYZSTAN)
    chunks = list(ask(client, KYRGYZSTAN, stream=True))
    assert len(chunks) > 5 and all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and extra(last, "refused") is False
    assert extra(last, "citations") == extra(plain, "citations") and extra(last, "tentative") is extra(plain, "tentative")
    assert extra(last, "citations")[0]["source"] == KYRGYZSTAN_SOURCE
    assert all("citations" not in (chunk.model_extra or {}) for chunk in chunks[:-1])

    # With usage asked for, a last chunk without choices carries it.
    *_, final, usage = ask(client, KYRGYZSTAN, stream=True, stream_options={"include_usage": True})
    assert extra(final, "citations") == extra(plain, "citations")
    assert usage.choices == [] and usage.usage is not None and usage.usage.completion_tokens > 0

    # On the wire: server-sent events ending with [DONE].
    body = {"model": "citewise", "stream": True, "messages": [{"role": "user", "content": KYRGYZSTAN}]}
    with httpx.stream(
        "POST", f"{server.url}v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(event.startswith("data: ") for event in events) and events[-1] == "data: [DONE]"


def test_a_follow_up_is_read_with_the_earlier_turns(client: openai.OpenAI) -> None:
    follow_up = "How many employees did they train?"
    alone = ask(client, follow_up)
    assert extra(alone, "citations") == [], "the control: without the conversation, 'they' finds nothing"
    completion = client.chat.completions.create(
        model="citewise",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": KYRGYZSTAN},
            {"role": "assistant", "content": "The group included 10 specialists. [1]"},
            {"role": "user", "content": [{"type": "text", "text": follow_up}]},
        ],
    )
    assert "Kyrgyzstan" in extra(completion, "query")
    assert {c["source"] for c in extra(completion, "citations")} == {KYRGYZSTAN_SOURCE}
    assert "15,000" in completion.choices[0].message.content


def test_two_questions_in_one_message_are_answered_each_and_the_next_turn_goes_on_from_the_last(client: openai.OpenAI) -> None:
    message = f"{WHO_QUESTION} {TRAINED_QUESTION}"
    completion = ask(client, message)
    content = completion.choices[0].message.content
    assert content.startswith(f"**{WHO_QUESTION}** ") and f"\n\n**{TRAINED_QUESTION}** " in content
    assert "20 million" in content and "15,000" in content and extra(completion, "refused") is False
    assert [(c["n"], c["source"]) for c in extra(completion, "citations")] == [(1, WHO_SOURCE), (2, KYRGYZSTAN_SOURCE)]
    # A client sends the conversation back as it got it: "Tell me more" reads on from the last question's answer.
    more = client.chat.completions.create(
        model="citewise",
        messages=[
            {"role": "user", "content": message},
            {"role": "assistant", "content": content},
            {"role": "user", "content": "Tell me more"},
        ],
    )
    assert extra(more, "refused") is False and extra(more, "query") == TRAINED_QUESTION
    assert {c["source"] for c in extra(more, "citations")} == {KYRGYZSTAN_SOURCE}


def test_an_off_topic_question_is_refused_without_citations(client: openai.OpenAI) -> None:
    completion = ask(client, "Who won the 2018 World Cup?")
    assert completion.choices[0].message.content.startswith("Not found in your documents")
    assert extra(completion, "citations") == [] and extra(completion, "refused") is True
    assert extra(completion, "tentative") is False and extra(completion, "closest") == []  # nothing on the subject


def test_a_refusal_offers_the_closest_passages_with_their_viewer_links(client: openai.OpenAI, server: RunningApp) -> None:
    completion = ask(client, "Which railway does Kyrgyzstan want to build faster?")
    assert extra(completion, "refused") is True and extra(completion, "citations") == []
    closest = extra(completion, "closest")
    assert 1 <= len(closest) <= 3
    found = next(p for p in closest if "railroad between China, Kyrgyzstan and Uzbekistan" in p["text"])
    assert found["url"].startswith(f"{server.url}documents/{found['source']}?from=") and "mark=" not in found["url"]
    viewer = httpx.get(found["url"], timeout=30)
    assert viewer.status_code == 200 and "railroad between China, Kyrgyzstan and Uzbekistan" in viewer.text
    *_, last = ask(client, "Who won the 2018 World Cup?", stream=True)
    assert extra(last, "citations") == [] and extra(last, "refused") is True


def test_a_refusal_for_a_misspelled_name_offers_the_question_respelled(client: openai.OpenAI) -> None:
    completion = ask(client, "How much did Chian donate to the WHO?")
    assert extra(completion, "refused") is True and extra(completion, "citations") == []
    assert extra(completion, "suggestion") == "How much did China donate to the WHO?"
    assert completion.choices[0].message.content.endswith('Did you mean: "How much did China donate to the WHO?"')
    assert extra(ask(client, "Who won the 2018 World Cup?"), "suggestion") is None


# --------------------------------------------------------------------------- answerers


def test_the_models_are_the_answerers(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["citewise", "citewise-extractive", "citewise-openai"]
    assert client.models.retrieve("citewise-openai").owned_by == "citewise"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_the_model_picks_the_answerer(client: openai.OpenAI, llm: ScriptedServer) -> None:
    extractive = ask(client, WHO_QUESTION, model="citewise-extractive")
    assert extra(extractive, "backend") == "extractive" and "20 million dollars" in extractive.choices[0].message.content
    asked = len(llm.requests)
    generated = ask(client, WHO_QUESTION, model="citewise-openai")
    assert generated.choices[0].message.content == "China donated 20 million dollars to the WHO [1]."
    assert extra(generated, "backend") == "openai"
    assert [c["source"] for c in extra(generated, "citations")] == [WHO_SOURCE]
    assert extra(generated, "sentences") == [
        {"text": "China donated 20 million dollars to the WHO.", "citations": [1], "supported": True}
    ]
    path, body = llm.requests[-1]
    assert len(llm.requests) > asked and path.endswith("/chat/completions") and body["model"] == "m1"
    with pytest.raises(openai.NotFoundError) as refused:
        ask(client, WHO_QUESTION, model="gpt-4o")
    assert refused.value.code == "model_not_found" and "citewise-extractive" in refused.value.message


def test_answering_never_blocks_the_server(
    client: openai.OpenAI, http: httpx.Client, llm: ScriptedServer, scripted: ScriptedLLM
) -> None:
    """While an answer waits on a slow LLM, the server still answers other requests at once."""
    asked = len(llm.requests)
    answers: list[Any] = []
    scripted.gate.clear()
    try:
        worker = threading.Thread(target=lambda: answers.append(ask(client, WHO_QUESTION, model="citewise-openai", stream=True)))
        worker.start()
        assert wait_until(lambda: len(llm.requests) > asked), "the question never reached the LLM"
        # The LLM holds its reply for up to 30 s: a server blocked behind it would answer these only then.
        assert http.get("models", timeout=20).status_code == 200
        assert http.get("status", timeout=20).status_code == 200
    finally:
        scripted.gate.set()
    worker.join(timeout=60)
    *chunks, last = answers[0]
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert re.fullmatch(r"China donated 20 million dollars to the WHO \[\d\]\.", streamed), streamed
    # The check renumbers the markers to the citations kept; a stream says so when that changed its text.
    verified = (last.model_extra or {}).get("verified_content", streamed)
    assert verified == "China donated 20 million dollars to the WHO [1]." and extra(last, "citations")[0]["n"] == 1


def test_a_request_sets_an_llm_answers_length_and_temperature_for_itself_alone(
    client: openai.OpenAI, http: httpx.Client, llm: ScriptedServer
) -> None:
    def sent(**options: Any) -> dict[str, Any]:  # what the LLM server was asked, for one completion with ``options``
        before = len(llm.requests)
        reply = ask(client, WHO_QUESTION, model="citewise-openai", **options)
        assert "China donated" in reply.choices[0].message.content
        return next(body for path, body in llm.requests[before:] if path.endswith("/chat/completions"))

    # Until 2026-12-08 both were accepted and ignored: every answer was asked for at CITEWISE_LLM_MAX_TOKENS (1024)
    # and CITEWISE_TEMPERATURE (0), whatever the client set.
    asked = sent(max_tokens=60, temperature=0.7)
    assert asked["max_tokens"] == 60 and asked["temperature"] == 0.7
    assert sent(max_completion_tokens=50, max_tokens=60)["max_tokens"] == 50  # OpenAI's newer name wins
    assert sent(max_tokens=100_000)["max_tokens"] == 1024  # never past the configured limit
    plain = sent()  # and for no other request
    assert plain["max_tokens"] == 1024 and plain["temperature"] == 0
    # An extractive answer quotes whole sentences: the limit leaves it whole.
    whole = ask(client, WHO_QUESTION, model="citewise-extractive", max_tokens=1)
    assert "20 million dollars" in whole.choices[0].message.content
    for bad in ({"max_tokens": 0}, {"max_completion_tokens": -5}, {"temperature": 2.5}, {"max_tokens": "many"}):
        body = {"model": "citewise-openai", "messages": [{"role": "user", "content": WHO_QUESTION}], **bad}
        response = http.post("chat/completions", json=body)
        assert response.status_code == 400, (bad, response.text)
        assert next(iter(bad)) in response.json()["error"]["message"], response.text


@pytest.mark.parametrize("route", ["completion", "streamed completion", "chat message"])
def test_a_client_that_hangs_up_stops_its_answer_and_the_llm_stream(
    route: str, http: httpx.Client, llm: ScriptedServer, scripted: ScriptedLLM
) -> None:
    """An answer its client no longer waits for is stopped: the LLM server's stream is hung up on, not read to its end."""
    chat = http.post("chats", json={"title": "hung up"}).json()["id"] if route == "chat message" else None
    cut, ended = llm.streams_cut, llm.streams_ended
    llm.piece_seconds, scripted.padding = 0.05, 600  # about 30 s of answer
    try:
        if chat is not None:
            body: dict[str, Any] = {"content": WHO_QUESTION, "model": "citewise-openai"}
            with pytest.raises(httpx.ReadTimeout):
                http.post(f"chats/{chat}/messages", json=body, timeout=4)
        else:
            body = {"model": "citewise-openai", "messages": [{"role": "user", "content": WHO_QUESTION}]}
            if route == "completion":
                with pytest.raises(httpx.ReadTimeout):
                    http.post("chat/completions", json=body, timeout=4)
            else:
                with http.stream("POST", "chat/completions", json={**body, "stream": True}) as response:
                    lines = response.iter_lines()
                    assert wait_until(lambda: '"content": "donated' in next(lines), 20)  # streaming: then hang up
        assert wait_until(lambda: llm.streams_cut > cut, 20), "the LLM's stream was read on after the client left"
        assert llm.streams_ended == ended
    finally:
        llm.piece_seconds, scripted.padding = 0.0, 0
    if chat is not None:  # a stopped answer is not saved
        assert http.get(f"chats/{chat}").json()["answers"] == []
    assert "China donated" in ask_text(http, WHO_QUESTION)  # and the server answers on


@pytest.mark.browser
@pytest.mark.parametrize("how", ["stop", "stop before the first word", "page closed"])
def test_an_llm_answer_stopped_in_the_chat_or_left_hangs_up_on_its_server(
    how: str, browser: Browser, server: RunningApp, http: httpx.Client, llm: ScriptedServer, scripted: ScriptedLLM
) -> None:
    page = open_chat(browser, server.url)
    stop = page.locator(f"{QUESTION_BOX} [data-testid='stop-button']")
    send = page.locator(f"{QUESTION_BOX} [data-testid='submit-button']")
    chats = len(http.get("chats").json()["data"])
    try:
        open_tab(page, "Settings")
        page.locator("#cw-pref-backend").get_by_label("openai").check()
        open_tab(page, "Chat")
        expect(stop).to_have_count(0)
        cut, ended = llm.streams_cut, llm.streams_ended
        llm.piece_seconds, scripted.padding = 0.05, 600  # about 30 s of answer
        early = how == "stop before the first word"
        if early:
            llm.first_word.clear()  # the model still reads its prompt
        try:
            page.fill(QUESTION_TEXT, WHO_QUESTION)
            page.press(QUESTION_TEXT, "Enter")
            if early:
                # While the server is silent: the question and the sources it will cite are shown, and Stop can be used.
                expect(page.locator(SOURCES)).to_contain_text(WHO_SOURCE, timeout=30_000)
                expect(page.locator(USER_MESSAGES).last).to_contain_text(WHO_QUESTION)
                stop.click()
                # The chat ends the answer while the server is still silent, and hangs up at its first word.
                expect(page.locator(BOT_MESSAGES).last).to_contain_text("Stopped before the end", timeout=30_000)
                assert llm.streams_cut == cut and llm.streams_ended == ended
                llm.first_word.set()
            else:
                expect(page.locator(BOT_MESSAGES).last).to_contain_text("China donated", timeout=30_000)
                expect(send).to_have_count(0)  # while it streams, the box's button stops it
                if how == "stop":
                    stop.click()
                else:
                    page.context.close()
            assert wait_until(lambda: llm.streams_cut > cut, 20), f"the LLM's stream was read on after {how}"
            assert llm.streams_ended == ended
        finally:
            llm.piece_seconds, scripted.padding = 0.0, 0
            llm.first_word.set()
        assert len(http.get("chats").json()["data"]) == chats  # nothing saved
        if how == "page closed":
            return
        stopped = page.locator(BOT_MESSAGES).last
        expect(stopped).to_contain_text("Stopped before the end: not checked against its sources, and not saved.")
        if early:
            expect(stopped).not_to_contain_text("China donated")
        else:
            expect(stopped).to_contain_text("China donated")  # what was streamed stays in view
        expect(stop).to_have_count(0)
        expect(send).to_be_visible()
        # The chat goes on, and keeps only the answer that was not stopped.
        assert re.fullmatch(
            r"China donated 20 million dollars to the WHO \[1\]\.", ask_in_page(page, WHO_QUESTION).answer.strip()
        )
        newest = http.get("chats").json()["data"][0]
        assert newest["title"] == WHO_QUESTION and newest["answers"] == 1
    finally:
        page.context.close()


def ask_text(http: httpx.Client, question: str) -> str:
    body = {"model": "citewise-openai", "messages": [{"role": "user", "content": question}]}
    return str(http.post("chat/completions", json=body).json()["choices"][0]["message"]["content"])


# --------------------------------------------------------------------------- access


def test_the_api_needs_its_key(server: RunningApp) -> None:
    with openai.OpenAI(base_url=f"{server.url}v1", api_key="wrong", max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError) as refused:
            ask(wrong, WHO_QUESTION)
    assert refused.value.code == "invalid_api_key" and "CITEWISE_API_KEY" in refused.value.message
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {KEY}"}):
        response = httpx.get(f"{server.url}v1/models", headers=headers, timeout=30)
        assert response.status_code == 401 and response.json()["error"]["type"] == "authentication_error"
    assert httpx.post(f"{server.url}v1/sync", timeout=30).status_code == 401
    assert httpx.delete(f"{server.url}v1/documents/{WHO_SOURCE}", timeout=30).status_code == 401
    assert httpx.get(f"{server.url}v1/chats", timeout=30).status_code == 401  # saved chats are behind the key too
    assert httpx.post(f"{server.url}v1/chats", json={}, timeout=30).status_code == 401


@pytest.mark.parametrize(
    ("access", "status"),
    [(Access(), 200), (Access(login=True), 403), (Access(api_key="k"), 401), (Access(api_key="k", login=True), 401)],
    ids=["neither: open", "login only: closed", "key", "key and login"],
)
def test_who_may_call_the_api(seeded, access: Access, status: int) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_api(seeded, access)) as local:
        response = local.get("/v1/models")
        assert response.status_code == status
        assert local.get("/v1/chats").status_code == status
        if status == 403:
            assert "CITEWISE_API_KEY" in response.json()["error"]["message"]
        if access.api_key:
            assert local.get("/v1/models", headers={"Authorization": "Bearer k"}).status_code == 200


@pytest.mark.parametrize(
    ("host", "auth", "key", "warning"),
    [
        ("0.0.0.0", "", "", "in the chat and through the API at /v1"),
        ("0.0.0.0", "", "k", "in the chat (the API at /v1 needs CITEWISE_API_KEY)"),
        ("0.0.0.0", "a:b", "", None),
        ("0.0.0.0", "a:b", "k", None),
        ("127.0.0.1", "", "", None),
    ],
)
def test_exposing_the_api_warns(host: str, auth: str, key: str, warning: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="citewise.app"):
        warn_if_exposed(Settings(host=host, auth=auth, api_key=key))
    assert (warning in caplog.text) if warning else caplog.text == ""


# --------------------------------------------------------------------------- documents


def test_an_uploaded_document_is_searched_answered_and_deleted(
    http: httpx.Client, client: openai.OpenAI, server: RunningApp
) -> None:
    name, question = "herons.md", "How many purple herons did the Zorblat lagoon survey count?"
    text = b"# Zorblat lagoon\n\nThe Zorblat lagoon survey counted 4711 purple herons in 2024.\n"
    saved = http.post("documents", params={"sync": "false"}, files={"file": (name, text)})
    assert saved.status_code == 201 and saved.json()["name"] == name and saved.json()["sync"] is None
    synced = http.post("sync").json()
    assert (synced["added"], synced["unchanged"], synced["failed"]) == (1, 5, [])
    found = http.post("search", json={"query": question, "top_k": 3}).json()
    best = found["results"][0]
    assert best["source"] == name and best["relevant"] and best["rank"] == 1
    assert set(best["scores"]) == {"bm25", "dense", "fused", "rerank"} and best["scores"]["rerank"] is not None
    assert {d["source"]: d["status"] for d in http.get("documents").json()["data"]}[name] == "indexed"
    assert extra(ask(client, question), "citations")[0]["source"] == name
    assert http.get("status").json()["documents"] == 6

    assert http.delete(f"documents/{name}").json() == {"source": name, "deleted": True}
    assert not (server.docs_dir / name).exists()
    assert http.post("sync").json()["unchanged"] == 5
    assert name not in {r["source"] for r in http.post("search", json={"query": question}).json()["results"]}
    assert name not in {d["source"] for d in http.get("documents").json()["data"]}
    assert extra(ask(client, question), "citations") == []


def test_an_upload_taking_a_name_is_numbered_and_indexed_at_once(http: httpx.Client, server: RunningApp) -> None:
    saved = http.post("documents", files={"file": (WHO_SOURCE.upper(), b"A copy of the WHO article.\n")}).json()
    try:
        assert saved["renamed"] and saved["name"] == "003_8CF9F7C4BE1979B2 (2).txt"
        assert saved["sync"]["added"] == 1 and saved["sync"]["failed"] == []
    finally:
        assert http.delete(f"documents/{saved['name']}").status_code == 200
    assert (server.docs_dir / WHO_SOURCE).is_file()


# --------------------------------------------------------------------------- bad requests

COMPLETIONS = "/v1/chat/completions"
QUESTION = {"model": "citewise", "messages": [{"role": "user", "content": WHO_QUESTION}]}


def chat(**changes: Any) -> bytes:
    return json.dumps({**QUESTION, **changes}).encode()


BAD_REQUESTS = {
    "malformed JSON": ("POST", COMPLETIONS, b'{"model": "citewise", "messages": [', 400, "not valid JSON"),
    "no messages": ("POST", COMPLETIONS, b'{"model": "citewise"}', 400, "messages: Field required"),
    "no user message": ("POST", COMPLETIONS, chat(messages=[{"role": "system", "content": "Hi"}]), 400, "no user message"),
    "empty question": ("POST", COMPLETIONS, chat(messages=[{"role": "user", "content": "  "}]), 400, "The question is empty"),
    "over the question limit": (
        "POST",
        COMPLETIONS,
        chat(messages=[{"role": "user", "content": "why " * 1000}]),
        400,
        "limit is 2,000",
    ),
    "a 10 MB message": ("POST", COMPLETIONS, chat(messages=[{"role": "user", "content": "a" * 10_000_000}]), 413, "limit"),
    "unknown model": ("POST", COMPLETIONS, chat(model="gpt-4o"), 404, "does not exist"),
    "unknown document to search": ("POST", COMPLETIONS, chat(sources=["nope.txt"]), 400, "No indexed document"),
    "half an emoji as a document": ("POST", COMPLETIONS, chat(sources=["\ud83d"]), 400, "No indexed document"),
    "empty search": ("POST", "/v1/search", b'{"query": ""}', 400, "empty"),
    "search of an unknown document": ("POST", "/v1/search", b'{"query": "WHO", "sources": ["nope.txt"]}', 400, "No indexed"),
    # Chroma refuses a lone surrogate in its filter: a 500 "InvalidArgumentError" until 2026-12-07 (found by fuzzing).
    "search of half an emoji": ("POST", "/v1/search", b'{"query": "WHO", "sources": ["\\ud800"]}', 400, "No indexed"),
    "wrong method": ("GET", COMPLETIONS, b"", 405, "not allowed"),
    "unknown endpoint": ("GET", "/v1/embeddings", b"", 404, "No endpoint"),
    "delete ..": ("DELETE", "/v1/documents/../../etc/passwd", b"", 400, "not a document name"),
    "delete absolute": ("DELETE", "/v1/documents//etc/passwd", b"", 400, "not a document name"),
    "delete encoded": ("DELETE", "/v1/documents/%2Fetc%2Fpasswd", b"", 400, "not a document name"),
    "delete encoded ..": ("DELETE", f"/v1/documents/..%2F{WHO_SOURCE}", b"", 400, "not a document name"),
    "delete unknown": ("DELETE", "/v1/documents/nope.txt", b"", 404, "No document named"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_a_bad_request_gets_a_clear_4xx_and_the_server_keeps_serving(server: RunningApp, http: httpx.Client, case: str) -> None:
    method, path, body, status, message = BAD_REQUESTS[case]
    got, error = raw(server, method, path, body)
    assert got == status, error
    assert set(error["error"]) == {"message", "type", "param", "code"} and message in error["error"]["message"]
    assert http.get("models").status_code == 200
    assert {path.name for path in server.docs_dir.iterdir()} >= SEEDS


# Requests of any shape, as a client may send them: text of any kind where text goes (lone surrogates, NUL, control
# characters, emoji, paths), any JSON where a field's type is expected, any role, model and document name.
TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),  # any code point, lone surrogates too
    st.sampled_from([WHO_QUESTION, "who led them?", "Tell me more", "hi", "", " ", "\x00", "\ud800", "[1]", "..", "%2F"]),
)
QUERY = st.sampled_from([WHO_QUESTION, "WHO donation"]) | TEXT  # mostly one that is searched
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
PART = st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url"]) | TEXT}, optional={"text": TEXT | ANY_JSON})
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool"]) | TEXT},
    optional={"content": TEXT | st.lists(PART, max_size=2) | ANY_JSON},
)
REQUESTS = st.one_of(
    st.tuples(
        st.just(COMPLETIONS),
        st.fixed_dictionaries(
            {"model": st.sampled_from(["citewise", "citewise-extractive"]) | TEXT, "messages": st.lists(MESSAGE, max_size=3)},
            optional={"stream": st.booleans() | ANY_JSON, "sources": st.lists(TEXT, max_size=2) | ANY_JSON},
        ),
    ),
    st.tuples(
        st.just("/v1/search"),
        st.fixed_dictionaries(
            {"query": QUERY},
            optional={
                "top_k": st.integers(-2, 200) | ANY_JSON,
                "sources": st.lists(TEXT | st.just(WHO_SOURCE), max_size=2),
                "mode": st.sampled_from(["hybrid", "dense", "keyword"]) | TEXT,
                "rerank": st.booleans() | ANY_JSON,
            },
        ),
    ),
    st.tuples(st.just("/v1/chats"), st.fixed_dictionaries({}, optional={"title": TEXT | ANY_JSON})),
)


@settings(max_examples=60, deadline=None, database=None)  # no example database written into the repo
@given(REQUESTS)
def test_a_request_of_any_shape_gets_an_answer_or_a_clear_4xx(http: httpx.Client, request: tuple[str, Any]) -> None:
    path, body = request
    response = http.post(path.removeprefix("/v1/"), content=json.dumps(body), headers={"Content-Type": "application/json"})
    if response.status_code not in (200, 201):  # a streamed answer is events, not one JSON body
        assert 400 <= response.status_code < 500, response.text
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_a_document_not_indexed_yet_is_deleted(http: httpx.Client, server: RunningApp) -> None:
    # Uploaded without a sync (or failed by one, or copied in): in the folder, not in the index. It answered 404 until
    # 2026-12-07, and stayed (found by a stateful fuzz of uploads, deletes and syncs).
    assert http.post("documents", params={"sync": "false"}, files={"file": ("later.txt", b"Read later.")}).status_code == 201
    assert http.delete("documents/later.txt").json() == {"source": "later.txt", "deleted": True}
    assert not (server.docs_dir / "later.txt").exists() and http.delete("documents/later.txt").status_code == 404
    (server.docs_dir / "folder.txt").mkdir()  # a folder is no document: left alone, 404
    assert http.delete("documents/folder.txt").status_code == 404 and (server.docs_dir / "folder.txt").is_dir()
    (server.docs_dir / "folder.txt").rmdir()


@pytest.mark.parametrize(
    ("name", "size", "status", "message"),
    [
        ("tool.exe", 10, 400, "unsupported file type"),
        ("big.txt", 1_010_000, 400, "upload limit"),
        ("huge.txt", 1_500_000, 413, "limit"),
    ],
)
def test_an_upload_the_library_refuses_gets_a_4xx(
    http: httpx.Client, server: RunningApp, name: str, size: int, status: int, message: str
) -> None:
    response = http.post("documents", files={"file": (name, b"a" * size)})
    assert response.status_code == status and message in response.json()["error"]["message"]
    assert not (server.docs_dir / name).exists() and http.get("models").status_code == 200


# --------------------------------------------------------------------------- one server


def test_the_chat_viewer_and_api_docs_share_the_server(server: RunningApp) -> None:
    assert "<!doctype html>" in httpx.get(server.url, timeout=30).text.lower()
    assert ".cw-source" in httpx.get(f"{server.url}config", timeout=30).json()["css"]
    assert httpx.get(f"{server.url}documents/{WHO_SOURCE}", timeout=30).status_code == 200
    assert httpx.get(f"{server.url}docs", timeout=30).status_code == 200
    schema = httpx.get(f"{server.url}openapi.json", timeout=30).json()
    assert {
        "/v1/chat/completions",
        "/v1/models",
        "/v1/search",
        "/v1/documents",
        "/v1/documents/{source}",
        "/v1/sync",
        "/v1/status",
    } <= set(schema["paths"])
    citations = schema["components"]["schemas"]["ChatCompletion"]["properties"]["citations"]
    assert "[n] markers" in citations["description"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
