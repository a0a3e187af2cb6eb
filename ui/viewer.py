"""The document viewer: an indexed document as plain text, the cited passage highlighted, at ``/documents/<source>``.

A source card links here, so a reader can check a citation in its context, not only in its chunk.
Documents are shown as escaped text under a policy that lets nothing run; the original file is
offered only as a download, never rendered, so an HTML document cannot execute on this origin.
"""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from assistant import Citation, Citewise, Passage
from index import LoadError, OpenedDocument, page_word
from index.loader import LoadedDocument

ROUTE = "documents"
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_CSS = """
body { font: 16px/1.55 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.meta { color: #666; font-size: .9em; }
.text { white-space: pre-wrap; }
.chunk { background: #eef4ff; }
mark { background: #ffe58a; }
.page { display: block; margin: 1.5em 0 .5em; color: #666; font-size: .85em; border-top: 1px solid #ddd; padding-top: .3em; }
.stale, .from-index { background: #fff3cd; padding: .5em .8em; border-radius: 6px; }
.heading { font-weight: 700; }
.l1 { font-size: 1.4em; } .l2 { font-size: 1.25em; } .l3 { font-size: 1.1em; }
"""


# Said on a document another instance indexed (its file is in that instance's folder, not this one's).
FROM_INDEX = "shown from the index; the file is not on this server"
_OFFSET = re.compile(r"[0-9]{1,12}")
_MAX_MARKS = 100  # a link carries a few marks; more is not a citation, only work


def document_link(item: Citation | Passage) -> str:
    """The viewer's URL for a citation or a retrieved passage: its chunk shaded and scrolled into view, a citation's
    supporting sentences marked.

    Relative, so it works wherever the app is mounted.
    """
    start = item.start_char
    params = [f"from={start}", f"to={start + len(item.text)}"]
    if isinstance(item, Citation):
        params += [f"mark={start + s}-{start + e}" for s, e in item.highlights]
    return f"{ROUTE}/{quote(item.source)}?{'&'.join(params)}#cited"


def document_routes(citewise: Citewise) -> list[BaseRoute]:
    """The viewer's route, for the app to serve next to the Gradio interface."""

    async def view(request: Request) -> Response:
        if not _signed_in(request):
            return PlainTextResponse("Sign in to the app first.", status_code=401, headers=_HEADERS)
        source = request.path_params["source"]
        try:
            opened = await run_in_threadpool(citewise.open_document, source)
        except KeyError:
            return PlainTextResponse(f"No indexed document named {source!r}.", status_code=404, headers=_HEADERS)
        except LoadError as error:
            return PlainTextResponse(f"{source} cannot be read: {error}", status_code=422, headers=_HEADERS)
        if "download" in request.query_params:
            if opened.from_index:
                return PlainTextResponse(f"{source} is not on this server: {FROM_INDEX}", status_code=404, headers=_HEADERS)
            return FileResponse(opened.path, filename=Path(source).name, content_disposition_type="attachment", headers=_HEADERS)
        return HTMLResponse(render_document(opened, _spans(request)), headers=_HEADERS)

    return [Route(f"/{ROUTE}/{{source:path}}", view, methods=["GET"])]


def render_document(opened: OpenedDocument, spans: dict[str, list[tuple[int, int]]]) -> str:
    """The viewer page: the document's text with its headings and page starts, the chunk shaded and the marks highlighted."""
    document = opened.loaded
    text = document.text
    if not opened.current:
        spans = {}  # the offsets belong to the indexed version, not to this one
    chunk = spans.get("chunk", [])
    marks = spans.get("mark", [])
    page_starts = {page.start: page.number for page in document.pages}
    word = page_word(opened.source).capitalize()  # "Page 3"; a deck's "Slide 3"
    headings = _headings(document)
    cuts = {0, len(text), *page_starts, *(x for span in chunk + marks for x in span if 0 < x < len(text))}
    cuts.update(x for start, (end, _) in headings.items() for x in (start, end))
    parts, first_mark = [], True
    heading_end, level = 0, 0
    for start, end in itertools.pairwise(sorted(cuts)):
        if start in page_starts:
            parts.append(f"<span class='page' id='page-{page_starts[start]}'>{word} {page_starts[start]}</span>")
        piece = html.escape(text[start:end])
        if any(s <= start < e for s, e in marks):
            piece = f"<mark{' id=cited' if first_mark else ''}>{piece}</mark>"
            first_mark = False
        if any(s <= start < e for s, e in chunk):
            piece = f"<span class='chunk'{' id=cited' if first_mark and not marks else ''}>{piece}</span>"
            first_mark = first_mark and bool(marks)
        # Headings never overlap and the pieces come in order, so one look-up per piece finds its heading.
        if start in headings:
            heading_end, level = headings[start]
        if level and start < heading_end:
            piece = f"<span class='heading l{min(level, 3)}' role='heading' aria-level='{min(level, 6)}'>{piece}</span>"
        parts.append(piece)
    title = html.escape(document.title or opened.source)
    stale = (
        ""
        if opened.current
        else "<p class='stale'>This file changed after it was indexed: re-index to cite the current version.</p>"
    )
    download = f" · <a href='{quote(Path(opened.source).name)}?download'>download the original</a>"
    if opened.from_index:  # rebuilt from its chunks: no original to offer
        download = ""
        stale = f"<p class='from-index'>{FROM_INDEX.capitalize()}.</p>"
    # Where the cited passage sits, read from the document itself (a link carries offsets only).
    path = document.heading_path_at(chunk[0][0]) if chunk else ()
    section = f"<p class='meta'>Cited passage under: {html.escape(' > '.join(path))}</p>" if path else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><p class='meta'>{html.escape(opened.source)}{download}</p>{stale}{section}"
        f"<div class='text'>{''.join(parts)}</div></body></html>"
    )


def _headings(document: LoadedDocument) -> dict[int, tuple[int, int]]:
    """Each heading's start, end and level: the block a section starts with, when it reads as the section's heading.

    Most formats start a section with its heading's block; a PDF outline entry may point elsewhere, and
    the text before a document's first heading sits under its title, so a block that does not read as
    the heading is left as text.
    """
    headings = {}
    for section in document.sections:
        end = document.text.find("\n\n", section.start, section.end)
        end = section.end if end < 0 else end
        if section.path and " ".join(document.text[section.start : end].split()) == section.path[-1]:
            headings[section.start] = (end, len(section.path))
    return headings


def _spans(request: Request) -> dict[str, list[tuple[int, int]]]:
    """The chunk (``from``/``to``) and marked sentences (``mark=s-e``, repeated) asked for; malformed ones are ignored."""
    spans: dict[str, list[tuple[int, int]]] = {"chunk": [], "mark": []}
    query = request.query_params
    start, end = _offset(query.get("from", "")), _offset(query.get("to", ""))
    if start is not None and end is not None and start < end:
        spans["chunk"].append((start, end))
    for value in query.getlist("mark")[:_MAX_MARKS]:
        first, _, last = value.partition("-")
        start, end = _offset(first), _offset(last)
        if start is not None and end is not None and start < end:
            spans["mark"].append((start, end))
    return spans


def _offset(value: str) -> int | None:
    """A character offset written in ASCII digits, or None ("²", "١٢", "1_0" and 5,000-digit numbers are not offsets)."""
    return int(value) if _OFFSET.fullmatch(value) else None


def _signed_in(request: Request) -> bool:
    """Whether the request may read documents: always without a login, else with Gradio's session cookie."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    cookie_id = getattr(app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(f"access-token-unsecure-{cookie_id}")
    return token is not None and app.tokens.get(token) is not None
