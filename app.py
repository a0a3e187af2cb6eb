"""Citewise's Gradio chat: a thin adapter over ``assistant`` that renders answers and their sources."""

from __future__ import annotations

import html
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Answer, Citation, Citewise, Settings, build_assistant
from assistant.history import turns_from_messages
from assistant.library import Library, UploadError
from index import SUPPORTED_SUFFIXES, SyncReport

logger = logging.getLogger("citewise.app")

Messages = list[dict[str, Any]]
_STREAM_EVERY = 4  # answer pieces per UI update


def render_sources(answer: Answer | None) -> str:
    """The sources panel: one expandable card per citation, supporting sentences highlighted.

    All document text is HTML-escaped, so markup inside a document is shown, never run.
    """
    if answer is None:
        return "<p class='cw-empty'>Sources of the answer appear here.</p>"
    if answer.refused or not answer.citations:
        return "<p class='cw-empty'>No source: the documents do not answer this question.</p>"
    return "\n".join(_render_citation(c) for c in answer.citations)


def _render_citation(citation: Citation) -> str:
    page = f" · page {citation.page}" if citation.page else ""
    title = html.escape(citation.title or citation.source)
    return (
        f"<details class='cw-source' id='cw-source-{citation.n}' open>"
        f"<summary><span class='cw-n'>[{citation.n}]</span> <b>{title}</b>"
        f"<br><small>{html.escape(citation.source)}{page} · relevance {citation.score:.2f}</small></summary>"
        f"<blockquote class='cw-quote'>{html.escape(citation.quote)}</blockquote>"
        f"<details class='cw-chunk'><summary>Show the whole passage</summary>"
        f"<div class='cw-text'>{highlight(citation.text, citation.highlights)}</div></details>"
        "</details>"
    )


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped, with each [start, end) span wrapped in ``<mark>``."""
    parts, position = [], 0
    for start, end in sorted(spans):
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def make_respond(citewise: Citewise) -> Any:
    """The chat handler: streams (textbox, messages, sources html, searched query) updates."""

    def respond(message: str, history: Messages) -> Iterator[tuple[str, Messages, str, str]]:
        history = list(history or [])
        if not message or not message.strip():
            yield "", history, render_sources(None), ""
            return
        turns = turns_from_messages(history)
        history = [*history, {"role": "user", "content": _escape_markdown(message)}]
        try:
            answer = citewise.assistant.ask(message, turns)
        except Exception as error:  # the chat shows the failure instead of a stack trace
            logger.exception("answering %r failed", message)
            yield "", [*history, {"role": "assistant", "content": f"Sorry, answering failed: {error}"}], render_sources(None), ""
            return
        searched = f"Searched for: *{_escape_markdown(answer.query)}*" if answer.query != answer.question else ""
        sources = render_sources(answer)
        reply: dict[str, Any] = {"role": "assistant", "content": ""}
        for count, _ in enumerate(answer.tokens(), start=1):
            if count % _STREAM_EVERY == 0:
                reply["content"] = _escape_markdown(answer.text)
                yield "", [*history, reply], sources, searched
        # A generated answer is verified once complete: show the checked text and only the cited sources.
        reply["content"] = render_answer(answer)
        yield "", [*history, reply], render_sources(answer), searched

    return respond


def render_answer(answer: Answer) -> str:
    """The answer as chat Markdown, with sentences no cited source supports flagged."""
    shown = _escape_markdown(answer.text)
    for sentence in answer.sentences:
        if not sentence.supported:
            claim = _escape_markdown(sentence.text.rstrip(".!?"))
            shown = shown.replace(claim, f"{claim} ⚠️ *(unverified)*", 1)
    return shown


def _escape_markdown(text: str) -> str:
    """Show answer text literally: escape HTML and the Markdown characters that could restyle it."""
    escaped = html.escape(text, quote=False)
    for char in "\\`*_{}#|~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("[", "\\[").replace("]", "\\]")


_CSS = """
.cw-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px; }
.cw-n { font-weight: 700; color: var(--color-accent); }
.cw-quote { margin: 6px 0; padding-left: 8px; border-left: 3px solid var(--color-accent); }
.cw-text { white-space: pre-wrap; font-size: 0.9em; }
.cw-text mark { background: #ffe58a; color: inherit; }
.cw-empty { color: var(--body-text-color-subdued); }
"""


def create_app(citewise: Citewise) -> gr.Blocks:
    """Build the Gradio interface around a ready Citewise."""
    respond = make_respond(citewise)
    with gr.Blocks(title="Citewise") as demo:
        gr.Markdown("## Citewise — ask your documents")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy"], elem_id="cw-chat")
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
        question.submit(respond, [question, chatbot], [question, chatbot, sources, searched])

        def reset() -> tuple[Messages, str, str]:
            return [], render_sources(None), ""

        new_chat.click(reset, None, [chatbot, sources, searched])
        chatbot.clear(reset, None, [chatbot, sources, searched])
        with gr.Tab("Documents"):
            documents_tab(citewise)
    return demo


def documents_tab(citewise: Citewise) -> None:
    """Upload, list, delete and re-index documents, with progress and per-file errors."""
    library = citewise.library
    with gr.Row():
        upload = gr.File(
            label=f"Add documents ({', '.join(sorted(SUPPORTED_SUFFIXES))})",
            file_count="multiple",
            file_types=sorted(SUPPORTED_SUFFIXES),
            elem_id="cw-upload",
        )
        with gr.Column():
            reindex = gr.Button("Re-index the documents folder", elem_id="cw-reindex")
            choice = gr.Dropdown(label="Document", choices=_sources(library), elem_id="cw-doc-choice")
            delete = gr.Button("Delete document", variant="stop", elem_id="cw-delete")
    status = gr.Markdown(elem_id="cw-sync-status")
    table = gr.Dataframe(
        headers=["Document", "Title", "Chunks", "Pages", "Status"],
        value=_rows(library),
        interactive=False,
        elem_id="cw-documents",
    )

    def sync_with_progress(progress: gr.Progress) -> SyncReport:
        def update(done: int, total: int, chunks: int) -> None:
            progress((done, max(total, 1)), desc=f"indexing: {chunks} chunks embedded", unit="files")

        return library.sync(update)

    def on_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        saved, refused = [], []
        for file in files or []:
            path = Path(file)
            try:
                saved.append(library.save_upload(path.name, path))
            except UploadError as error:
                refused.append(str(error))
        report = sync_with_progress(progress)
        lines = [f"Saved {', '.join(saved)}." if saved else "", *(f"Refused: {r}" for r in refused)]
        return None, _report_markdown(report, "\n\n".join(line for line in lines if line)), _rows(library), _choices(library)

    def on_reindex(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        report = sync_with_progress(progress)
        return _report_markdown(report), _rows(library), _choices(library)

    def on_delete(source: str | None) -> tuple[Any, ...]:
        if not source:
            return "Choose a document to delete.", _rows(library), _choices(library)
        library.delete(source)
        return f"Deleted {html.escape(source)}.", _rows(library), _choices(library)

    upload.upload(on_upload, upload, [upload, status, table, choice])
    reindex.click(on_reindex, None, [status, table, choice])
    delete.click(on_delete, choice, [status, table, choice])


def _sources(library: Library) -> list[str]:
    return sorted(library.indexer.store.documents())


def _choices(library: Library) -> Any:
    return gr.Dropdown(choices=_sources(library), value=None)


def _rows(library: Library) -> list[list[Any]]:
    return [[r.source, r.title, r.chunks, r.pages, r.status] for r in library.rows()]


def _report_markdown(report: SyncReport, prefix: str = "") -> str:
    summary = report.summary()
    text = (
        f"{summary['added']} added, {summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['deleted']} deleted, {len(report.failed)} failed — {report.chunks} chunks in the index "
        f"({report.embedded} embedded in {report.seconds:.1f} s)."
    )
    problems = [f"- {_escape_markdown(f.path)}: {_escape_markdown(f.error)}" for f in [*report.failed, *report.warnings]]
    return "\n\n".join(part for part in (prefix, text, "\n".join(problems)) if part)


def launch(settings: Settings) -> None:
    """Open the index (indexing the documents folder first if it is empty) and serve the chat."""
    citewise = build_assistant(settings)
    if citewise.indexer.store.count() == 0:
        logger.info("index is empty: indexing %s", settings.docs_dir)
        report = citewise.indexer.sync(settings.docs_dir)
        for failure in report.failed:
            logger.warning("skipped %s: %s", failure.path, failure.error)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    if settings.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        logger.warning("serving on %s without a login: set CITEWISE_AUTH=user:password", settings.host)
    create_app(citewise).queue().launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        css=_CSS,
        show_error=False,
        max_file_size=f"{settings.max_upload_mb}mb",
    )


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    launch(Settings())
