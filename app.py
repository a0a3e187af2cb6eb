"""Citewise's web app: opens the index and serves the Gradio interface (see ``ui/``)."""

from __future__ import annotations

import logging
import os
import sys

from assistant import Citewise, Settings, build_assistant
from index import IndexBusyError, IndexMismatchError, SyncReport, UnsafeSyncError
from ui import CSS, create_app, highlight, make_respond, render_answer, render_sources
from ui.viewer import document_routes

__all__ = [
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


def launch(settings: Settings) -> None:
    """Open the index, bring it up to date with the documents folder, and serve the chat."""
    citewise = build_assistant(settings)
    startup_sync(citewise)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    warn_if_exposed(settings)
    create_app(citewise).queue(default_concurrency_limit=4).launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        css=CSS,
        show_error=False,
        # Gradio refuses larger uploads before they arrive; the limit is never above what sync indexes.
        max_file_size=citewise.library.upload_limit()[0],
        # The document viewer the source cards link to, served before Gradio's own routes.
        app_kwargs={"routes": document_routes(citewise)},
    )


def startup_sync(citewise: Citewise) -> SyncReport | None:
    """Bring the index up to date with the documents folder; never wipes it, never stops the app starting."""
    # An incremental sync costs a hash per file when nothing changed; it indexes a new folder,
    # picks up documents added while the app was down, and repairs a sync that was killed.
    logger.info("syncing %s", citewise.library.docs_dir)
    try:
        report = citewise.library.sync()
    except (UnsafeSyncError, IndexBusyError) as error:
        # A folder that lost its documents (an unmounted drive) or a writer that will not finish:
        # the index as it stands still answers, so serve it and say why it was not synced.
        logger.warning("serving the existing index without syncing it: %s", error)
        return None
    for failure in report.failed:
        logger.warning("skipped %s: %s", failure.path, failure.error)
    logger.info("index ready: %s", {k: v for k, v in report.summary().items() if k != "failed"})
    return report


def warn_if_exposed(settings: Settings) -> None:
    """Log a warning when the app listens beyond this machine with no login."""
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth:
        logger.warning(
            "serving on %s without a login: anyone who can reach it can read your documents; set CITEWISE_AUTH=user:password",
            settings.host,
        )


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        launch(Settings())
    except (IndexMismatchError, ValueError) as error:  # the index or the configuration needs the user's attention
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
