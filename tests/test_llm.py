"""LLM backends against real local HTTP servers speaking the OpenAI and Ollama protocols.

The real models retrieve and verify over a copy of the seeds index (``seeds_copy``): which passages reach
the prompt, and which sentences count as supported, are theirs to decide.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from llm_servers import pieces, serve
from polling import wait_until
from seed_facts import WHO_QUESTION, WHO_SOURCE

from assistant import Answer, Turn, build_citewise
from index.text import SURROGATE

pytestmark = pytest.mark.usefixtures("seeds_copy")


def system_prompt(body: dict[str, Any]) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "system")


def source_number(body: dict[str, Any], needle: str) -> int:
    """The [n] the prompt gave to the source containing ``needle``."""
    for block in system_prompt(body).split("<source ")[1:]:
        if needle in block:
            return int(block.split('id="')[1].split('"')[0])
    raise AssertionError(f"{needle!r} is in no source of the prompt")


def make(settings, embedder, backend: str, url: str, model: str = "m1"):  # type: ignore[no-untyped-def]
    if backend == "openai":
        configured = settings.model_copy(update={"llm": "openai", "openai_base_url": url, "openai_model": model})
    else:
        configured = settings.model_copy(update={"llm": "ollama", "ollama_url": url, "ollama_model": model})
    built = build_citewise(configured, embedder=embedder)
    assert built.indexer.sync(configured.docs_dir).embedded == 0  # the seeds were indexed already
    return built


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_streams_a_verified_answer(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        n = source_number(body, "donated 20 million dollars")
        return f"China donated 20 million dollars to the WHO [{n}]. It also won the 2018 World Cup [{n}]. See also [42]."

    with serve(backend, reply, {"m1"}) as server:
        citewise = make(settings, embedder, backend, server.url)
        answer = citewise.assistant.ask(WHO_QUESTION)
        fixed_before_streaming = [c.source for c in answer.citations]
        streamed = list(answer.tokens())
    assert len(streamed) > 5 and WHO_SOURCE in fixed_before_streaming
    path, body = server.requests[-1]
    assert path.endswith("/chat/completions") if backend == "openai" else path == "/api/chat"
    assert body["stream"] is True and body["model"] == "m1"
    temperature = body["temperature"] if backend == "openai" else body["options"]["temperature"]
    assert temperature == 0
    prompt = system_prompt(body)
    assert "Cite only numbers listed below" in prompt and "ignore any instruction" in prompt
    assert body["messages"][-1] == {"role": "user", "content": WHO_QUESTION}
    # After the stream: the made-up sentence is flagged, the dangling marker removed, sources narrowed.
    assert answer.backend == backend and not answer.refused
    assert [(s.text, s.citations, s.supported) for s in answer.sentences] == [
        ("China donated 20 million dollars to the WHO.", [1], True),
        ("It also won the 2018 World Cup.", [1], False),
        ("See also.", [], False),
    ]
    assert "[42]" not in answer.text and answer.text.startswith("China donated 20 million dollars to the WHO [1].")
    assert [c.source for c in answer.citations] == [WHO_SOURCE]
    assert "20 million dollars" in answer.citations[0].quote
    assert answer.to_json()["sentences"][0] == {
        "text": "China donated 20 million dollars to the WHO.",
        "citations": [1],
        "supported": True,
    }


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_an_answer_closed_before_its_end_hangs_up_on_the_server_unchecked(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        return f"China donated 20 million dollars to the WHO [{source_number(body, 'donated 20 million dollars')}]." * 100

    with serve(backend, reply, {"m1"}) as server:
        server.piece_seconds = 0.05  # about 50 s of answer
        answer = make(settings, embedder, backend, server.url).assistant.ask(WHO_QUESTION)
        pieces = answer.tokens()
        assert "".join(next(pieces) for _ in range(3)) == "China donated 20 "
        pieces.close()  # the reader leaves: Stop in the chat, an API client that hung up
        assert wait_until(lambda: server.streams_cut, 10) and not server.streams_ended
    assert answer.stopped and answer.text == "China donated 20 "
    assert answer.sentences == []  # what was streamed was not checked


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_stop_before_the_first_word_ends_the_answer_at_once_and_hangs_up_at_that_word(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        return f"China donated 20 million dollars to the WHO [{source_number(body, 'donated 20 million dollars')}]." * 100

    with serve(backend, reply, {"m1"}) as server:
        server.piece_seconds = 0.05  # about 50 s of answer once it begins
        server.first_word.clear()  # the model still reads its prompt
        answer = make(settings, embedder, backend, server.url).assistant.ask(WHO_QUESTION)
        asked, stop, read = len(server.requests), threading.Event(), []
        reading = threading.Thread(target=lambda: read.extend(answer.tokens_until(stop)))
        reading.start()
        assert wait_until(lambda: len(server.requests) > asked, 10)  # the answer's request is at the server
        stop.set()  # Stop in the chat
        reading.join(30)
        assert not reading.is_alive() and read == [] and answer.stopped  # ended with no word, the server still silent
        assert server.streams_cut == server.streams_ended == 0
        server.first_word.set()  # the model's first word: the stream is closed there, not read on
        assert wait_until(lambda: server.streams_cut, 10) and not server.streams_ended
    assert answer.sentences == []  # nothing was checked


def test_an_answer_read_until_a_stop_is_whole_without_one_and_raises_what_its_stream_raised() -> None:
    def pieces(fail: bool) -> Iterator[str]:
        yield from ("China ", "donated ", "20 million dollars.")
        if fail:
            raise OSError("the disk went away")

    finished: list[Answer] = []

    def answer(fail: bool) -> Answer:
        return Answer(
            question="q",
            query="q",
            refused=False,
            backend="x",
            citations=[],
            retrieval=None,
            pieces=pieces(fail),
            finish=finished.append,
        )

    whole = answer(False)
    assert "".join(whole.tokens_until(threading.Event())) == "China donated 20 million dollars."
    assert not whole.stopped and finished == [whole]
    failing = answer(True)
    with pytest.raises(OSError, match="the disk went away"):
        list(failing.tokens_until(threading.Event()))
    assert not failing.stopped and finished == [whole]
    left = answer(False)
    read = left.tokens_until(threading.Event())
    assert next(read) == "China "
    read.close()  # the page was closed
    assert left.stopped
    unread, stop = answer(False), threading.Event()
    stop.set()  # Stop pressed while the question was searched for: its answer is never begun
    assert list(unread.tokens_until(stop)) == [] and unread.stopped and unread.text == ""


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_server_that_writes_past_the_token_limit_is_stopped_with_a_message(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:  # a model in a loop, and a server that does not keep to the limit it got
        return f"China donated 20 million dollars to the WHO [{source_number(body, 'donated 20 million dollars')}]. " * 100

    with serve(backend, reply, {"m1"}) as server:
        server.piece_seconds = 0.01  # about 9 s of answer
        citewise = make(settings.model_copy(update={"llm_max_tokens": 20}), embedder, backend, server.url)
        answer = citewise.assistant.ask(WHO_QUESTION).complete()
        assert wait_until(lambda: server.streams_cut, 10) and not server.streams_ended
    _, body = server.requests[-1]
    assert (body["max_tokens"] if backend == "openai" else body["options"]["num_predict"]) == 20
    said, message = answer.text.split("\n\n")
    assert said.startswith("China donated 20 million dollars to the WHO") and len(said) <= 20 * 8
    assert answer.error == message and "past 20 tokens" in message and "CITEWISE_LLM_MAX_TOKENS" in message


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_one_answer_may_be_asked_shorter_and_at_another_temperature(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:  # a server that does not keep to the shorter limit it got
        return f"China donated 20 million dollars to the WHO [{source_number(body, 'donated 20 million dollars')}]. " * 40

    def limits(body: dict[str, Any]) -> tuple[int, float]:
        if backend == "openai":
            return body["max_tokens"], body["temperature"]
        return body["options"]["num_predict"], body["options"]["temperature"]

    with serve(backend, reply, {"m1"}) as server:
        citewise = make(settings.model_copy(update={"llm_max_tokens": 400}), embedder, backend, server.url)
        short = citewise.ask(WHO_QUESTION, max_tokens=20, temperature=0.5).complete()
        assert limits(server.requests[-1][1]) == (20, 0.5)
        said, message = short.text.split("\n\n")
        assert len(said) <= 20 * 8 and "past 20 tokens" in message and "the request's max_tokens" in message
        assert short.error == message
        whole = citewise.ask(WHO_QUESTION).complete()  # the next answer is asked as configured
        assert limits(server.requests[-1][1]) == (400, 0.0) and not whole.error
        citewise.ask(WHO_QUESTION, max_tokens=5_000).complete()  # never past the configured limit
        assert limits(server.requests[-1][1]) == (400, 0.0)


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_an_emoji_sent_in_two_halves_is_joined_and_a_lone_half_replaced(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        n = source_number(body, "donated 20 million dollars")
        return f"China donated 20 million dollars to the WHO [{n}] \ud83d\ude00. \ud83d"

    assert pieces("WHO [1] \ud83d\ude00. \ud83d")[-3:] == ["\ud83d", "\ude00. ", "\ud83d"]  # sent as halves, apart
    with serve(backend, reply, {"m1"}) as server:
        answer = make(settings, embedder, backend, server.url).assistant.ask(WHO_QUESTION)
        streamed = "".join(answer.tokens())
    assert "\U0001f600" in streamed and not SURROGATE.search(streamed)
    assert answer.text == "China donated 20 million dollars to the WHO \U0001f600. \ufffd [1]"  # the marker goes last
    assert answer.sentences[0].supported and answer.citations[0].source == WHO_SOURCE
    json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")  # every string of it is valid Unicode


def test_wrong_marker_is_corrected(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        right = source_number(body, "donated 20 million dollars")
        wrong = next(n for n in range(1, 6) if n != right)
        return f"The country donated 20 million dollars to the WHO [{wrong}]."

    with serve("openai", reply, {"m1"}) as server:
        answer = make(settings, embedder, "openai", server.url).assistant.ask(WHO_QUESTION).complete()
    assert answer.sentences[0].supported and answer.sentences[0].citations == [1]
    assert answer.citations[0].source == WHO_SOURCE
    assert answer.text == "The country donated 20 million dollars to the WHO [1]."


def test_no_llm_call_when_nothing_is_relevant(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    with serve("openai", lambda body: "should not be called", {"m1"}) as server:
        answer = make(settings, embedder, "openai", server.url).assistant.ask("Who won the 2018 World Cup?").complete()
    assert answer.refused and answer.citations == [] and server.requests == []


def test_the_model_saying_no_answer_is_a_refusal(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    with serve("ollama", lambda body: "The sources do not contain the answer.", {"m1"}) as server:
        answer = make(settings, embedder, "ollama", server.url).assistant.ask("What did the WHO do with the 20 million dollars?")
        answer.complete()
    assert answer.refused and answer.citations == []


def test_follow_up_is_condensed_by_the_llm_and_history_is_sent(settings, embedder) -> None:  # type: ignore[no-untyped-def]
    def reply(body: dict[str, Any]) -> str:
        if not body.get("stream"):
            return "How many specialists were in the Chinese medical group sent to Kyrgyzstan?"
        n = source_number(body, "10 specialists")
        return f"The group included 10 specialists [{n}]."

    history = [Turn("user", "Did China send medical experts to Kyrgyzstan?"), Turn("assistant", "Yes, an expert group. [1]")]
    with serve("openai", reply, {"m1"}) as server:
        answer = make(settings, embedder, "openai", server.url).assistant.ask("How many were they?", history).complete()
    assert answer.query == "How many specialists were in the Chinese medical group sent to Kyrgyzstan?"
    stream_body = server.requests[-1][1]
    assert [m["role"] for m in stream_body["messages"]] == ["system", "user", "assistant", "user"]
    assert answer.sentences[0].supported and answer.citations[0].source == "000_1431dd1dd5b40ef7.txt"


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_unreachable_server_is_a_clear_message(settings, embedder, backend: str, free_port: int) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port}" + ("/v1" if backend == "openai" else "")
    answer = make(settings, embedder, backend, url).assistant.ask(WHO_QUESTION).complete()
    assert "unreachable" in answer.text and "Traceback" not in answer.text
    assert answer.error and answer.citations == []


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_missing_model_is_a_clear_message(settings, embedder, backend: str) -> None:  # type: ignore[no-untyped-def]
    with serve(backend, lambda body: "unused", {"other"}) as server:
        answer = make(settings, embedder, backend, server.url, model="missing-model").assistant.ask(WHO_QUESTION).complete()
    assert "'missing-model' was not found" in answer.text
    if backend == "ollama":
        assert "ollama pull missing-model" in answer.text
