"""The chat tab: streaming answers beside the sources they cite, each saved in the current chat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from typing import Any

import gradio as gr

from assistant import Answer, ChatStoreError, Citewise, QuestionError, Turn, UnknownDocumentsError
from ui.chats import (
    UNTITLED,
    Cards,
    ChatView,
    Exports,
    chat_id_of,
    chats_panel,
    empty_chat,
    owner_of,
    refresh,
    reopen,
    report,
)
from ui.preferences import Preferences
from ui.render import Messages, as_said, escape_markdown, render_answer, render_searched, render_sources, render_streaming
from ui.stops import Stops

logger = logging.getLogger(__name__)

Update = tuple[str, Messages, str, str]
_STREAM_EVERY = 4  # answer pieces per UI update
# Under an answer the question box's stop button ended: its sentences were not checked, and it is not saved.
STOPPED = "*Stopped before the end: not checked against its sources, and not saved.*"
SKIP = gr.skip()  # an output left as it is


def make_respond(citewise: Citewise) -> Callable[..., Iterator[Update]]:
    """The chat handler: streams (textbox, messages, sources html, searched query) updates.

    Each session's preferences (answerer, retrieval options, scope) come in with the call,
    so sessions never share state. Nothing is saved here: the chat tab saves each complete answer next.
    """

    def respond(message: str, history: Messages, preferences: Preferences | None = None) -> Iterator[Update]:
        with closing(_answer(citewise, message, history, preferences)) as updates:
            for update, _ in updates:
                yield update

    return respond


def _answer(
    citewise: Citewise,
    message: str,
    history: Messages,
    preferences: Preferences | None,
    stop: threading.Event | None = None,
) -> Generator[tuple[Update, Answer | None]]:
    """The chat's updates as an answer streams; the last carries the complete answer (None when there is none).

    ``stop``, once set (the question box's Stop), ends the answer within a tenth of a second, a piece streamed or not
    (``Answer.tokens_until``): its stream is closed (an LLM server is hung up on), and the last update shows what was
    streamed, marked ``STOPPED``, with no answer to save.
    """
    history = list(history or [])
    if not message or not message.strip():
        yield ("", history, render_sources(None), ""), None
        return
    turns = turns_from_messages(history)
    limit = citewise.choices().max_question_chars
    # An over-long question is refused below; its bubble shows only the start of it.
    shown = message if len(message) <= limit else message[:limit] + " …"
    history = [*history, {"role": "user", "content": escape_markdown(shown)}]
    # The question in the chat at once, before the search (and a follow-up's rewording by an LLM): until an event's
    # first update, the page covers the question box, and with it the Stop button, with its progress.
    yield ("", history, render_sources(None), ""), None
    prefs = preferences or Preferences.defaults(citewise)
    try:
        answer = citewise.ask(message, turns, options=prefs.options, backend=prefs.backend)
    except QuestionError as error:
        # The user's own input is at fault: say what to change; the question stays in the box to edit.
        said = str(error)
        if isinstance(error, UnknownDocumentsError):  # deleted or renamed since it was chosen in Settings
            said += ' Choose again under Settings, "Only search these documents".'
        yield (message, [*history, {"role": "assistant", "content": escape_markdown(said)}], render_sources(None), ""), None
        return
    except Exception as error:  # the chat shows the failure instead of a stack trace
        logger.exception("answering %r failed", message)
        failure = f"Sorry, answering failed: {escape_markdown(str(error))}"
        yield ("", [*history, {"role": "assistant", "content": failure}], render_sources(None), ""), None
        return
    searched = render_searched(answer)
    sources = render_sources(answer)
    # Its sources at once: an LLM may read its prompt for a minute before its first word.
    yield ("", history, sources, searched), None
    reply: dict[str, Any] = {"role": "assistant", "content": ""}
    # Ends as soon as this is closed (the page closed) or Stop is seen, even before an LLM's first word; the answer's
    # stream then hangs up on its LLM server.
    with closing(answer.tokens_until(stop or threading.Event())) as pieces:
        for count, _ in enumerate(pieces, start=1):
            if count % _STREAM_EVERY == 0:
                reply["content"] = render_streaming(answer)
                yield ("", [*history, reply], sources, searched), None
    if answer.stopped:
        said = render_streaming(answer)
        reply["content"] = f"{said}\n\n{STOPPED}" if said.strip() else STOPPED
        yield ("", [*history, reply], sources, searched), None
        return
    # A generated answer is verified once complete: show the checked text and only the cited sources.
    reply["content"] = render_answer(answer)
    yield ("", [*history, reply], render_sources(answer), searched), answer


def turns_from_messages(messages: Iterable[dict[str, Any]]) -> list[Turn]:
    """Turns from Gradio chat messages (``{"role": ..., "content": ...}``) as they were said (``as_said``: the page
    gives them back as the Markdown it shows), skipping non-text content."""
    turns = []
    for message in messages:
        content = _text_of(message.get("content"))
        if content.strip() and message.get("role") in ("user", "assistant"):
            turns.append(Turn(str(message["role"]), as_said(content)))
    return turns


def _text_of(content: Any) -> str:
    """A chat message's text: Gradio 6 hands history back as content parts ([{"type": "text", "text": ...}, ...])."""
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text")
    return content if isinstance(content, str) else ""


def chat_tab(citewise: Citewise, preferences: gr.State, demo: gr.Blocks) -> None:
    """Saved chats on the left, the chat in the middle, its sources on the right.

    Each answer is saved in the current chat as soon as it is complete, by the handler that answered
    it; a chats file that cannot be written is reported (a warning and the panel's status line) and the
    answer stays shown, only unsaved. The current chat's id lives in the session and in the browser
    (``gr.BrowserState``), so a reload shows the chat again.
    """
    exports = Exports()
    stops = Stops()  # the question box's Stop, by session
    # Gradio encrypts this in the page with a key it gives the page, which hides nothing from the browser's user;
    # a fixed key keeps the current chat across restarts. An id grants nothing: every chat is looked up with its owner.
    kept = gr.BrowserState(None, storage_key="citewise-current-chat", secret="citewise-current-chat")
    # Session state is never part of Gradio's API: the chat endpoint stays (message, history) -> 4 outputs.
    chat = gr.State(None)  # the current chat's id; None until a new chat's first answer is saved
    cards = gr.State({})  # each answer's source cards, by its message's place in the chat (ui.chats.Cards)
    problem = gr.State("")  # the last save's failure, for the panel's status line
    with gr.Row():
        with gr.Column(scale=1, min_width=220, elem_id="cw-chats-panel"):
            panel = chats_panel()
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy", "copy_all"], elem_id="cw-chat")
            searched = gr.Markdown(elem_id="cw-searched")
            # Closed until the page's load event has shown the kept chat: a question asked before then would have
            # its answer replaced by the restored chat when that event's reply lands.
            question = gr.Textbox(
                placeholder="Ask a question about your documents",
                show_label=False,
                submit_btn=True,
                interactive=False,
                elem_id="cw-question",
            )
        with gr.Column(scale=2):
            gr.Markdown("### Sources\n*Click an answer, or its question, to see the sources it cited.*")
            sources = gr.HTML(render_sources(None), elem_id="cw-sources")
    view = [chatbot, sources, searched, chat, cards, kept]  # a ChatView, then the id again, kept in the browser

    def shown(chat_view: ChatView) -> tuple[Any, ...]:
        return (*chat_view, chat_view[3])

    def respond(
        message: str,
        history: Messages,
        preferences: Preferences | None,
        chat_id: str | None,
        answers: Cards | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        answer, last = None, None
        # Gradio closes this generator when the page goes: the answer's stream is closed with it, and nothing saved.
        with (
            stops.watch(request.session_hash or "") as stop,
            closing(_answer(citewise, message, history, preferences, stop)) as updates,
        ):
            for update, complete in updates:
                answer, last = complete, update
                yield (*update, SKIP, SKIP, "")  # until saved, the chat is the same and no save has failed
        if answer is None or last is None:  # refused or failed before answering: nothing to save
            return
        # Saved here, not in a later step: a page closed or reloaded as the answer completes loses nothing.
        current, owner, note = chat_id_of(chat_id), owner_of(request), ""
        try:
            current = citewise.record(owner, current, answer)
        except (ChatStoreError, ValueError) as error:
            note = report(error, "This answer is shown but was not saved")
        _, messages, answer_sources, _ = last
        answers = {**(answers or {}), len(messages) - 1: answer_sources}  # the answer is the chat's last message
        yield (*last, current, answers, note)  # the answer again: an API client reads the last update only

    def stop_answering(request: gr.Request) -> None:
        stops.stop(request.session_hash or "")

    def saved(chat_id: str | None, note: str, request: gr.Request) -> tuple[Any, ...]:
        return (chat_id, *refresh(citewise, exports, owner_of(request), chat_id_of(chat_id), note))

    def restore(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request)
        chat_view, note = reopen(citewise, owner, chat_id)
        return (*shown(chat_view), *refresh(citewise, exports, owner, chat_view[3], note))

    def open_chosen(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        return restore(chat_id, request)

    def show_sources(answers: Cards | None, event: gr.SelectData) -> Any:
        index = event.index[0] if isinstance(event.index, list | tuple) and event.index else event.index
        if not isinstance(index, int) or not answers:
            return SKIP
        return answers.get(index, answers.get(index + 1, SKIP))  # a question shows its answer's sources

    def new(request: gr.Request) -> tuple[Any, ...]:
        return (*shown(empty_chat()), *refresh(citewise, exports, owner_of(request), None))

    def rename(chat_id: str | None, title: str, request: gr.Request) -> tuple[Any, ...]:
        owner, chat_id = owner_of(request), chat_id_of(chat_id)
        if chat_id is None:
            return refresh(citewise, exports, owner, None, "Ask a question first: a chat is saved with its first answer.")
        try:
            found = citewise.rename_chat(owner, chat_id, title)
        except ValueError as error:  # a blank or over-long title: the user's to fix
            return refresh(citewise, exports, owner, chat_id, escape_markdown(str(error)))
        except ChatStoreError as error:
            return refresh(citewise, exports, owner, chat_id, report(error, "The chat was not renamed"))
        return refresh(citewise, exports, owner, chat_id, "" if found else "This chat no longer exists.")

    def ask_delete(title: str) -> tuple[Any, ...]:
        question = f"Delete **{escape_markdown(title or UNTITLED)}** and all its answers? This cannot be undone."
        return gr.Column(visible=True), question

    def delete(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        owner, chat_id = owner_of(request), chat_id_of(chat_id)
        if chat_id is None:
            return (*[SKIP] * len(view), *refresh(citewise, exports, owner, None))
        try:
            citewise.delete_chat(owner, chat_id)
        except ChatStoreError as error:
            return (*[SKIP] * len(view), *refresh(citewise, exports, owner, chat_id, report(error, "The chat was not deleted")))
        return (*shown(empty_chat()), *refresh(citewise, exports, owner, None))

    # Chat management stays out of Gradio's API: the HTTP API (api/) is the programmatic way in.
    private: dict[str, Any] = {"api_visibility": "private"}
    # The box's send button becomes a stop button while the answer streams. Registered before the answering itself,
    # whose updates of the box's value would otherwise come first and keep the send button (tried).
    question.submit(lambda: gr.Textbox(submit_btn=False, stop_btn=True), None, question, queue=False, **private)
    answering = question.submit(
        respond, [question, chatbot, preferences, chat, cards], [question, chatbot, sources, searched, chat, cards, problem]
    )
    answering.then(saved, [chat, problem], [kept, *panel.outputs], **private)
    # Stop: the answering sees it within 0.1 s (``Answer.tokens_until``) and ends there itself, its LLM server hung up
    # on at its next word, its last update the stopped answer; nothing is saved. Not Gradio's cancelling, whose
    # generator's last update could reach the page after the stop's own and leave the answer unmarked (seen in one CI
    # run of seven). The box's send button comes back when the answering ends.
    answering.then(lambda: gr.Textbox(submit_btn=True, stop_btn=False), None, question, queue=False, **private)
    question.stop(stop_answering, None, None, queue=False, **private)
    loading = demo.load(restore, kept, [*view, *panel.outputs], **private)
    loading.then(lambda: gr.Textbox(interactive=True), None, question, **private)  # after a failed load too
    panel.chats.input(open_chosen, panel.chats, [*view, *panel.outputs], **private)
    chatbot.select(show_sources, cards, sources, **private)
    panel.new_chat.click(new, None, [*view, *panel.outputs], **private)
    chatbot.clear(new, None, [*view, *panel.outputs], **private)
    panel.rename.click(rename, [chat, panel.title], panel.outputs, **private)
    panel.title.submit(rename, [chat, panel.title], panel.outputs, **private)
    panel.delete.click(ask_delete, panel.title, [panel.confirm_box, panel.confirm_text], **private)
    panel.cancel.click(lambda: gr.Column(visible=False), None, panel.confirm_box, **private)
    panel.confirm.click(delete, chat, [*view, *panel.outputs], **private)
