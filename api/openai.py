"""The OpenAI-compatible surface: ``POST /v1/chat/completions`` (plain and streamed) and ``GET /v1/models``.

Any OpenAI client can ask Citewise: ``messages`` is the conversation, its last user message the
question, and the earlier user and assistant turns the history a follow-up is read against. The
answer keeps its ``[n]`` markers; the sources they point to come as data beside it, in a
``citations`` field of the response (of the last chunk when streaming), never parsed back out of
the text. ``model`` picks the answerer: ``citewise`` (the configured one), ``citewise-extractive``,
or ``citewise-<backend>`` for each configured LLM server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from contextlib import closing
from typing import Any, Literal
from urllib.parse import urljoin

from fastapi import APIRouter, Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.errors import APIError, ErrorBody
from assistant import Answer, Citation, Citewise, Passage, QuestionError, Turn, UnknownDocumentsError
from assistant.answer import closest_json
from assistant.history import estimate_tokens

logger = logging.getLogger(__name__)

MODEL = "citewise"
# The status of a reply nobody reads, its client having hung up before the answer was complete (nginx's "client closed
# request"): only logs see it.
CLIENT_GONE = 499
Link = Callable[[Citation | Passage], str]
"""A citation's or a passage's viewer address, relative to the server's root (``ui.viewer.document_link``)."""


# --------------------------------------------------------------------------- request


class ContentPart(BaseModel):
    """One part of a message's content; only ``text`` parts are read."""

    type: str = Field(description='"text"; other kinds (images) are ignored.')
    text: str = ""


class ChatMessage(BaseModel):
    """One message of the conversation."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = Field(None, description="Text, or OpenAI content parts.")

    def text(self) -> str:
        """The message's text, its text parts joined."""
        if isinstance(self.content, list):
            return " ".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    """OpenAI's streaming options."""

    include_usage: bool = Field(False, description="Send a last chunk with the usage and no choices.")


class ChatRequest(BaseModel):
    """A chat completion request. Other OpenAI parameters (tools, top_p, n, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="citewise (the configured answerer), citewise-extractive, or citewise-<backend>.")
    messages: list[ChatMessage] = Field(
        description="The conversation. The last user message is the question; earlier user and assistant messages "
        "are the history a follow-up is read against; system messages are ignored (Citewise has its own instructions)."
    )
    stream: bool = Field(False, description="Stream the answer as server-sent chat.completion.chunk events.")
    stream_options: StreamOptions | None = None
    sources: list[str] = Field(
        default_factory=list, description="Citewise: search only these documents (as GET /v1/documents names them)."
    )
    max_tokens: int | None = Field(
        None,
        ge=1,
        description="An LLM answer's length at most, never past CITEWISE_LLM_MAX_TOKENS; an extractive answer quotes "
        "whole sentences and is not cut.",
    )
    max_completion_tokens: int | None = Field(None, ge=1, description="OpenAI's newer name of max_tokens; wins over it.")
    temperature: float | None = Field(
        None, ge=0, le=2, description="An LLM answer's temperature (CITEWISE_TEMPERATURE otherwise); no extractive one has any."
    )


# --------------------------------------------------------------------------- response


class CitedSource(BaseModel):
    """Source ``n`` of an answer: the passage, the sentences of it that support the answer, and where to read it."""

    n: int = Field(description="The number the answer's [n] markers use.")
    source: str = Field(description="The document, relative to the documents folder.")
    title: str
    section: str = Field(description='The headings the passage sits under, joined by " > "; "" for none.')
    page: int | None = Field(description="The page, for paged formats (PDF).")
    quote: str = Field(description="The passage's sentences that support the answer.")
    text: str = Field(description="The whole passage.")
    score: float = Field(description="The passage's relevance (cross-encoder logit, or cosine without reranking).")
    url: str | None = Field(
        description="The document viewer, scrolled to the quoted sentences (needs the chat's login if it has one)."
    )


class ClosestPassage(BaseModel):
    """A passage a refusal found on the subject, none of whose sentences said what was asked: for the reader to judge."""

    source: str
    title: str
    section: str
    page: int | None
    text: str = Field(description="The whole passage.")
    score: float = Field(description="Its relevance (cross-encoder logit, or cosine without reranking).")
    start_char: int = Field(description="Where the passage starts in its document's text.")
    url: str | None = Field(description="The document viewer, scrolled to the passage.")


class CheckedSentence(BaseModel):
    """A sentence of the answer, the sources it cites, and whether they support it (generated answers are checked)."""

    text: str
    citations: list[int]
    supported: bool


class Usage(BaseModel):
    """Token counts, estimated (about 4/3 per word); an extractive answer runs no language model."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    """The answer."""

    role: Literal["assistant"] = "assistant"
    content: str = Field(description="The answer text with its [n] markers.")


class Choice(BaseModel):
    """The one answer."""

    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    """An answer in OpenAI's chat.completion shape, with Citewise's fields beside it."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[CitedSource] = Field(description="Citewise: the sources the [n] markers point to; empty for a refusal.")
    refused: bool = Field(description="Citewise: true when the documents do not answer the question.")
    tentative: bool = Field(
        description="Citewise: true when the quoted sentences are on the subject but may not say what was asked: check them."
    )
    closest: list[ClosestPassage] = Field(
        description="Citewise: for an answer that cites nothing, the closest passages found on the subject (up to 3)."
    )
    suggestion: str | None = Field(
        None,
        description="Citewise: for a refusal, the question respelled where a word of it is in no indexed document and the "
        "passages found hold one a slip away (offered, not answered); null otherwise.",
    )
    query: str = Field(description="Citewise: what was searched (a follow-up carries the conversation's words).")
    backend: str = Field(description="Citewise: the answerer that answered: extractive, ollama or openai.")
    sentences: list[CheckedSentence] = Field(description="Citewise: each sentence with its sources and whether they support it.")


class ModelCard(BaseModel):
    """An answerer, as an OpenAI model."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "citewise"


class ModelList(BaseModel):
    """The answerers a request may name as its ``model``."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


_STREAM_DOC = (
    "With `stream: true`: `text/event-stream` of `data: {chat.completion.chunk}` events, the answer's pieces in "
    "`choices[0].delta.content`; the last chunk (`finish_reason: stop`) carries `citations`, `refused`, `tentative`, "
    "`closest`, `suggestion`, `query`, `backend` and `sentences`, and for a generated answer whose check changed the text, "
    "`verified_content`: the checked text the citation numbers refer to. Then `data: [DONE]`."
)


# --------------------------------------------------------------------------- routes


def sse_event(data: dict[str, Any]) -> str:
    """One server-sent event carrying ``data`` as JSON."""
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def failed_event(answer: Answer, error: Exception) -> str:
    """The event that ends the stream of ``answer``, whose answering raised ``error`` (logged here) after the status
    line was sent: an error in the body of every other error (``api.errors``), as OpenAI's streams end."""
    logger.error("streaming the answer to %r failed", answer.question[:200], exc_info=error)
    message = f"Answering failed: {type(error).__name__}: {error}"
    return sse_event({"error": {"message": message, "type": "server_error", "param": None, "code": None}})


def event_stream(events: Generator[str]) -> StreamingResponse:
    """Server-sent ``events``, each made in a worker thread, so a slow answerer never holds up the event loop.

    When the client hangs up, Starlette cancels the response and leaves ``events`` to the garbage collector, which
    closes it only once nothing refers to it (and the answer's LLM server writes on meanwhile): it is closed at once
    here instead, in a worker thread (closing hangs up on the LLM server), as nothing waits for it.
    """

    async def closed_at_the_end() -> AsyncIterator[str]:
        try:
            async for event in iterate_in_threadpool(events):
                yield event
        finally:
            asyncio.get_running_loop().run_in_executor(None, events.close)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nor buffered by a proxy (nginx) in between
    return StreamingResponse(closed_at_the_end(), media_type="text/event-stream", headers=headers)


async def read_whole(answer: Answer, request: Request, every: float = 0.25) -> bool:
    """Read ``answer`` to its end in a worker thread while watching its client, every ``every`` seconds: True once
    read; False as soon as the client has hung up, and the reading stops (``Answer.tokens_until``: its LLM server is
    hung up on at its next word), so that a client that gave up does not keep a server writing for nobody."""
    gone = threading.Event()

    def read() -> None:
        for _ in answer.tokens_until(gone):
            pass

    reading = asyncio.ensure_future(run_in_threadpool(read))
    while True:
        done, _ = await asyncio.wait({reading}, timeout=every)
        if done:
            reading.result()  # what the reading raised, if anything
            return True
        if await request.is_disconnected():
            gone.set()
            # Left to end on its own: a failure there is nobody's to see, so it is only logged.
            reading.add_done_callback(_log_failure)
            return False


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("reading an answer its client left failed", exc_info=task.exception())


def answerers(citewise: Citewise) -> dict[str, str | None]:
    """Model name -> backend (None: the configured one)."""
    return {MODEL: None, **{f"{MODEL}-{backend}": backend for backend in citewise.choices().backends}}


def backend_of(citewise: Citewise, model: str) -> str | None:
    """The backend a request's ``model`` names; an unknown one is a 404 that lists the models."""
    names = answerers(citewise)
    if model not in names:
        raise APIError(
            404, f"The model {model!r} does not exist; use one of: {', '.join(names)}.", code="model_not_found", param="model"
        )
    return names[model]


def chat_router(citewise: Citewise, link: Link | None = None) -> APIRouter:
    """``/chat/completions`` and ``/models`` over ``citewise``; ``link`` gives each citation's viewer URL."""
    router = APIRouter(tags=["OpenAI-compatible"])
    created = int(time.time())

    @router.get("/models", response_model=ModelList, summary="List the answerers")
    async def models() -> ModelList:
        """The answerers a chat completion may name as its ``model``."""
        return ModelList(data=[ModelCard(id=name, created=created) for name in answerers(citewise)])

    @router.get(
        "/models/{model}", response_model=ModelCard, responses={404: {"model": ErrorBody}}, summary="Describe an answerer"
    )
    async def model(model: str) -> ModelCard:
        """One answerer, or 404."""
        backend_of(citewise, model)
        return ModelCard(id=model, created=created)

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}, "description": _STREAM_DOC}, 400: {"model": ErrorBody}},
        summary="Answer the last user message, with citations",
    )
    async def chat_completions(body: ChatRequest, request: Request) -> Any:
        """Answer the conversation's last user message from the documents, citing every sentence.

        A question the documents do not answer gets "Not found in your documents" with no citations
        and ``refused: true``. An empty or over-long question is refused with a 400 saying why.
        A client that hangs up before the answer is complete stops it (an LLM server is hung up on).
        """
        backend = backend_of(citewise, body.model)
        question, history = conversation(body.messages)

        def asked() -> Answer:  # searching and reranking: in a worker thread, as a plain endpoint would be
            try:
                return citewise.ask(
                    question,
                    history,
                    sources=body.sources,
                    backend=backend,
                    max_tokens=body.max_completion_tokens or body.max_tokens,
                    temperature=body.temperature,
                )
            except UnknownDocumentsError as error:
                raise APIError(400, str(error), code="unknown_document", param="sources") from error
            except QuestionError as error:
                raise APIError(400, str(error), code="invalid_question", param="messages") from error

        answer = await run_in_threadpool(asked)
        reply = Reply(body.model, str(request.base_url), link, prompt_tokens(body.messages))
        if body.stream:
            include_usage = body.stream_options is not None and body.stream_options.include_usage
            return event_stream(reply.stream(answer, include_usage))
        if not await read_whole(answer, request):
            return Response(status_code=CLIENT_GONE)
        if answer.error:
            raise APIError(502, answer.error, code="llm_failed")
        return reply.completion(answer)

    return router


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last user message) and the turns before it, as the chat keeps them."""
    last = max((i for i, message in enumerate(messages) if message.role == "user"), default=None)
    if last is None:
        raise APIError(
            400,
            'messages has no user message: the last message with role "user" is the question.',
            code="no_user_message",
            param="messages",
        )
    history = [
        Turn(message.role, text)
        for message in messages[:last]
        if message.role in ("user", "assistant") and (text := message.text()).strip()
    ]
    return messages[last].text(), history


def prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    """The request's estimated token count."""
    return sum(estimate_tokens(message.text()) for message in messages)


class Reply:
    """Shapes one answer as an OpenAI completion or as its stream of chunks."""

    def __init__(self, model: str, base_url: str, link: Link | None, prompt_tokens: int) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self.base_url = base_url
        self.link = link
        self.prompt_tokens = prompt_tokens

    def completion(self, answer: Answer) -> dict[str, Any]:
        """The chat.completion object of a finished answer."""
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
            "usage": self._usage(answer.text),
            **self._extras(answer),
        }

    def stream(self, answer: Answer, include_usage: bool) -> Generator[str]:
        """Server-sent events: a role chunk, one chunk per piece, the last chunk with the citations, ``[DONE]``."""
        streamed = []
        try:
            yield sse_event(self._chunk({"role": "assistant", "content": ""}))
            # Closed with this stream when its client hangs up: the answer stops, and hangs up on its LLM server.
            with closing(answer.tokens()) as pieces:
                for piece in pieces:
                    streamed.append(piece)
                    yield sse_event(self._chunk({"content": piece}))
        except Exception as error:
            yield failed_event(answer, error)
            yield "data: [DONE]\n\n"
            return
        last = {**self._chunk({}, finish_reason="stop"), **self._extras(answer)}
        if "".join(streamed) != answer.text:
            # Checking a generated answer may fix or drop markers after they were streamed.
            last["verified_content"] = answer.text
        yield sse_event(last)
        if include_usage:
            yield sse_event({**self._head("chat.completion.chunk"), "choices": [], "usage": self._usage(answer.text)})
        yield "data: [DONE]\n\n"

    def cited(self, citation: Citation) -> dict[str, Any]:
        """A citation as the API gives it, with the viewer's URL."""
        return {
            "n": citation.n,
            "source": citation.source,
            "title": citation.title,
            "section": citation.section,
            "page": citation.page,
            "quote": citation.quote,
            "text": citation.text,
            "score": citation.score,
            "url": self.url(citation),
        }

    def url(self, item: Citation | Passage) -> str | None:
        """The viewer's absolute URL for a citation or a passage (None when the API serves no viewer)."""
        return urljoin(self.base_url, self.link(item)) if self.link else None

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {**self._head("chat.completion.chunk"), "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    def _extras(self, answer: Answer) -> dict[str, Any]:
        return {
            "citations": [self.cited(citation) for citation in answer.citations],
            "refused": answer.refused,
            "tentative": answer.tentative,
            "closest": [closest_json(passage) | {"url": self.url(passage)} for passage in answer.closest],
            "suggestion": answer.suggestion or None,
            "query": answer.query,
            "backend": answer.backend,
            "sentences": [vars(sentence) for sentence in answer.sentences],
        }

    def _usage(self, text: str) -> dict[str, int]:
        completion = estimate_tokens(text)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }
