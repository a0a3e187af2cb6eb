"""The retrieval inspector: what each stage scored for a query, and how long each took."""

from __future__ import annotations

import html

import gradio as gr

from assistant import Citewise, QuestionError
from ui.preferences import Preferences
from ui.render import render_retrieval


def inspector_tab(citewise: Citewise, preferences: gr.State) -> None:
    """A query box and the ranked passages with BM25, dense, fused and rerank scores."""
    with gr.Row():
        query = gr.Textbox(label="Query", placeholder="Type a search query", scale=4, elem_id="cw-inspect-query")
        run = gr.Button("Search", scale=1, elem_id="cw-inspect-run")
    result = gr.HTML(elem_id="cw-inspect-result")

    def inspect(text: str, prefs: Preferences | None) -> str:
        if not text.strip():
            return "<p class='cw-empty'>Type a query.</p>"
        options = (prefs or Preferences.defaults(citewise)).options
        try:
            return render_retrieval(citewise.search(text.strip(), options=options))
        except QuestionError as error:
            return f"<p class='cw-empty'>{html.escape(str(error))}</p>"

    run.click(inspect, [query, preferences], result)
    query.submit(inspect, [query, preferences], result)
