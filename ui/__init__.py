"""The Gradio interface: chat (with saved chats), documents, retrieval inspector and settings tabs."""

from __future__ import annotations

import gradio as gr

from assistant import Citewise
from ui.chat import chat_tab, make_respond
from ui.documents import documents_tab, refresh
from ui.inspector import inspector_tab
from ui.preferences import Preferences, settings_tab
from ui.render import CSS, highlight, render_answer, render_sources

__all__ = ["CSS", "Preferences", "create_app", "highlight", "make_respond", "render_answer", "render_sources"]


def create_app(citewise: Citewise) -> gr.Blocks:
    """Build the whole interface around a ready Citewise."""
    # No analytics: Gradio would otherwise report usage and check for updates over the network.
    with gr.Blocks(title="Citewise", analytics_enabled=False) as demo:
        preferences = gr.State(Preferences.defaults(citewise))
        gr.Markdown("## Citewise — ask your documents")
        with gr.Tab("Chat"):
            chat_tab(citewise, preferences, demo)
        with gr.Tab("Documents") as documents:
            table, choice, shown = documents_tab(citewise)
        with gr.Tab("Retrieval inspector"):
            inspector_tab(citewise, preferences)
        with gr.Tab("Settings"):
            settings_tab(citewise, preferences)
        # The list can change behind a page's back (other sessions, the CLI, a watched folder): refreshed on load and on
        # opening the tab, and while the page is open whenever the index is written (``documents_tab``).
        demo.load(lambda: refresh(citewise), None, [table, choice, shown])
        documents.select(lambda: refresh(citewise), None, [table, choice, shown])
    return demo
