"""Citewise's web server: opens the index, then serves the Gradio chat and the HTTP API (``api/``) in one process.

``/`` is the chat (``ui/``), ``/documents/...`` the document viewer, ``/v1/...`` the API and ``/docs``
its OpenAPI page, all on ``CITEWISE_HOST``:``CITEWISE_PORT``, served by uvicorn.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from api import PREFIX, Access, create_api
from assistant import Citewise, Settings, build_citewise
from index import IndexBusyError, IndexDamagedError, IndexMismatchError, IndexWriteError, SyncReport, UnsafeSyncError
from index.settings import invalid_settings
from ui import CSS, create_app, highlight, make_respond, render_answer, render_sources
from ui.viewer import document_link, document_routes

__all__ = [
    "build_server",
    "create_app",
    "highlight",
    "launch",
    "make_respond",
    "render_answer",
    "render_sources",
    "startup_sync",
    "warn_if_exposed",
]

logger = logging.getLogger("citewise.app")

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def launch(settings: Settings) -> None:
    """Open the index, bring it up to date with the documents folder, and serve the chat and the API."""
    with build_citewise(settings) as citewise:  # closed when the server stops (Ctrl-C, SIGTERM)
        startup_sync(citewise)
        warn_if_exposed(settings)
        if settings.auth and not settings.api_key:
            logger.info("the API at %s is closed: the chat has a login; set CITEWISE_API_KEY to open it", PREFIX)
        server = build_server(citewise)
        settle_memory()
        logger.info("serving the chat on http://%s:%d/ and the API on %s (docs at /docs)", settings.host, settings.port, PREFIX)
        with watching_folder(citewise):  # stopped before the index closes
            # A stream left open (a browser tab's queue connection) must not hold up stopping the server for long.
            uvicorn.run(
                server, host=settings.host, port=settings.port, log_config=None, access_log=False, timeout_graceful_shutdown=3
            )


@contextmanager
def watching_folder(citewise: Citewise) -> Iterator[None]:
    """With ``CITEWISE_WATCH`` on, sync the documents folder whenever it changes until the block ends (index/watch.py).

    Syncs go through the app's library, as Re-index does: one at a time, and the Documents tab and the API list what
    the last one failed.
    """
    if not citewise.settings.watch:
        yield
        return
    from index.watch import watch

    docs_dir = citewise.settings.docs_dir
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch,
        args=(lambda progress: citewise.sync(progress), docs_dir),
        kwargs={"stop": stop, "synced": True, "rescan": citewise.settings.watch_rescan_s, "on_sync": _log_change},
        name="citewise-watch",
        daemon=True,
    )
    watcher.start()
    logger.info("watching %s: its changes are synced as they come", docs_dir)
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=10)


def _log_change(report: SyncReport) -> None:
    _log_failures(report)
    if report.added or report.updated or report.deleted:
        logger.info("the documents folder changed: %s", report.counts())


def _log_failures(report: SyncReport) -> None:
    for failure in report.failed:
        logger.warning("skipped %s: %s", failure.path, failure.error)


def settle_memory() -> None:
    """Leave what start-up made (the models, the libraries, the index's clients) out of every later garbage collection.

    Python's full collection walks every tracked object, every thread of the server stopped meanwhile: with the models,
    libraries and index loaded some 713,000, 410 ms here (``bench/gc_pause.py``). An answer its reader left runs one
    (``assistant.generate.hang_up``), and Python runs one itself once enough new objects outlive a few collections.
    Collected once now and frozen, start-up's objects are no longer walked: 0.001 ms after the 54 seed questions. What
    start-up left in reference cycles is collected first, so nothing frozen is garbage.
    """
    gc.collect()
    gc.freeze()


def build_server(citewise: Citewise) -> FastAPI:
    """One ASGI app: the API under ``/v1`` with its docs, and the Gradio chat with its document viewer at ``/``."""
    settings = citewise.settings
    server = create_api(citewise, Access.from_settings(settings), link=document_link)
    demo = create_app(citewise).queue(default_concurrency_limit=4)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    gr.mount_gradio_app(
        server,
        demo,
        path="/",
        auth=auth,
        css=CSS,
        show_error=False,
        # Gradio refuses larger uploads before they arrive; the limit is never above what sync indexes.
        max_file_size=citewise.choices().max_upload_bytes,
        # The document viewer the source cards link to, served before Gradio's own routes (behind its login).
        app_kwargs={"routes": document_routes(citewise)},
    )
    return server


def startup_sync(citewise: Citewise) -> SyncReport | None:
    """Bring the index up to date with the documents folder; never wipes it, never stops the app starting."""
    # An incremental sync costs a hash per file when nothing changed; it indexes a new folder,
    # picks up documents added while the app was down, and repairs a sync that was killed.
    logger.info("syncing %s", citewise.settings.docs_dir)
    try:
        report = citewise.sync()
    except (UnsafeSyncError, IndexBusyError, IndexWriteError, IndexDamagedError, FileNotFoundError) as error:
        # A folder that lost its documents (an unmounted drive), or is not there at all (a drive not mounted yet, a
        # mistyped CITEWISE_DOCS_DIR), a writer that will not finish, a full disk, damage: the index as it stands
        # still answers, so serve it and say why it was not synced.
        logger.warning("serving the existing index without syncing it: %s", error)
        return None
    _log_failures(report)
    if report.skipped:
        logger.info("skipped %s", report.skipped_files)
    logger.info("index ready: %s", report.counts())
    return report


def warn_if_exposed(settings: Settings) -> None:
    """Log a warning when the server listens beyond this machine with the chat or the API open to anyone."""
    if settings.host in _LOCAL_HOSTS or settings.auth:
        return  # only this machine can reach it, or the chat has a login (and the API is closed or needs its key)
    if settings.api_key:
        where, fix = f"in the chat (the API at {PREFIX} needs CITEWISE_API_KEY)", "CITEWISE_AUTH=user:password"
    else:
        where, fix = f"in the chat and through the API at {PREFIX}", "CITEWISE_AUTH=user:password and CITEWISE_API_KEY"
    logger.warning(
        "serving on %s without a login: anyone who can reach it can read your documents %s; set %s", settings.host, where, fix
    )


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        launch(Settings())
    except ValidationError as error:
        print(f"error: {invalid_settings(error)}", file=sys.stderr)
        sys.exit(2)
    except (IndexMismatchError, IndexDamagedError, IndexWriteError, ValueError) as error:  # the index, its disk, the settings
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
