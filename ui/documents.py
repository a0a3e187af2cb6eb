"""The documents tab: upload, list, delete and re-index, with progress and per-file errors."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from assistant import Citewise
from index import (
    COMPRESSED_SUFFIXES,
    MANUAL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    DocumentState,
    DocumentStatus,
    IndexBusyError,
    IndexDamagedError,
    IndexWriteError,
    ListedDocument,
    Progress,
    SavedUpload,
    SyncReport,
    SyncStopped,
    UnsafeSyncError,
    UploadError,
)
from ui.render import escape_markdown
from ui.stops import Stops

HEADERS = ["Document", "Title", "Chunks", "Pages", "Status"]
# How often an open page asks whether the documents changed behind its back (a watched folder's sync, the command line,
# another session or instance): one lookup by id; the list is read again only when it moved.
REFRESH_S = 5.0

logger = logging.getLogger(__name__)


class DocumentsFolder(Protocol):
    """What the tab needs of the documents folder: ``Citewise`` in the app, its ``Library`` in tests."""

    def save_upload(self, original_name: str, uploaded: Path, *, replace: bool = False) -> SavedUpload:
        """Save one uploaded file into the folder."""
        ...

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """Re-index the folder."""
        ...

    def documents(self) -> list[ListedDocument]:
        """Every document of the folder with its state."""
        ...


def folder_line(docs_dir: Path, *, watched: bool) -> str:
    """Where the documents live, and how files put there other than by this page get indexed."""
    where = f"Documents folder: {escape_markdown(str(docs_dir.resolve()))}."
    if watched:
        return f"{where} Watched: files saved, edited or deleted there are indexed as they come."
    return f"{where} Files copied there are indexed by Re-index (or as they come with `CITEWISE_WATCH=1`)."


def documents_tab(citewise: Citewise) -> tuple[gr.Dataframe, gr.Dropdown, gr.State]:
    """Build the tab; returns the table, the document picker and the documents version they show, so the page can
    refresh them on load (``refresh``)."""
    with gr.Row():
        with gr.Column():
            upload = gr.File(
                label=(
                    f"Add documents ({', '.join(sorted(SUPPORTED_SUFFIXES))}, manual pages .1 to .9; "
                    f"compressed: {', '.join(COMPRESSED_SUFFIXES)})"
                ),
                file_count="multiple",
                # A compressed file's extension is its compression's; what it holds is checked on upload.
                file_types=[*sorted(SUPPORTED_SUFFIXES), *MANUAL_SUFFIXES, *COMPRESSED_SUFFIXES],
                elem_id="cw-upload",
            )
            replace_box = gr.Checkbox(label="Replace documents with the same name", value=False, elem_id="cw-replace")
        with gr.Column():
            reindex = gr.Button("Re-index the documents folder", elem_id="cw-reindex")
            stop_sync = gr.Button("Stop indexing", variant="stop", visible=False, elem_id="cw-stop-sync")
            choice = gr.Dropdown(label="Document", choices=sources(citewise), elem_id="cw-doc-choice")
            delete = gr.Button("Delete document", variant="stop", elem_id="cw-delete")
    gr.Markdown(folder_line(citewise.settings.docs_dir, watched=citewise.settings.watch), elem_id="cw-folder")
    status = gr.Markdown(elem_id="cw-sync-status")
    table = gr.Dataframe(headers=HEADERS, value=rows(citewise), interactive=False, elem_id="cw-documents")
    # The documents version (``Citewise.documents_version``) of the list the table and picker show, and when that list
    # began to be read (``time.monotonic``).
    shown = gr.State(None)
    timer = gr.Timer(REFRESH_S)

    stops = Stops()  # the Stop indexing button's, by session
    listing = SharedListing(citewise, REFRESH_S)  # what every open page's timer shows

    def progress_of(progress: gr.Progress, stop: threading.Event) -> Progress:
        def update(done: int, total: int, chunks: int) -> None:
            if stop.is_set() and done < total:
                raise SyncStopped(done, total)
            progress((done, max(total, 1)), desc=f"indexing: {chunks} chunks embedded", unit="files")

        return update

    def on_upload(
        files: list[str] | None, replace: bool, request: gr.Request, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        lines = save_uploads(citewise, [Path(file) for file in files or []], replace=replace)
        with stops.watch(request.session_hash or "") as stop:
            text = sync_markdown(citewise, progress_of(progress, stop), "\n\n".join(lines))
        return None, text, *view(citewise)

    def on_reindex(request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        with stops.watch(request.session_hash or "") as stop:
            text = sync_markdown(citewise, progress_of(progress, stop))
        return text, *view(citewise)

    def on_stop(request: gr.Request) -> Any:
        if stops.stop(request.session_hash or ""):
            return "Stopping within a few seconds; what was indexed stays…"
        return gr.skip()  # no sync of this page's runs: the status line stays as it is

    def on_delete(source: str | None) -> tuple[Any, ...]:
        if not source:
            return "Choose a document to delete.", *view(citewise)
        try:
            deleted = citewise.delete_document(source)
        except (UploadError, IndexBusyError, IndexWriteError, IndexDamagedError) as error:
            return f"Not deleted: {escape_markdown(str(error))}", *view(citewise)
        said = f"Deleted {escape_markdown(source)}." if deleted else f"{escape_markdown(source)} was already gone."
        return said, *view(citewise)

    def on_tick(shown: tuple[tuple[int, int], float] | None, chosen: str | None) -> tuple[Any, ...]:
        try:
            read = listing.newer(citewise.documents_version(), shown)
        except Exception as error:  # a damaged index or an unreachable server: the page keeps what it shows
            logger.debug("the documents could not be listed: %s", error)
            return gr.skip(), gr.skip(), gr.skip()
        if read is None:
            return gr.skip(), gr.skip(), gr.skip()
        return (read.version, read.began), *view_of(read.documents, chosen)

    # While a sync runs, a Stop button shows beside it: the sync stops between files, while one is read or within a long
    # one's embedding (``SyncStopped``), every file written staying whole, and the next sync completes the work. Shown
    # by events registered before the syncs' own (as the chat's stop button is), hidden again when the sync ends or
    # stops.
    private: dict[str, Any] = {"api_visibility": "private"}
    for trigger in (upload.upload, reindex.click):
        trigger(lambda: gr.Button(visible=True), None, stop_sync, queue=False, **private)
    syncing = [
        upload.upload(on_upload, [upload, replace_box], [upload, status, table, choice]),
        reindex.click(on_reindex, None, [status, table, choice]),
    ]
    for event in syncing:
        event.then(lambda: gr.Button(visible=False), None, stop_sync, queue=False, **private)
    stop_sync.click(on_stop, None, status, queue=False, **private)
    delete.click(on_delete, choice, [status, table, choice])
    # The list follows the index while the page is open: a file the watched folder's sync indexed shows without a
    # reload, and the document chosen for deletion stays chosen while it is there.
    timer.tick(on_tick, [shown, choice], [shown, table, choice], queue=False, show_progress="hidden", **private)
    return table, choice, shown


def save_uploads(folder: DocumentsFolder, files: list[Path], *, replace: bool) -> list[str]:
    """Save each uploaded file, a refused or failed one never stopping the rest; returns the status lines.

    Example:
        >>> save_uploads(folder, [Path("/tmp/gradio/1/report.pdf")], replace=False)
        ['Saved report (2).pdf (a document named report.pdf already exists).']
    """
    saved, notes, refused = [], [], []
    for path in files:
        try:
            result = folder.save_upload(path.name, path, replace=replace)
        except UploadError as error:
            refused.append(f"Refused: {escape_markdown(str(error))}")
            continue
        name = escape_markdown(result.name)
        if result.renamed:
            notes.append(f"Saved {name} (a document named {escape_markdown(result.existing or '')} already exists).")
        elif result.replaced:
            notes.append(f"Replaced {name}.")
        else:
            saved.append(name)
    return ([f"Saved {', '.join(saved)}."] if saved else []) + notes + refused


def sync_markdown(folder: DocumentsFolder, progress: Progress | None = None, prefix: str = "") -> str:
    """Sync the folder and describe the outcome; a refused, timed-out or stopped sync is explained, not raised."""
    try:
        report = folder.sync(progress)
    except SyncStopped as stopped:
        said = (
            f"**Indexing stopped** after {stopped.done} of {stopped.total} files: the documents indexed so far answer; "
            "the rest keep what the index held, and **Re-index the documents folder** completes the work."
        )
        return "\n\n".join(part for part in (prefix, said) if part)
    except (UnsafeSyncError, IndexBusyError) as error:
        # The index is unchanged; say why, so a missing folder is noticed before anything is lost.
        return "\n\n".join(part for part in (prefix, f"**Index not changed:** {escape_markdown(str(error))}") if part)
    except (IndexWriteError, IndexDamagedError) as error:  # a full or read-only disk, a damaged index
        return "\n\n".join(part for part in (prefix, f"**Sync stopped:** {escape_markdown(str(error))}") if part)
    return report_markdown(report, prefix)


def refresh(citewise: Citewise) -> tuple[list[list[Any]], Any, Any]:
    """Current table rows, picker and the documents version they show, for a page that just loaded."""
    began = time.monotonic()
    try:
        shown: Any = (citewise.documents_version(), began)  # read before the list: never newer than what it labels
    except Exception:  # the table says why the index cannot be read; the timer tries again
        shown = None
    return *view(citewise), shown


@dataclass(frozen=True)
class Listed:
    """The documents as listed at one documents version, and when the listing began (``time.monotonic``)."""

    version: tuple[int, int]
    began: float
    documents: list[ListedDocument] | IndexDamagedError


class SharedListing:
    """The documents list that the open pages' timers show: read once per documents version for all of them, and while
    the version keeps moving (a sync writes a file at a time) at most once per ``interval`` seconds.

    Listing reads every chunk's metadata from Chroma, about 0.2 ms a chunk (0.8 s for the 3,770 chunks of the
    encyclopedia set's index here): every open page reading it on every write would take that from a sync's embedding.
    """

    def __init__(self, folder: DocumentsFolder, interval: float) -> None:
        self.folder = folder
        self.interval = interval
        self._lock = threading.Lock()
        self._last: Listed | None = None

    def newer(self, version: tuple[int, int], shown: tuple[tuple[int, int], float] | None) -> Listed | None:
        """What a page showing ``shown`` (the version of its list and when that list began to be read; None before
        any) shows next, the documents being at ``version`` now: None while its list is the newest read."""
        if shown is not None and version == shown[0]:
            return None
        read = self.read(version)
        return None if shown is not None and read.began <= shown[1] else read

    def read(self, version: tuple[int, int]) -> Listed:
        """The list at ``version`` (read now, or by another page already), or the last one read if that was less than
        ``interval`` seconds ago."""
        with self._lock:  # pages ticking together wait for one read
            last = self._last
            if last is not None and (last.version == version or time.monotonic() - last.began < self.interval):
                return last
            began = time.monotonic()
            self._last = Listed(version, began, listed(self.folder))
            return self._last


def listed(folder: DocumentsFolder) -> list[ListedDocument] | IndexDamagedError:
    """Every document of the folder, or why the index cannot be read (the table says so)."""
    try:
        return folder.documents()
    except IndexDamagedError as error:
        return error


def view(folder: DocumentsFolder, keep: str | None = None) -> tuple[list[list[Any]], Any]:
    """The table's rows and the document picker, from one listing of the documents."""
    return view_of(listed(folder), keep)


def view_of(documents: list[ListedDocument] | IndexDamagedError, keep: str | None = None) -> tuple[list[list[Any]], Any]:
    """The table's rows (one that says why, when the index cannot be read) and the picker, where ``keep`` stays chosen
    while it is listed."""
    choices = choices_of(documents)
    return rows_of(documents), gr.Dropdown(choices=choices, value=keep if keep in choices else None)


def choices_of(documents: list[ListedDocument] | IndexDamagedError) -> list[str]:
    """The picker's choices: every document listed, failed ones included; none when the index cannot be read (the
    table says why)."""
    return [] if isinstance(documents, IndexDamagedError) else [document.source for document in documents]


def rows_of(documents: list[ListedDocument] | IndexDamagedError) -> list[list[Any]]:
    """The table's rows; one that says why, when the index cannot be read. (No component is made here: the tab's
    table is built with them, and a component made inside the page's build would be shown on it.)"""
    if isinstance(documents, IndexDamagedError):
        return [["", "", 0, 0, f"failed: {documents}"]]
    return [[d.source, d.title, d.chunks, d.pages, status_text(d.status)] for d in documents]


def sources(folder: DocumentsFolder) -> list[str]:
    """Every document the list shows, failed ones included, so any of them can be deleted."""
    return choices_of(listed(folder))


def rows(folder: DocumentsFolder) -> list[list[Any]]:
    """The documents table's rows; one that says why, when the index cannot be read."""
    return rows_of(listed(folder))


def status_text(status: DocumentStatus) -> str:
    """The table's Status cell: "indexed", "incomplete", or "failed: " and why."""
    return f"{status.kind.value}: {status.detail}" if status.kind is DocumentState.FAILED else status.kind.value


def report_markdown(report: SyncReport, prefix: str = "") -> str:
    """A sync's outcome in one line, then each failed or warned file, then how many files of other types were skipped."""
    summary = report.summary()
    text = (
        f"{summary['added']} added, {summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['deleted']} deleted, {len(report.failed)} failed — {report.chunks} chunks in the index "
        f"({report.embedding_counts} in {report.seconds:.1f} s)."
    )
    problems = [f"- {escape_markdown(f.path)}: {escape_markdown(f.error)}" for f in [*report.failed, *report.warnings]]
    skipped = f"Skipped {escape_markdown(report.skipped_files)}." if report.skipped else ""
    return "\n\n".join(part for part in (prefix, text, "\n".join(problems), skipped) if part)
