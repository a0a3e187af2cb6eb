"""The Chats panel: saved chats beside the chat, reopened, renamed, exported and deleted; the current one survives a reload.

Each signed-in user (``gr.Request.username``; "" without a login) sees only their own chats. A chats
file that cannot be used (full, locked, damaged) is reported here and in a warning, and never stops
the chat from answering: the index is not involved.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import gradio as gr

from assistant import ChatStoreError, ChatSummary, Citewise
from ui.render import Messages, escape_markdown, render_messages, render_searched, render_sources

__all__ = [
    "PANEL_OUTPUTS",
    "UNTITLED",
    "Cards",
    "ChatView",
    "ChatsPanel",
    "Exports",
    "chat_id_of",
    "chats_panel",
    "empty_chat",
    "owner_of",
    "refresh",
    "reopen",
    "report",
]

logger = logging.getLogger(__name__)

UNTITLED = "Untitled chat"
_SLUG = re.compile(r"[^\w]+")
_SLUG_CHARS = 60

PANEL_OUTPUTS = ("chats", "title", "rename", "delete", "export", "status", "confirm_box")
"""What ``refresh`` returns a value for, in order: the list, the title box, the rename, delete and export buttons,
the status line and the delete confirmation."""

Cards = dict[int, str]
"""Each answer's source cards (HTML) by its message's place in the chat: a click on an answer shows its own."""

ChatView = tuple[Messages, str, str, str | None, Cards]
"""What the chat column shows: its messages, the sources panel, the searched line, the current chat's id, and each
answer's source cards."""


@dataclass(frozen=True)
class ChatsPanel:
    """The panel's components, for the chat tab to wire."""

    new_chat: gr.Button
    chats: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    export: gr.DownloadButton
    delete: gr.Button
    confirm_box: gr.Column
    confirm_text: gr.Markdown
    confirm: gr.Button
    cancel: gr.Button
    status: gr.Markdown

    @property
    def outputs(self) -> list[Any]:
        """The components ``refresh`` fills, in its order."""
        return [getattr(self, name) for name in PANEL_OUTPUTS]


def chats_panel() -> ChatsPanel:
    """Build the panel in the current column: "New chat", the list (newest first), and the current chat's actions."""
    new_chat = gr.Button("New chat", size="sm", variant="primary", elem_id="cw-new-chat")
    chats = gr.Radio([], value=None, label="Chats", info="Newest first; pick one to reopen it.", elem_id="cw-chats")
    title = gr.Textbox(label="This chat's title", max_lines=1, interactive=False, elem_id="cw-chat-title")
    with gr.Row():
        rename = gr.Button("Rename", size="sm", interactive=False, elem_id="cw-rename", min_width=60)
        delete = gr.Button("Delete", size="sm", variant="stop", interactive=False, elem_id="cw-delete-chat", min_width=60)
    export = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="cw-export")
    with gr.Column(visible=False, elem_id="cw-delete-confirm-box") as confirm_box:
        confirm_text = gr.Markdown(elem_id="cw-delete-question")
        with gr.Row():
            confirm = gr.Button("Delete for good", size="sm", variant="stop", elem_id="cw-delete-confirm", min_width=60)
            cancel = gr.Button("Keep it", size="sm", elem_id="cw-delete-cancel", min_width=60)
    status = gr.Markdown(elem_id="cw-chats-status")
    return ChatsPanel(new_chat, chats, title, rename, export, delete, confirm_box, confirm_text, confirm, cancel, status)


def chat_id_of(value: object) -> str | None:
    """The chat id a page sent (kept in its browser, so anything at all), or None for none."""
    return value if isinstance(value, str) and value else None


def owner_of(request: gr.Request | None) -> str:
    """Whose chats a request may see: the signed-in user, or "" when the app has no login."""
    return str(getattr(request, "username", None) or "")


def report(error: Exception, doing: str, *, toast: bool = True) -> str:
    """Log a storage failure, show it as a warning (unless ``toast`` is False) and return the panel's status line."""
    logger.warning("%s: %s", doing, error)
    if toast:
        gr.Warning(html.escape(f"{doing}: {error}"), title="Saved chats")
    return f"⚠️ **{escape_markdown(doing)}:** {escape_markdown(str(error))}"


_EXPORTS_PREFIX = "citewise-exports-"
_IN_USE = ".in-use"  # locked (``flock``) by the process whose exports the folder holds, for as long as it runs


class Exports:
    """The Markdown files the export button downloads: one per chat, rewritten whenever its chat changes.

    They live in a private temporary folder, made on first use and removed with this object; Gradio serves a copy of each.
    The folder of a process that could not remove its own (killed, or ended by ``os._exit``) is removed by the next
    one to make a folder: its lock died with it.
    """

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def write(self, owner: str, chat_id: str, title: str, markdown: str) -> Path:
        """The chat's export, written as ``<title>.md`` in place of its previous one."""
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix=_EXPORTS_PREFIX))
                # Locked before it has its name: another process never finds it unlocked while this one lives.
                in_use = (self._folder / f"{_IN_USE}.new").open("w")
                fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.replace(self._folder / f"{_IN_USE}.new", self._folder / _IN_USE)
                # Gradio serves copies from its own cache: these go with the app (or the process).
                weakref.finalize(self, _remove_exports, self._folder, in_use)
                _remove_abandoned_exports(self._folder.parent)
            # Hashed: an id and an owner are not file names, and one chat's exports never meet another's.
            folder = self._folder / hashlib.sha256(f"{owner}\0{chat_id}".encode()).hexdigest()[:32]
            folder.mkdir(exist_ok=True)
            for old in folder.iterdir():
                old.unlink()
            path = folder / f"{slug(title)}.md"
            staging = folder / f".{path.name}.partial"
            staging.write_text(markdown, encoding="utf-8")
            os.replace(staging, path)
            return path


def _remove_exports(folder: Path, in_use: IO[str]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    in_use.close()


def _remove_abandoned_exports(temp: Path) -> None:
    """Remove the export folders in ``temp`` whose process is gone: their lock file can be locked. A folder without one
    (a process that has just made it, or an older Citewise) is left alone."""
    for folder in temp.glob(f"{_EXPORTS_PREFIX}*"):
        try:
            with (folder / _IN_USE).open("r") as in_use:
                fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the folder's process would hold it
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # in use, not ours to read, or already gone
            continue


def slug(title: str) -> str:
    """A file name stem for a chat's title: its letters and digits in any script, joined by dashes."""
    words = _SLUG.sub("-", title).strip("-_")[:_SLUG_CHARS].rstrip("-_")
    return words or "chat"


def empty_chat() -> ChatView:
    """A new, empty chat: nothing is saved until its first answer."""
    return [], render_sources(None), "", None, {}


def reopen(citewise: Citewise, owner: str, chat_id: str | None) -> tuple[ChatView, str]:
    """The owner's chat as it was answered, its last answer's sources shown, and a status line.

    An unknown id (deleted meanwhile, or another user's) shows an empty chat; an unreadable chats file
    shows an empty chat too, keeping the id, so that a passing lock does not lose the user's place.
    """
    chat_id = chat_id_of(chat_id)
    if chat_id is None:
        return empty_chat(), ""
    try:
        chat = citewise.open_chat(owner, chat_id)
    except ChatStoreError as error:
        messages, sources, searched, _, cards = empty_chat()
        return (messages, sources, searched, chat_id, cards), report(error, "The saved chat could not be opened")
    if chat is None or not chat.answers:
        return empty_chat(), ""
    messages = render_messages([saved.answer for saved in chat.answers])
    # Each answer follows its question: message 2i + 1 is answer i, and the last one's sources are shown.
    cards = {2 * i + 1: render_sources(saved.answer, saved.states) for i, saved in enumerate(chat.answers)}
    return (messages, cards[len(messages) - 1], render_searched(chat.answers[-1].answer), chat.id, cards), ""


def refresh(citewise: Citewise, exports: Exports, owner: str, chat_id: str | None, note: str = "") -> tuple[Any, ...]:
    """The panel as it stands: the owner's chats with ``chat_id`` selected, its title and export, and a status line.

    ``note`` is a problem already reported: the status shows it, and any further failure is logged but not shown again.
    """
    try:
        listed = citewise.chats(owner)
    except ChatStoreError as error:
        status = note or report(error, "Saved chats are unavailable", toast=not note)
        return _radio([], None), *_actions(None), _export(None), status, gr.Column(visible=False)
    if recovered := citewise.chats_recovered():  # a damaged file set aside and its chats copied: said once
        gr.Warning(html.escape(recovered), title="Saved chats")
        note = note or f"⚠️ {escape_markdown(recovered)}"
    current = next((chat for chat in listed if chat.id == chat_id), None)
    path = None
    if current is not None:
        try:
            markdown = citewise.export_chat(owner, current.id)
            if markdown is not None:
                path = exports.write(owner, current.id, current.title or UNTITLED, markdown)
        except (ChatStoreError, OSError) as error:
            note = note or report(error, "The export could not be prepared", toast=False)  # the chat itself is fine
    return _radio(listed, current), *_actions(current), _export(path), note, gr.Column(visible=False)


def _radio(listed: list[ChatSummary], current: ChatSummary | None) -> Any:
    """The list of chats, most recently used first."""
    choices = [(chat.title or UNTITLED, chat.id) for chat in listed]
    info = "Newest first; pick one to reopen it." if listed else "Your questions and answers are saved here."
    return gr.Radio(choices=choices, value=current.id if current else None, info=info)


def _actions(current: ChatSummary | None) -> tuple[Any, Any, Any]:
    """The title box and the rename and delete buttons: usable once the current chat is saved."""
    saved = current is not None
    title = gr.Textbox(value=(current.title or UNTITLED) if current else "", interactive=saved)
    return title, gr.Button(interactive=saved), gr.Button(interactive=saved)


def _export(path: Path | None) -> Any:
    """The export button: the current chat's Markdown file, or disabled before the first answer."""
    return gr.DownloadButton(value=str(path) if path else None, interactive=path is not None)
