"""Optional login (CITEWISE_AUTH): the chat and the document viewer both need it, and exposing the app without one warns."""

from __future__ import annotations

import logging

import httpx
import pytest
from browser_support import AppSpec, RunningApp

from app import warn_if_exposed
from assistant import Settings

USER, PASSWORD = "reader", "s3cret-Pass"
DOCUMENT = "003_8cf9f7c4be1979b2.txt"


# This module's app (conftest.py's module_app), started as a fresh interpreter: the suite keeps one cold app start.
APP = AppSpec(env={"CITEWISE_AUTH": f"{USER}:{PASSWORD}"}, cold=True)


@pytest.fixture(scope="module")
def app(module_app: RunningApp) -> RunningApp:
    """The app over the seeds, with a login."""
    return module_app


def test_nothing_is_served_before_signing_in(app: RunningApp) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as client:
        assert client.get(f"documents/{DOCUMENT}").status_code == 401
        assert client.get("gradio_api/info").status_code == 401
        assert client.post("login", data={"username": USER, "password": "wrong"}).status_code >= 400
        assert client.get(f"documents/{DOCUMENT}").status_code == 401


def test_signing_in_opens_the_viewer_and_the_api(app: RunningApp) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as client:
        assert client.post("login", data={"username": USER, "password": PASSWORD}).status_code == 200
        document = client.get(f"documents/{DOCUMENT}")
        assert document.status_code == 200 and "20 million dollars" in document.text
        assert client.get("gradio_api/info").status_code == 200


@pytest.mark.parametrize(
    ("host", "auth", "warns"),
    [("0.0.0.0", "", True), ("0.0.0.0", "a:b", False), ("127.0.0.1", "", False), ("localhost", "", False)],
)
def test_warns_when_serving_beyond_localhost_without_login(
    host: str, auth: str, warns: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="citewise.app"):
        warn_if_exposed(Settings(host=host, auth=auth))
    assert ("without a login" in caplog.text) is warns
