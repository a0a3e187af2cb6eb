"""Start Citewise's Gradio app and a headless Chromium, and ask questions through the page.

Shared by ``tests/test_browser.py`` and ``bench/browser_latency.py``. Nothing here writes into
the repository: the app gets its index and documents folder from the caller (a temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

# Debian's Chromium (`make browser` installs it); Playwright's own browser downloads are never used.
CHROMIUM = Path(os.environ.get("CITEWISE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
START_TIMEOUT_S = 120.0
_HIDDEN = re.compile(r"\bhide\b")  # Gradio's status tracker, once its event is done

# Element ids set in app.py.
CHAT = "#cw-chat"
QUESTION = "#cw-question textarea"
SOURCES = "#cw-sources"
SEARCHED = "#cw-searched"
NEW_CHAT = "#cw-new-chat"
BOT_MESSAGES = f"{CHAT} [data-testid='bot']"
USER_MESSAGES = f"{CHAT} [data-testid='user']"
# The Documents tab.
UPLOAD = "#cw-upload"
UPLOAD_INPUT = f"{UPLOAD} input[type='file']"
REINDEX = "#cw-reindex"
DOC_CHOICE = "#cw-doc-choice"
DELETE = "#cw-delete"
SYNC_STATUS = "#cw-sync-status"
DOCUMENTS = "#cw-documents"


class AppStartError(RuntimeError):
    """The app did not serve HTTP in time (the message carries the end of its log)."""


class NoAnswerError(RuntimeError):
    """The chat showed no finished answer in time."""


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and Playwright are in place."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return (
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "(`make browser`, or `sudo apt-get install -y chromium`); never `playwright install`."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"the playwright package is missing ({error}): run `make setup`"
    return None


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_seeds(target: Path) -> Path:
    """A private copy of the seed documents at ``target``."""
    shutil.copytree(SEEDS, target)
    return target


@dataclass
class RunningApp:
    """A served Citewise: its address, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the app's stdout and stderr."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as error:
            return f"(no log: {error})"


def app_env(data_dir: Path, docs_dir: Path, port: int) -> dict[str, str]:
    """The app's environment: offline models, a pinned configuration, our index and port.

    Inherited ``CITEWISE_*`` variables are dropped, and the settings that would change what the
    tests see (answer generator, login, Chroma server) are pinned, since environment variables
    take precedence over a developer's ``.env``.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CITEWISE_", "GRADIO_"))}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_VERBOSITY": "error",
            "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
            "CITEWISE_HOST": "127.0.0.1",
            "CITEWISE_PORT": str(port),
            "CITEWISE_DATA_DIR": str(data_dir),
            "CITEWISE_DOCS_DIR": str(docs_dir),
            "CITEWISE_LLM": "extractive",
            "CITEWISE_AUTH": "",
            "CITEWISE_CHROMA_URL": "",
        }
    )
    return env


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def run_app(
    root: Path,
    docs_dir: Path,
    timeout: float = START_TIMEOUT_S,
    attempts: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RunningApp]:
    """Serve ``python app.py`` over a fresh index under ``root`` (it indexes ``docs_dir`` first); stop it on exit.

    ``extra_env`` is added to the app's environment last (say, ``GRADIO_TEMP_DIR`` for its uploads).

    Raises AppStartError, with the app's log, when it does not answer HTTP within ``timeout``
    seconds. An app that exits early (say, the free port was taken meanwhile) is retried on
    another port, ``attempts`` times in all.
    """
    errors: list[str] = []
    for attempt in range(1, attempts + 1):
        port = free_port()
        data_dir = root / f"data-{attempt}"
        log_path = root / f"app-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "app.py"],
                cwd=REPO,
                env={**app_env(data_dir, docs_dir, port), **(extra_env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        app = RunningApp(f"http://127.0.0.1:{port}/", process, log_path)
        try:
            deadline = time.monotonic() + timeout
            while process.poll() is None and time.monotonic() < deadline and not _answers_http(app.url):
                time.sleep(0.25)
            if process.poll() is None and _answers_http(app.url):
                yield app
                return
            why = f"exited with code {process.returncode}" if process.poll() is not None else f"not serving after {timeout:.0f} s"
            errors.append(f"attempt {attempt}: app.py on port {port} {why}; its log ends:\n{app.log_tail()}")
            if process.poll() is None:  # a slow start is not retried: it would be slow again
                break
        finally:
            _stop(process)
    raise AppStartError("\n\n".join(errors))


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright."""
    problem = chromium_problem()
    if problem:
        raise RuntimeError(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_chat(browser: Browser, url: str, timeout_ms: float = 30_000) -> Page:
    """A new page (own context, 1280x800) showing the chat, ready for a question.

    Requests that leave the app's origin are refused, so that the page never waits on the network.
    A Gradio page never reaches ``networkidle`` (it keeps a connection open), hence
    ``domcontentloaded`` and then waiting for the question box.
    """
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.route(lambda address: not address.startswith(url), lambda route: route.abort())
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.wait_for_selector(QUESTION, timeout=timeout_ms)
    return page


# Watches one question from the Enter key to the finished answer, timing it inside the page.
#
# * start: the Enter keydown in the question box (capture phase, before Gradio sees it).
# * first: the first DOM mutation after which a new bot message holds non-empty text.
# * done: the first moment a new bot message exists and the chat's Gradio status tracker is
#   hidden again. Gradio shows that tracker ("processing | 1.2s") from the submit until the
#   event has finished, streamed updates included, and hides it only when the last update has
#   arrived. It is a better signal than "the chat stopped changing", which needs a quiet period
#   (adding it to every measurement, and mistaking a pause in a stream for its end), and than
#   the question box, which this app never disables while it answers.
# A MutationObserver on the whole body runs the check after every change; performance.now()
# timestamps are taken in the page, so Playwright's round trips do not count.
_WATCH_JS = """
([botSelector, chatSelector, questionSelector]) => {
  const bots = () => document.querySelectorAll(botSelector);
  const before = bots().length;
  const state = {start: null, first: null, done: null, before};
  const tracker = () => document.querySelector(chatSelector + " [data-testid='status-tracker']");
  const check = () => {
    if (state.start === null || state.done !== null) return;
    const all = bots();
    if (all.length <= before) return;
    const now = performance.now();
    if (state.first === null && all[all.length - 1].innerText.trim() !== "") state.first = now;
    const t = tracker();
    if (state.first !== null && (t === null || t.classList.contains("hide"))) {
      state.done = now;
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  const box = document.querySelector(questionSelector);
  const onKey = (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target === box && state.start === null) {
      state.start = performance.now();
      document.removeEventListener("keydown", onKey, true);
    }
  };
  document.addEventListener("keydown", onKey, true);
  window.__cwWatch = state;
}
"""


@dataclass
class Asked:
    """A question asked in the page: the answer shown and how long it took, in milliseconds."""

    question: str
    answer: str
    first_ms: float
    done_ms: float


def ask(page: Page, question: str, timeout_ms: float = 60_000) -> Asked:
    """Type ``question``, press Enter and wait until the chat shows the finished answer."""
    page.evaluate(_WATCH_JS, [BOT_MESSAGES, CHAT, QUESTION])
    page.fill(QUESTION, question)
    page.press(QUESTION, "Enter")
    try:
        page.wait_for_function("() => window.__cwWatch && window.__cwWatch.done !== null", timeout=timeout_ms)
    except Exception as error:
        state: Any = page.evaluate("() => window.__cwWatch")
        chat = page.locator(CHAT).inner_text()
        raise AssertionError(
            f"no finished answer to {question!r} within {timeout_ms / 1000:.0f} s: {state}; chat: {chat!r}"
        ) from error
    state = page.evaluate("() => window.__cwWatch")
    answer = page.locator(BOT_MESSAGES).last.inner_text()
    return Asked(question, answer, state["first"] - state["start"], state["done"] - state["start"])


def open_tab(page: Page, name: str) -> None:
    """Show the app's tab called ``name`` ("Chat" or "Documents")."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


# The Dataframe draws its rows as role=row divs (virtualised: only the rows in view exist).
_ROWS_JS = """
(selector) => Array.from(document.querySelectorAll(selector + " [role='row']"))
  .map((row) => Array.from(row.querySelectorAll("[role='gridcell']")).map((cell) => cell.innerText.trim()))
  .filter((cells) => cells.length > 0)
"""


def document_rows(page: Page) -> dict[str, list[str]]:
    """The documents table as shown: source -> [source, title, chunks, pages, status]."""
    rows: list[list[str]] = page.evaluate(_ROWS_JS, DOCUMENTS)
    return {cells[0]: cells for cells in rows}


def document_row(page: Page, source: str) -> Locator:
    """The documents table's row (a Locator) whose first cell is exactly ``source``."""
    first_cell = page.locator("[role='gridcell'][data-col='0']", has_text=re.compile(rf"^\s*{re.escape(source)}\s*$"))
    return page.locator(f"{DOCUMENTS} [role='row']", has=first_cell)


def upload_files(page: Page, files: list[Path] | list[tuple[str, bytes]]) -> None:
    """Choose ``files`` in the Documents tab's upload box: paths on disk, or ``(name, content)`` pairs.

    A pair's name reaches the page exactly as given (path separators included), as a hostile
    client could send it; the upload and its re-index then start on their own.
    """
    payloads = [
        item if isinstance(item, Path) else {"name": item[0], "mimeType": "application/octet-stream", "buffer": item[1]}
        for item in files
    ]
    page.locator(UPLOAD_INPUT).set_input_files(payloads)  # type: ignore[arg-type]


def wait_for_status(page: Page, text: str, timeout_ms: float = 30_000) -> str:
    """Wait until the Documents tab's status shows ``text`` and its event has finished; returns the status text."""
    from playwright.sync_api import expect

    status = page.locator(SYNC_STATUS)
    expect(status).to_contain_text(text, timeout=timeout_ms)
    expect(status.locator("[data-testid='status-tracker']")).to_have_class(_HIDDEN, timeout=timeout_ms)
    return status.inner_text()


def choose_document(page: Page, source: str) -> None:
    """Pick ``source`` in the Documents tab's dropdown."""
    from playwright.sync_api import expect

    box = page.locator(f"{DOC_CHOICE} input")
    box.click()
    page.get_by_role("option", name=source, exact=True).click()
    expect(box).to_have_value(source)
