"""The documents tab: upload, list, delete and re-index, with progress and per-file errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Citewise
from assistant.library import Library, UploadError
from index import SUPPORTED_SUFFIXES, SyncReport
from ui.render import escape_markdown

HEADERS = ["Document", "Title", "Chunks", "Pages", "Status"]


def documents_tab(citewise: Citewise) -> tuple[gr.Dataframe, gr.Dropdown]:
    """Build the tab; returns the table and the document picker so the page can refresh them on load."""
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
            choice = gr.Dropdown(label="Document", choices=sources(library), elem_id="cw-doc-choice")
            delete = gr.Button("Delete document", variant="stop", elem_id="cw-delete")
    status = gr.Markdown(elem_id="cw-sync-status")
    table = gr.Dataframe(headers=HEADERS, value=rows(library), interactive=False, elem_id="cw-documents")

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
        lines = [f"Saved {escape_markdown(', '.join(saved))}." if saved else ""]
        lines += [f"Refused: {escape_markdown(reason)}" for reason in refused]
        return None, report_markdown(report, "\n\n".join(line for line in lines if line)), rows(library), picker(library)

    def on_reindex(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        return report_markdown(sync_with_progress(progress)), rows(library), picker(library)

    def on_delete(source: str | None) -> tuple[Any, ...]:
        if not source:
            return "Choose a document to delete.", rows(library), picker(library)
        library.delete(source)
        return f"Deleted {escape_markdown(source)}.", rows(library), picker(library)

    upload.upload(on_upload, upload, [upload, status, table, choice])
    reindex.click(on_reindex, None, [status, table, choice])
    delete.click(on_delete, choice, [status, table, choice])
    return table, choice


def refresh(citewise: Citewise) -> tuple[list[list[Any]], Any]:
    """Current table rows and picker, for a page that just loaded or a tab just opened."""
    return rows(citewise.library), picker(citewise.library)


def sources(library: Library) -> list[str]:
    """Every document the list shows, failed ones included, so any of them can be deleted."""
    return [row.source for row in library.rows()]


def picker(library: Library) -> Any:
    """The document dropdown with current choices."""
    return gr.Dropdown(choices=sources(library), value=None)


def rows(library: Library) -> list[list[Any]]:
    """The documents table's rows."""
    return [[r.source, r.title, r.chunks, r.pages, r.status] for r in library.rows()]


def report_markdown(report: SyncReport, prefix: str = "") -> str:
    """A sync's outcome in one line, then each failed or warned file."""
    summary = report.summary()
    text = (
        f"{summary['added']} added, {summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['deleted']} deleted, {len(report.failed)} failed — {report.chunks} chunks in the index "
        f"({report.embedded} embedded in {report.seconds:.1f} s)."
    )
    problems = [f"- {escape_markdown(f.path)}: {escape_markdown(f.error)}" for f in [*report.failed, *report.warnings]]
    return "\n\n".join(part for part in (prefix, text, "\n".join(problems)) if part)
