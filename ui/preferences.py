"""Per-session settings: answerer, retrieval options and document scope, applied without restart."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import gradio as gr

from assistant import Citewise, RetrievalMode, SearchOptions


@dataclass(frozen=True)
class Preferences:
    """What one browser session has chosen; starts from the configured settings."""

    backend: str
    options: SearchOptions

    @classmethod
    def defaults(cls, citewise: Citewise) -> Preferences:
        """The configured answerer and retrieval options."""
        choices = citewise.choices()
        return cls(backend=choices.backend, options=choices.search)


def settings_tab(citewise: Citewise, preferences: gr.State) -> None:
    """Controls that change this session's preferences on the spot."""
    choices = citewise.choices()
    start = Preferences(backend=choices.backend, options=choices.search)
    has_reranker = choices.has_reranker
    with gr.Row():
        backend = gr.Radio(
            list(choices.backends),
            value=start.backend,
            label="Answerer",
            elem_id="cw-pref-backend",
            info="extractive quotes the documents (no LLM); an LLM server is listed only when it was configured",
        )
        mode = gr.Radio(list(choices.retrieval_modes), value=start.options.mode, label="Retrieval", elem_id="cw-pref-mode")
    with gr.Row():
        top_k = gr.Slider(1, 20, value=start.options.top_k, step=1, label="Passages kept at most (top-k)", elem_id="cw-pref-topk")
        threshold = gr.Slider(
            -10,
            10,
            value=start.options.min_rerank_score,
            step=0.5,
            label="Relevance threshold (reranker score)",
            elem_id="cw-pref-threshold",
        )
        rerank = gr.Checkbox(
            value=start.options.rerank, label="Rerank with the cross-encoder", interactive=has_reranker, elem_id="cw-pref-rerank"
        )
    scope = gr.Dropdown(
        choices=citewise.sources(),
        value=[],
        multiselect=True,
        label="Only search these documents (empty: all)",
        elem_id="cw-pref-scope",
    )
    summary = gr.Markdown(describe(start), elem_id="cw-pref-summary")

    def update(backend_: str, mode_: str, top_k_: float, threshold_: float, rerank_: bool, scope_: list[str]) -> tuple[Any, str]:
        prefs = Preferences(
            backend=backend_,
            options=replace(
                start.options,
                mode=cast(RetrievalMode, mode_),
                top_k=int(top_k_),
                min_rerank_score=float(threshold_),
                rerank=bool(rerank_) and has_reranker,
                sources=tuple(scope_ or ()),
            ),
        )
        return prefs, describe(prefs)

    controls: list[Any] = [backend, mode, top_k, threshold, rerank, scope]
    for control in controls:
        control.change(update, controls, [preferences, summary])
    scope.focus(lambda: gr.Dropdown(choices=citewise.sources()), None, scope)


def describe(prefs: Preferences) -> str:
    """One line saying what the session's questions will use."""
    options = prefs.options
    scope = f"{len(options.sources)} selected document(s)" if options.sources else "all documents"
    rerank = "on" if options.rerank else "off"
    return (
        f"Answerer **{prefs.backend}** · retrieval **{options.mode}** · top-k {options.top_k} · "
        f"threshold {options.min_rerank_score:g} · reranking {rerank} · searching {scope}"
    )
