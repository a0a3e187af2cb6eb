"""The chat tab: streaming answers beside the sources they cite."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant import Citewise, QuestionError
from assistant.history import turns_from_messages
from ui.preferences import Preferences
from ui.render import escape_markdown, render_answer, render_sources

logger = logging.getLogger(__name__)

Messages = list[dict[str, Any]]
Update = tuple[str, Messages, str, str]
_STREAM_EVERY = 4  # answer pieces per UI update


def make_respond(citewise: Citewise) -> Callable[..., Iterator[Update]]:
    """The chat handler: streams (textbox, messages, sources html, searched query) updates.

    Each session's preferences (answerer, retrieval options, scope) come in with the call,
    so sessions never share state.
    """

    def respond(message: str, history: Messages, preferences: Preferences | None = None) -> Iterator[Update]:
        history = list(history or [])
        if not message or not message.strip():
            yield "", history, render_sources(None), ""
            return
        turns = turns_from_messages(history)
        limit = citewise.assistant.max_question_chars
        # An over-long question is refused below; its bubble shows only the start of it.
        shown = message if len(message) <= limit else message[:limit] + " …"
        history = [*history, {"role": "user", "content": escape_markdown(shown)}]
        prefs = preferences or Preferences.defaults(citewise)
        try:
            answer = citewise.assistant.ask(message, turns, options=prefs.options, backend=prefs.backend)
        except QuestionError as error:
            # The user's own input is at fault: say what to change; the question stays in the box to edit.
            yield message, [*history, {"role": "assistant", "content": escape_markdown(str(error))}], render_sources(None), ""
            return
        except Exception as error:  # the chat shows the failure instead of a stack trace
            logger.exception("answering %r failed", message)
            failure = f"Sorry, answering failed: {escape_markdown(str(error))}"
            yield "", [*history, {"role": "assistant", "content": failure}], render_sources(None), ""
            return
        searched = f"Searched for: *{escape_markdown(answer.query)}*" if answer.query != answer.question else ""
        sources = render_sources(answer)
        reply: dict[str, Any] = {"role": "assistant", "content": ""}
        for count, _ in enumerate(answer.tokens(), start=1):
            if count % _STREAM_EVERY == 0:
                reply["content"] = escape_markdown(answer.text)
                yield "", [*history, reply], sources, searched
        # A generated answer is verified once complete: show the checked text and only the cited sources.
        reply["content"] = render_answer(answer)
        yield "", [*history, reply], render_sources(answer), searched

    return respond


def chat_tab(citewise: Citewise, preferences: gr.State) -> None:
    """Chat on the left, sources on the right."""
    respond = make_respond(citewise)
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy", "copy_all"], elem_id="cw-chat")
            searched = gr.Markdown(elem_id="cw-searched")
            question = gr.Textbox(
                placeholder="Ask a question about your documents",
                show_label=False,
                submit_btn=True,
                elem_id="cw-question",
            )
            new_chat = gr.Button("New chat", size="sm", elem_id="cw-new-chat")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(render_sources(None), elem_id="cw-sources")
    question.submit(respond, [question, chatbot, preferences], [question, chatbot, sources, searched])

    def reset() -> tuple[Messages, str, str]:
        return [], render_sources(None), ""

    new_chat.click(reset, None, [chatbot, sources, searched])
    chatbot.clear(reset, None, [chatbot, sources, searched])
