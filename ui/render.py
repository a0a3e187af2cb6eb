"""HTML and Markdown for the UI, built from answer data; every document string is escaped."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from assistant import Answer, Citation, CitationState, Passage, Retrieval
from assistant.citations import SentenceCheck
from assistant.prompts import render
from index import page_word
from ui.viewer import ROUTE, document_link

CSS = """
.cw-source, .cw-near { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px; }
.cw-near { border-style: dashed; }
.cw-source:target { outline: 2px solid var(--color-accent); }
.cw-n { font-weight: 700; color: var(--color-accent); }
.cw-quote { margin: 6px 0; padding-left: 8px; border-left: 3px solid var(--color-accent); }
.cw-text { white-space: pre-wrap; font-size: 0.9em; }
.cw-text mark, .cw-quote mark { background: #ffe58a; color: inherit; }
.cw-empty { color: var(--body-text-color-subdued); }
.cw-table { width: 100%; border-collapse: collapse; font-size: 0.9em; }
.cw-table td, .cw-table th { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; vertical-align: top; }
.cw-source.cw-changed { border-style: dashed; border-color: #d97706; }
.cw-state { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 0.8em; font-weight: 600;
  background: #fef3c7; color: #92400e; }
#cw-chats .wrap { flex-direction: column; flex-wrap: nowrap; max-height: 430px; overflow-y: auto; gap: 4px; }
#cw-chats label { width: 100%; }
#cw-chats label span { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
@media (max-width: 640px) { #cw-chats-panel { order: 1; } }
"""

NEAR_CHARS = 1200  # of each, the start; the whole is a click away in the viewer

Messages = list[dict[str, Any]]
"""Gradio chat messages: ``{"role": "user" | "assistant", "content": Markdown}``."""

# What a reopened answer's source card says when its document no longer reads as it was quoted.
STATE_MARKS: dict[str, tuple[str, str]] = {
    "changed": ("changed since", "The document was edited after this answer: the quote shows what it said then."),
    "deleted": ("document deleted since", "The document was removed after this answer: the quote shows what it said then."),
}


def escape_markdown(text: str) -> str:
    """Show ``text`` literally in Markdown: escape HTML and the characters that could restyle it."""
    escaped = html.escape(text, quote=False)
    for char in "\\`*_{}#|~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("[", "\\[").replace("]", "\\]")


# What ``render_answer`` makes of an answer's text, undone by ``as_said``: a marker as a link to its source card, the
# characters ``escape_markdown`` escapes, and the flags the chat adds.
_MARKER_LINK = re.compile(r'\[\\\[(\d+)\\\]\]\(#cw-source-\d+(?: "[^"]*")?\)')
_ESCAPED = re.compile(r"\\([\\`*_{}#|~\[\]])")
_UNVERIFIED = " ⚠️ *(unverified)*"


def as_said(shown: str) -> str:
    """A chat message's text as it was said, from the Markdown the chat shows it as (``escape_markdown``,
    ``render_answer``): each marker link back to ``[n]``, escapes and HTML entities undone, the chat's warnings left
    out. The page hands the conversation back as shown, and a follow-up reads what the last answer quoted from it."""
    text = shown.replace(_tentative_note(), "").replace(_UNVERIFIED, "")
    return html.unescape(_ESCAPED.sub(r"\1", _MARKER_LINK.sub(r"[\1]", text)))


def _tentative_note() -> str:
    """The warning the chat shows under a tentative answer (``prompts/tentative.txt``)."""
    return f"\n\n⚠️ *{escape_markdown(render('tentative'))}*"


def relevance(score: float) -> str:
    """A cross-encoder logit as a 0-100 % relevance (cosines already lie in 0..1)."""
    value = 1 / (1 + math.exp(-score)) if not 0.0 <= score <= 1.0 else score
    return f"{100 * value:.0f}%"


def render_answer(answer: Answer) -> str:
    """The answer as chat Markdown: ``[n]`` markers link to their source card and show its quote on hover,
    and sentences no cited source supports are flagged."""
    links = {citation.n: _marker_link(citation) for citation in answer.citations}
    sections = answer.sections() if answer.backend == "extractive" else []
    if len(sections) > 1:
        # Each question of a message that asked several under its own heading, then its quotes or its refusal.
        shown = "\n\n".join(
            f"**{escape_markdown(asked)}** " + (_quoted(group, links) if group else escape_markdown(said))
            for (asked, said), group in zip(sections, _by_section(sections, answer.sentences), strict=True)
        )
    elif answer.backend == "extractive" and answer.sentences:
        shown = _quoted(answer.sentences, links)
    else:
        shown = escape_markdown(answer.text)
        for sentence in answer.sentences:
            if not sentence.supported:
                claim = escape_markdown(sentence.text.rstrip(".!?"))
                shown = shown.replace(claim, f"{claim}{_UNVERIFIED}", 1)
        for n, link in links.items():
            shown = shown.replace(f"\\[{n}\\]", link)
    if answer.tentative:
        # Under the answer, never inside a quote: the sentences above stay exactly as the document has them.
        shown += _tentative_note()
    return shown


def render_streaming(answer: Answer) -> str:
    """The text streamed so far, shown literally; a message of several questions with each question as its heading
    already, as ``render_answer`` will show it."""
    sections = answer.sections()
    if len(sections) == 1:
        return escape_markdown(answer.text)
    return "\n\n".join(f"**{escape_markdown(asked)}** {escape_markdown(said)}" for asked, said in sections)


def _quoted(sentences: Sequence[SentenceCheck], links: Mapping[int, str]) -> str:
    """Extractive sentences, each a verbatim quote followed by its own markers: only those link to a source, and a
    "[2]" the document itself wrote stays text."""
    return " ".join(" ".join([escape_markdown(s.text), *(links.get(n, f"\\[{n}\\]") for n in s.citations)]) for s in sentences)


def _by_section(sections: Sequence[tuple[str, str]], sentences: Sequence[SentenceCheck]) -> list[list[SentenceCheck]]:
    """The sentences each section's text holds, taken in order (a sentence two sections quote is found in each)."""
    groups: list[list[SentenceCheck]] = []
    taken = 0
    for _, said in sections:
        group: list[SentenceCheck] = []
        at = 0
        while taken < len(sentences) and (found := said.find(sentences[taken].text, at)) >= 0:
            group.append(sentences[taken])
            at, taken = found + len(sentences[taken].text), taken + 1
        groups.append(group)
    return groups


def _marker_link(citation: Citation) -> str:
    """``[n]`` as a link to citation n's source card, its quote shown on hover."""
    tooltip = f"{citation.source}{_page(citation)}: {citation.quote}".replace('"', "'").replace("\\", "/")
    tooltip = html.escape(tooltip, quote=False)[:300]
    return f'[\\[{citation.n}\\]](#cw-source-{citation.n} "{tooltip}")'


def render_messages(answers: Sequence[Answer]) -> Messages:
    """A saved conversation as chat messages, each question and answer shown as it was when asked."""
    messages: Messages = []
    for answer in answers:
        messages += [{"role": "user", "content": escape_markdown(answer.question)}]
        messages += [{"role": "assistant", "content": render_answer(answer)}]
    return messages


def render_searched(answer: Answer) -> str:
    """The line under the chat saying what was searched, when a follow-up was rewritten; "" otherwise (and when nothing
    was searched: "thanks" is replied to, not searched)."""
    return f"Searched for: *{escape_markdown(answer.query)}*" if answer.query and answer.query != answer.question else ""


def render_sources(answer: Answer | None, states: Mapping[int, CitationState] | None = None) -> str:
    """The sources panel: one card per citation, supporting sentences highlighted.

    ``states`` (a reopened answer's) marks each citation whose document changed or went since: the card
    still shows what was quoted, and links to the document as it is now, if it is still there.
    """
    if answer is None:
        return "<p class='cw-empty'>Sources of the answer appear here.</p>"
    if answer.refused or not answer.citations:
        if not answer.query:  # "Hi!", "Thanks": replied to, nothing searched
            return "<p class='cw-empty'>No source: nothing was searched for this message.</p>"
        nothing = "<p class='cw-empty'>No source: the documents do not answer this question.</p>"
        near = answer.closest
        if not near:  # nothing on the subject either: nothing to show
            return nothing
        # On the subject, but no sentence said what was asked: the user can read them and judge, as with any source.
        intro = "<p class='cw-empty'>The closest passages, none of which says what was asked:</p>"
        return nothing + intro + "\n".join(_render_near(passage) for passage in near)
    cards = "\n".join(_render_citation(c, (states or {}).get(c.n, "current")) for c in answer.citations)
    if not answer.closest:
        return cards
    # A message of several questions, some refused: what those found, after the sources of the answered ones.
    intro = "<p class='cw-empty'>For the questions not answered, the closest passages, none of which says what was asked:</p>"
    return cards + intro + "\n".join(_render_near(passage) for passage in answer.closest)


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped, with each [start, end) span wrapped in ``<mark>``."""
    parts, position = [], 0
    for start, end in sorted(spans):
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def render_retrieval(retrieval: Retrieval, limit: int = 20) -> str:
    """The inspector's table: each ranked passage with every stage's score, and stage timings."""
    timings = " · ".join(f"{stage} {1000 * seconds:.0f} ms" for stage, seconds in retrieval.timings.items())
    rows = []
    relevant = {p.chunk_id for p in retrieval.relevant}
    for rank, passage in enumerate(retrieval.passages[:limit], start=1):
        scores = "".join(f"<td>{_score(passage.scores.get(stage))}</td>" for stage in ("bm25", "dense", "fused", "rerank"))
        kept = "✓" if passage.chunk_id in relevant else ""
        snippet = html.escape(passage.text[:240] + ("…" if len(passage.text) > 240 else ""))
        rows.append(
            f"<tr><td>{rank}</td><td>{kept}</td><td><b>{html.escape(passage.source)}</b>{_page(passage)}{_section(passage)}<br>"
            f"<small>{snippet}</small></td>{scores}</tr>"
        )
    header = "<tr><th>#</th><th>kept</th><th>passage</th><th>BM25</th><th>dense</th><th>fused</th><th>rerank</th></tr>"
    return (
        f"<p>Searched: <b>{html.escape(retrieval.query)}</b> — {len(retrieval.relevant)} of {len(retrieval.passages)} "
        f"passages kept. Timings: {html.escape(timings)}</p><table class='cw-table'>{header}{''.join(rows)}</table>"
    )


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _page(item: Citation | object) -> str:
    page = getattr(item, "page", None)
    return f", {page_word(getattr(item, 'source', ''))} {page}" if page else ""


def _section(item: Citation | object) -> str:
    """`` · `` and the escaped heading path, or nothing when the chunk sits under no heading."""
    section = getattr(item, "section", "")
    return f" · <span class='cw-section'>{html.escape(section)}</span>" if section else ""


def _render_citation(citation: Citation, state: CitationState = "current") -> str:
    title = html.escape(citation.title or citation.source)
    if state == "current":
        classes, mark = "cw-source", ""
        link = _link(document_link(citation), "open in the document")
    else:
        label, why = STATE_MARKS[state]
        classes, mark = "cw-source cw-changed", f" <span class='cw-state' title='{html.escape(why)}'>⚠ {label}</span>"
        # The saved offsets point into the text as it was: a changed document opens unmarked; a deleted one is gone.
        link = _link(f"{ROUTE}/{quote(citation.source)}", "open the document as it is now") if state == "changed" else ""
    return (
        f"<details class='{classes}' id='cw-source-{citation.n}' open>"
        f"<summary><span class='cw-n'>[{citation.n}]</span> <b>{title}</b>{mark}"
        f"<br><small>{html.escape(citation.source)}{_page(citation)}{_section(citation)} · "
        f"relevance {relevance(citation.score)}{' · ' if link else ''}{link}"
        "</small></summary>"
        f"<blockquote class='cw-quote'>{html.escape(citation.quote)}</blockquote>"
        f"<details class='cw-chunk'><summary>Show the whole passage</summary>"
        f"<div class='cw-text'>{highlight(citation.text, citation.highlights)}</div></details>"
        "</details>"
    )


def _render_near(passage: Passage) -> str:
    """A passage a refusal found on the subject: where it is, and its text folded, with no quote and no marker."""
    title = html.escape(passage.title or passage.source)
    text = passage.text if len(passage.text) <= NEAR_CHARS else passage.text[:NEAR_CHARS] + "…"
    return (
        "<details class='cw-near'>"
        f"<summary><b>{title}</b><br><small>{html.escape(passage.source)}{_page(passage)}{_section(passage)} · "
        f"relevance {relevance(passage.score)} · {_link(document_link(passage), 'open in the document')}</small></summary>"
        f"<div class='cw-text'>{html.escape(text)}</div></details>"
    )


def _link(href: str, text: str) -> str:
    """A source card's link to the document viewer, opened in a new tab."""
    return f"<a class='cw-open' href='{html.escape(href)}' target='_blank' rel='noopener'>{text}</a>"
