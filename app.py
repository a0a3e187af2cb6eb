"""Citewise's web app: opens the index and serves the Gradio interface (see ``ui/``)."""

from __future__ import annotations

import logging
import os
import sys

from assistant import Settings, build_assistant
from ui import CSS, create_app, highlight, make_respond, render_answer, render_sources

__all__ = ["create_app", "highlight", "launch", "make_respond", "render_answer", "render_sources"]

logger = logging.getLogger("citewise.app")


def launch(settings: Settings) -> None:
    """Open the index (indexing the documents folder first if it is empty) and serve the chat."""
    citewise = build_assistant(settings)
    if citewise.indexer.store.count() == 0:
        logger.info("index is empty: indexing %s", settings.docs_dir)
        report = citewise.library.sync()
        for failure in report.failed:
            logger.warning("skipped %s: %s", failure.path, failure.error)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    if settings.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        logger.warning(
            "serving on %s without a login: anyone who can reach it can read your documents; set CITEWISE_AUTH=user:password",
            settings.host,
        )
    create_app(citewise).queue(default_concurrency_limit=4).launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        css=CSS,
        show_error=False,
        max_file_size=f"{settings.max_upload_mb}mb",
    )


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    launch(Settings())
