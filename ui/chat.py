"""The chat tab: streaming answers beside the sources they cite, each saved in the current chat."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import gradio as gr

from assistant import Answer, ChatStoreError, Citewise, QuestionError, Turn
from ui.chats import PANEL_OUTPUTS, UNTITLED, Exports, chat_id_of, chats_panel, empty_chat, owner_of, refresh, reopen, report
from ui.preferences import Preferences
from ui.render import Messages, escape_markdown, render_answer, render_searched, render_sources

logger = logging.getLogger(__name__)

Update = tuple[str, Messages, str, str]
_STREAM_EVERY = 4  # answer pieces per UI update
SKIP = gr.skip()  # an output left as it is


def make_respond(citewise: Citewise) -> Callable[..., Iterator[Update]]:
    """The chat handler: streams (textbox, messages, sources html, searched query) updates.

    Each session's preferences (answerer, retrieval options, scope) come in with the call,
    so sessions never share state. Nothing is saved: the app's chat tab uses ``make_saving_respond``.
    """

    def respond(message: str, history: Messages, preferences: Preferences | None = None) -> Iterator[Update]:
        for update, _ in _answer(citewise, message, history, preferences):
            yield update

    return respond


def make_saving_respond(citewise: Citewise, exports: Exports) -> Callable[..., Iterator[tuple[Any, ...]]]:
    """The chat tab's handler: ``make_respond``'s updates, then the answer saved in the current chat.

    Yields (textbox, messages, sources, searched, chat id, *the Chats panel*); the chat id and the
    panel change only once the answer is complete and saved. A chats file that cannot be written is
    reported (a warning and the panel's status line) and the answer stays shown: it is only not saved.
    """

    def respond(
        message: str, history: Messages, preferences: Preferences | None, chat_id: str | None, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        owner, answer = owner_of(request), None
        unchanged = (SKIP,) * (1 + len(PANEL_OUTPUTS))
        for update, complete in _answer(citewise, message, history, preferences):
            answer = complete
            yield (*update, *unchanged)
        if answer is None:
            return  # refused or failed before answering: there is nothing to save
        current, note = chat_id_of(chat_id), ""
        try:
            current = citewise.record(owner, current, answer)
        except (ChatStoreError, ValueError) as error:
            note = report(error, "This answer is shown but was not saved")
        yield (SKIP,) * 4 + (current, *refresh(citewise, exports, owner, current, note))

    return respond


def _answer(
    citewise: Citewise, message: str, history: Messages, preferences: Preferences | None
) -> Iterator[tuple[Update, Answer | None]]:
    """The chat's updates as an answer streams; the last carries the complete answer (None when there is none)."""
    history = list(history or [])
    if not message or not message.strip():
        yield ("", history, render_sources(None), ""), None
        return
    turns = turns_from_messages(history)
    limit = citewise.choices().max_question_chars
    # An over-long question is refused below; its bubble shows only the start of it.
    shown = message if len(message) <= limit else message[:limit] + " …"
    history = [*history, {"role": "user", "content": escape_markdown(shown)}]
    prefs = preferences or Preferences.defaults(citewise)
    try:
        answer = citewise.ask(message, turns, options=prefs.options, backend=prefs.backend)
    except QuestionError as error:
        # The user's own input is at fault: say what to change; the question stays in the box to edit.
        yield (message, [*history, {"role": "assistant", "content": escape_markdown(str(error))}], render_sources(None), ""), None
        return
    except Exception as error:  # the chat shows the failure instead of a stack trace
        logger.exception("answering %r failed", message)
        failure = f"Sorry, answering failed: {escape_markdown(str(error))}"
        yield ("", [*history, {"role": "assistant", "content": failure}], render_sources(None), ""), None
        return
    searched = render_searched(answer)
    sources = render_sources(answer)
    reply: dict[str, Any] = {"role": "assistant", "content": ""}
    for count, _ in enumerate(answer.tokens(), start=1):
        if count % _STREAM_EVERY == 0:
            reply["content"] = escape_markdown(answer.text)
            yield ("", [*history, reply], sources, searched), None
    # A generated answer is verified once complete: show the checked text and only the cited sources.
    reply["content"] = render_answer(answer)
    yield ("", [*history, reply], render_sources(answer), searched), answer


def turns_from_messages(messages: Iterable[dict[str, Any]]) -> list[Turn]:
    """Turns from Gradio chat messages (``{"role": ..., "content": ...}``), skipping non-text content."""
    turns = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            # Gradio 6 hands history back as content parts: [{"type": "text", "text": ...}, ...].
            content = " ".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        if isinstance(content, str) and content.strip() and message.get("role") in ("user", "assistant"):
            turns.append(Turn(str(message["role"]), content))
    return turns


def chat_tab(citewise: Citewise, preferences: gr.State, demo: gr.Blocks) -> None:
    """Saved chats on the left, the chat in the middle, its sources on the right.

    The current chat's id is kept in the browser (``gr.BrowserState``), so a reload shows it again.
    """
    exports = Exports()
    # Gradio encrypts this in the page with a key it gives the page, which hides nothing from the browser's user;
    # a fixed key keeps the current chat across restarts. An id grants nothing: every chat is looked up with its owner.
    current = gr.BrowserState(None, storage_key="citewise-current-chat", secret="citewise-current-chat")
    with gr.Row():
        with gr.Column(scale=1, min_width=220, elem_id="cw-chats-panel"):
            panel = chats_panel()
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy", "copy_all"], elem_id="cw-chat")
            searched = gr.Markdown(elem_id="cw-searched")
            question = gr.Textbox(
                placeholder="Ask a question about your documents",
                show_label=False,
                submit_btn=True,
                elem_id="cw-question",
            )
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(render_sources(None), elem_id="cw-sources")
    view = [chatbot, sources, searched, current]

    def restore(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        owner = owner_of(request)
        shown, note = reopen(citewise, owner, chat_id)
        return (*shown, *refresh(citewise, exports, owner, shown[3], note))

    def open_chosen(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        return restore(chat_id, request)

    def new(request: gr.Request) -> tuple[Any, ...]:
        return (*empty_chat(), *refresh(citewise, exports, owner_of(request), None))

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
        return (*empty_chat(), *refresh(citewise, exports, owner, None))

    respond = make_saving_respond(citewise, exports)
    question.submit(respond, [question, chatbot, preferences, current], [question, *view, *panel.outputs])
    demo.load(restore, current, [*view, *panel.outputs])
    panel.chats.input(open_chosen, panel.chats, [*view, *panel.outputs])
    panel.new_chat.click(new, None, [*view, *panel.outputs])
    chatbot.clear(new, None, [*view, *panel.outputs])
    panel.rename.click(rename, [current, panel.title], panel.outputs)
    panel.title.submit(rename, [current, panel.title], panel.outputs)
    panel.delete.click(ask_delete, panel.title, [panel.confirm_box, panel.confirm_text])
    panel.cancel.click(lambda: gr.Column(visible=False), None, panel.confirm_box)
    panel.confirm.click(delete, current, [*view, *panel.outputs])
