"""Saved chats over HTTP: the chats the chat window keeps, listed, started, asked in, read back, renamed, deleted and
exported, each visible to its owner only.

The owner is the ``X-Citewise-User`` header's user name, or the local user ("") without one: the chats of a chat
window with no login are the API's own. A request holding the API key may act for any user (the key is the
administrator's); a chat of another owner answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import closing
from typing import Any, TypeVar

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from api.errors import APIError, ErrorBody
from api.openai import CLIENT_GONE, MODEL, backend_of, event_stream, failed_event, read_whole, sse_event
from assistant import Answer, ChatStoreError, ChatSummary, Citewise, QuestionError, Turn
from assistant.chats import owner_name

T = TypeVar("T")
OWNER_HEADER = "X-Citewise-User"
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"model": ErrorBody}}


class ChatEntry(BaseModel):
    """One chat of the list."""

    id: str
    title: str = Field(description='"" until its first question names it.')
    created: float = Field(description="Seconds since the epoch.")
    updated: float = Field(description="When a question was last asked in it.")
    answers: int


class ChatList(BaseModel):
    """The owner's chats, most recently used first."""

    object: str = "list"
    data: list[ChatEntry]


class NewChat(BaseModel):
    """A chat to start; without a title, its first question names it."""

    title: str = Field("", description="Up to 200 characters on one line.")


class Retitle(BaseModel):
    """A chat's new title."""

    title: str = Field(description="1 to 200 characters on one line.")


class Question(BaseModel):
    """A question asked in a chat: answered with the chat's earlier answers as its conversation, and saved in it."""

    content: str = Field(description="The question, held to the question length limit.")
    model: str = Field(MODEL, description="The answerer, as GET /v1/models lists them.")
    stream: bool = Field(
        False,
        description='Stream the answer as server-sent events: {"delta": piece} each, then the whole reply, then [DONE].',
    )


class Deleted(BaseModel):
    id: str
    deleted: bool = True


def chats_router(citewise: Citewise) -> APIRouter:
    """``/chats`` over ``citewise``'s saved chats."""
    router = APIRouter(tags=["Saved chats"])

    @router.get("/chats", response_model=ChatList, responses=_UNAVAILABLE, summary="List the saved chats")
    def list_chats(user: str | None = Header(None, alias=OWNER_HEADER)) -> ChatList:
        """The owner's chats, most recently used first."""
        return ChatList(data=[_entry(chat) for chat in _stored(lambda: citewise.chats(_owner(user)))])

    @router.post("/chats", response_model=ChatEntry, status_code=201, responses=_UNAVAILABLE, summary="Start a chat")
    def start(body: NewChat, user: str | None = Header(None, alias=OWNER_HEADER)) -> ChatEntry:
        """An empty chat to ask in; it is listed at once."""
        owner = _owner(user)
        try:
            chat_id = _stored(lambda: citewise.start_chat(owner, body.title))
        except ValueError as error:
            raise APIError(400, str(error), param="title") from error
        return _entry(_summary(citewise, owner, chat_id))

    @router.get("/chats/{chat_id}", responses={**_NOT_FOUND, **_UNAVAILABLE}, summary="Read a chat back")
    def read(chat_id: str, user: str | None = Header(None, alias=OWNER_HEADER)) -> dict[str, Any]:
        """Every question of the chat with its answer as given (the ``ask --json`` shape), oldest first, each citation
        with its ``state`` now: ``current``, ``changed`` (its document no longer says what was quoted) or ``deleted``."""
        owner = _owner(user)
        chat = _stored(lambda: citewise.open_chat(owner, chat_id))
        if chat is None:
            raise _no_chat(chat_id)
        answers = []
        for saved in chat.answers:
            shown = saved.answer.to_json()
            for citation in shown["citations"]:
                citation["state"] = saved.states.get(citation["n"], "current")
            answers.append({**shown, "asked": saved.asked})
        return {"id": chat.id, "title": chat.title, "answers": answers}

    @router.post(
        "/chats/{chat_id}/messages",
        responses={200: {"content": {"text/event-stream": {}}}, 400: {"model": ErrorBody}, **_NOT_FOUND},
        summary="Ask a question in a chat",
    )
    async def ask(chat_id: str, body: Question, request: Request, user: str | None = Header(None, alias=OWNER_HEADER)) -> Any:
        """Answer ``content`` as the chat window does, its earlier answers read as the conversation, and save it in
        the chat. The reply is the ``ask --json`` shape with ``chat_id`` and ``saved``; an answer that could not be
        saved (the chats file full or unavailable) is still given, with ``saved: false`` and ``save_error`` saying why.
        It is saved once complete: a client that leaves before the end stops it (an LLM server is hung up on) and
        leaves it unsaved."""
        owner, backend = _owner(user), backend_of(citewise, body.model)

        def asked() -> Answer:  # the chats file and the search: in a worker thread, as a plain endpoint would be
            chat = _stored(lambda: citewise.open_chat(owner, chat_id))
            if chat is None:
                raise _no_chat(chat_id)
            history = [
                turn
                for saved in chat.answers
                for turn in (Turn("user", saved.answer.question), Turn("assistant", saved.answer.text))
            ]
            try:
                return citewise.ask(body.content, history, backend=backend)
            except QuestionError as error:
                raise APIError(400, str(error), code="invalid_question", param="content") from error

        answer = await run_in_threadpool(asked)

        def saved() -> dict[str, Any]:
            saved_in, failure = chat_id, None
            try:
                saved_in = citewise.record(owner, chat_id, answer)  # a chat deleted meanwhile: a new one
            except (ChatStoreError, ValueError) as error:
                failure = str(error)
            return {"chat_id": saved_in, "saved": failure is None, "save_error": failure, **answer.to_json()}

        if not body.stream:
            if not await read_whole(answer, request):
                return Response(status_code=CLIENT_GONE)
            return await run_in_threadpool(saved)

        def events() -> Generator[str]:
            try:
                with closing(answer.tokens()) as pieces:  # closed with this stream when its client hangs up
                    for piece in pieces:
                        yield sse_event({"delta": piece})
            except Exception as error:  # the stream ends with an error event, as the OpenAI route's; nothing saved
                yield failed_event(answer, error)
            else:
                yield sse_event(saved())
            yield "data: [DONE]\n\n"

        return event_stream(events())

    @router.patch(
        "/chats/{chat_id}", response_model=ChatEntry, responses={400: {"model": ErrorBody}, **_NOT_FOUND}, summary="Rename"
    )
    def rename(chat_id: str, body: Retitle, user: str | None = Header(None, alias=OWNER_HEADER)) -> ChatEntry:
        """Give the chat a title of 1 to 200 characters."""
        owner = _owner(user)
        try:
            renamed = _stored(lambda: citewise.rename_chat(owner, chat_id, body.title))
        except ValueError as error:
            raise APIError(400, str(error), param="title") from error
        if not renamed:
            raise _no_chat(chat_id)
        return _entry(_summary(citewise, owner, chat_id))

    @router.delete("/chats/{chat_id}", response_model=Deleted, responses=_NOT_FOUND, summary="Delete a chat")
    def delete(chat_id: str, user: str | None = Header(None, alias=OWNER_HEADER)) -> Deleted:
        """Delete the chat and every answer in it."""
        if not _stored(lambda: citewise.delete_chat(_owner(user), chat_id)):
            raise _no_chat(chat_id)
        return Deleted(id=chat_id)

    @router.get(
        "/chats/{chat_id}/export",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/markdown": {}}}, **_NOT_FOUND},
        summary="Export a chat as Markdown",
    )
    def export(chat_id: str, user: str | None = Header(None, alias=OWNER_HEADER)) -> PlainTextResponse:
        """The chat as the chat window exports it: each question, its answer and its numbered, quoted sources."""
        markdown = _stored(lambda: citewise.export_chat(_owner(user), chat_id))
        if markdown is None:
            raise _no_chat(chat_id)
        return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")

    return router


def _owner(user: str | None) -> str:
    """The chats' owner: the header's user name, else the local user; one that is not a user name is a 400."""
    try:
        return owner_name(user or "")
    except ValueError as error:
        raise APIError(400, f"{OWNER_HEADER} is not a user name: {error}", param=OWNER_HEADER) from error


def _stored(call: Callable[[], T]) -> T:
    """``call()``, a call on the saved chats; a chats file that cannot be used is a 503 that says why."""
    try:
        return call()
    except ChatStoreError as error:
        raise APIError(503, str(error), code="chats_unavailable") from error


def _summary(citewise: Citewise, owner: str, chat_id: str) -> ChatSummary:
    listed = next((chat for chat in _stored(lambda: citewise.chats(owner)) if chat.id == chat_id), None)
    if listed is None:  # deleted by another request in between
        raise _no_chat(chat_id)
    return listed


def _entry(chat: ChatSummary) -> ChatEntry:
    return ChatEntry(id=chat.id, title=chat.title, created=chat.created, updated=chat.updated, answers=chat.turns)


def _no_chat(chat_id: str) -> APIError:
    return APIError(404, f"No saved chat {chat_id!r}; GET /v1/chats lists them.", code="chat_not_found", param="chat_id")
