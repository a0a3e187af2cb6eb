"""End-to-end: saved chats in the real app, driven in headless Chromium.

The app is conftest.py's ``shared_app`` (the seeds plus, among others, a document the changed-citation
test edits and deletes, then puts back as it was; the chats file the corrupt-file test swaps for garbage
is put back too), so the browser and security tests see it unchanged. Every test opens its own page (a
new browser profile: nothing in its local storage), so a test tells its own chats from the others' by
their ids. Two signed-in users need a login with two accounts, which ``CITEWISE_AUTH`` does not offer:
that test serves the same interface from this process with two accounts.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
import uvicorn
from browser_support import (
    BOT_MESSAGES,
    LIGHTHOUSE,
    LIGHTHOUSE_NAME,
    NEW_CHAT,
    QUESTION,
    SOURCES,
    USER_MESSAGES,
    VIEWPORT,
    RunningApp,
    ask,
    free_port,
    open_chat,
    wait_for_chat,
)
from fastapi import FastAPI
from playwright.sync_api import Browser, Locator, Page, Route, expect
from polling import wait_until
from seed_facts import WHO_QUESTION, WHO_SOURCE

from assistant import Citewise
from ui import create_app
from ui.viewer import document_routes

pytestmark = pytest.mark.browser

CHATS = "#cw-chats"
CHAT_TITLE = "#cw-chat-title input"
RENAME = "#cw-rename"
DELETE_CHAT = "#cw-delete-chat"
CONFIRM_BOX = "#cw-delete-confirm-box"
CONFIRM = "#cw-delete-confirm"
CANCEL = "#cw-delete-cancel"
EXPORT = "#cw-export"
STATUS = "#cw-chats-status"

WHO_SOURCE_IN_MARKDOWN = WHO_SOURCE.replace("_", "\\_")  # escaped: a literal name, never emphasis
KYRGYZSTAN_QUESTION = "How many specialists were in the Chinese medical group sent to Kyrgyzstan?"
LIGHTHOUSE_QUESTION = "How many times did the Zephyrine lighthouse flash every night?"


@pytest.fixture(scope="module")
def served(shared_app: RunningApp) -> RunningApp:
    """`python app.py` over a copy of the seeds and the lighthouse document, its chats file in its data folder."""
    return shared_app


@pytest.fixture
def page(browser: Browser, served: RunningApp) -> Iterator[Page]:
    """A fresh page (a new browser profile) showing the chat."""
    opened = open_chat(browser, served.url)
    yield opened
    opened.context.close()


def current_chat(page: Page) -> str:
    """The id of the chat the list shows as open, once there is one."""
    checked = page.locator(f"{CHATS} input:checked")
    expect(checked).to_have_count(1)
    return checked.get_attribute("value") or ""


def listed(page: Page) -> list[str]:
    """The ids in the Chats list, top to bottom."""
    return [
        value or "" for value in page.locator(f"{CHATS} input[type='radio']").evaluate_all("(all) => all.map((e) => e.value)")
    ]


def chat_entry(page: Page, chat_id: str) -> Locator:
    """The list's entry (its label) for ``chat_id``."""
    return page.locator(f"{CHATS} label", has=page.locator(f"input[value='{chat_id}']"))


def ask_and_save(page: Page, question: str) -> str:
    """Ask ``question`` and wait until its chat is saved and shown as open in the list; returns the chat's id."""
    ask(page, question)
    return current_chat(page)


def reload(page: Page) -> None:
    page.reload(wait_until="domcontentloaded")
    wait_for_chat(page)


def test_a_reload_keeps_the_chat_and_its_sources(page: Page) -> None:
    asked = ask(page, WHO_QUESTION)
    chat_id = current_chat(page)
    assert listed(page)[0] == chat_id  # newest first
    expect(chat_entry(page, chat_id)).to_have_text(WHO_QUESTION)
    expect(page.locator(CHAT_TITLE)).to_have_value(WHO_QUESTION)

    reload(page)

    expect(page.locator(BOT_MESSAGES)).to_have_count(1)
    expect(page.locator(USER_MESSAGES)).to_have_text([WHO_QUESTION])
    assert page.locator(BOT_MESSAGES).inner_text() == asked.answer
    expect(page.locator(f"{SOURCES} .cw-source").first).to_contain_text(WHO_SOURCE)
    expect(page.locator(f"{SOURCES} .cw-quote").first).to_contain_text("20 million dollars")
    expect(page.locator(f"{SOURCES} .cw-state")).to_have_count(0)  # nothing changed since
    assert current_chat(page) == chat_id
    # The reopened answer's marker still opens its source card, as a live one does.
    expect(page.locator(f"{BOT_MESSAGES} a[href='#cw-source-1']")).to_have_count(1)


def test_the_question_box_opens_only_once_the_kept_chat_is_shown(browser: Browser, served: RunningApp) -> None:
    # A question answered before the page's load event replied had its answer wiped by the restored (empty) chat.
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    held: list[Route] = []
    released: list[bool] = []

    def hold(route: Route) -> None:
        # Every event until the check is held. The page's first request is the documents list's load event, not the
        # kept chat's: holding only the first let the chat's through, and the check passed only while it was slow.
        if released:
            route.continue_()
        else:
            held.append(route)

    context.route("**/gradio_api/queue/join*", hold)
    page = context.new_page()
    try:
        page.goto(served.url, wait_until="domcontentloaded")
        while not held:
            page.wait_for_timeout(50)  # Playwright runs the route handler while the page is waited on
        expect(page.locator(QUESTION)).to_be_visible()
        expect(page.locator(QUESTION)).to_be_disabled()
        released.append(True)
        for route in held:
            route.continue_()
        wait_for_chat(page)
        hello = ask(page, "Hi!")  # answered at once, with no search: the quickest reply there is
        page.wait_for_timeout(500)
        expect(page.locator(BOT_MESSAGES)).to_have_text([hello.answer])
    finally:
        context.close()


def test_a_new_chat_then_the_older_one_reopened_from_the_list(page: Page) -> None:
    older = ask_and_save(page, WHO_QUESTION)
    page.locator(NEW_CHAT).click()
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(page.locator(f"{CHATS} input:checked")).to_have_count(0)
    expect(page.locator(DELETE_CHAT)).to_be_disabled()  # nothing saved in the new chat yet

    newer = ask_and_save(page, KYRGYZSTAN_QUESTION)
    assert newer != older and listed(page)[:2] == [newer, older]
    expect(page.locator(BOT_MESSAGES)).to_have_count(1)  # a new chat: the older question is not in it

    chat_entry(page, older).click()

    expect(page.locator(USER_MESSAGES)).to_have_text([WHO_QUESTION])
    expect(page.locator(BOT_MESSAGES)).to_contain_text(["20 million dollars"])
    expect(page.locator(f"{SOURCES} .cw-source").first).to_contain_text(WHO_SOURCE)
    expect(page.locator(CHAT_TITLE)).to_have_value(WHO_QUESTION)
    # Asking on goes into the reopened chat, and a reload comes back to it.
    ask(page, KYRGYZSTAN_QUESTION)
    expect(page.locator(f"{CHATS} input[type='radio']").first).to_have_value(older)  # used last: listed first
    assert current_chat(page) == older
    quotes = page.locator(f"{SOURCES} .cw-quote")
    expect(quotes.first).to_contain_text("10 specialists")
    page.locator(BOT_MESSAGES).first.click(position={"x": 12, "y": 12})  # the earlier answer shows its own sources
    expect(quotes.first).to_contain_text("20 million dollars")
    reload(page)
    expect(page.locator(BOT_MESSAGES)).to_have_count(2)
    assert current_chat(page) == older
    expect(quotes.first).to_contain_text("10 specialists")
    page.locator(USER_MESSAGES).first.click(position={"x": 12, "y": 12})  # so does a question, reopened too
    expect(quotes.first).to_contain_text("20 million dollars")
    expect(page.locator(f"{SOURCES} .cw-source").first).to_contain_text(WHO_SOURCE)


def test_rename_then_delete_after_confirming(page: Page) -> None:
    chat_id = ask_and_save(page, WHO_QUESTION)
    title = page.locator(CHAT_TITLE)
    title.fill("WHO money, renamed")
    page.locator(RENAME).click()
    expect(chat_entry(page, chat_id)).to_have_text("WHO money, renamed")
    reload(page)
    expect(chat_entry(page, chat_id)).to_have_text("WHO money, renamed")
    expect(title).to_have_value("WHO money, renamed")

    page.locator(DELETE_CHAT).click()
    expect(page.locator(CONFIRM_BOX)).to_be_visible()
    expect(page.locator(CONFIRM_BOX)).to_contain_text("Delete WHO money, renamed and all its answers? This cannot be undone.")
    page.locator(CANCEL).click()
    expect(page.locator(CONFIRM_BOX)).to_be_hidden()
    assert chat_id in listed(page)
    expect(page.locator(BOT_MESSAGES)).to_have_count(1)

    page.locator(DELETE_CHAT).click()
    page.locator(CONFIRM).click()

    expect(chat_entry(page, chat_id)).to_have_count(0)
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(page.locator(SOURCES)).to_contain_text("Sources of the answer appear here.")
    expect(page.locator(CONFIRM_BOX)).to_be_hidden()
    reload(page)
    expect(page.locator(f"{CHATS} label").first).to_be_visible()  # the list came back (other tests' chats) ...
    assert chat_id not in listed(page)  # ... without the deleted one
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)


def test_a_chat_exports_as_markdown_with_numbered_sources(page: Page, tmp_path: Path) -> None:
    expect(page.locator(EXPORT)).to_be_disabled()  # nothing to export before the first answer
    ask_and_save(page, WHO_QUESTION)
    expect(page.locator(EXPORT)).to_be_enabled()

    with page.expect_download() as download:
        page.locator(EXPORT).click()

    assert download.value.suggested_filename == "How-much-has-China-donated-to-the-WHO.md"
    saved = tmp_path / "chat.md"
    download.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {WHO_QUESTION}\n\n## Question 1\n\n{WHO_QUESTION}\n\n### Answer\n")
    assert "20 million dollars to the WHO" in markdown and "[1]" in markdown
    assert f"**[1]** China shares experience, resources in global novel coronavirus battle · {WHO_SOURCE_IN_MARKDOWN}" in markdown
    assert "\n> In addition, the country has donated 20 million dollars" in markdown


@pytest.fixture
def lighthouse(served: RunningApp) -> Iterator[Path]:
    """The shared app's lighthouse document, free to edit or delete: put back as it was afterwards (as indexed)."""
    path = served.docs_dir / LIGHTHOUSE_NAME
    assert path.read_text(encoding="utf-8") == LIGHTHOUSE
    try:
        yield path
    finally:
        path.write_text(LIGHTHOUSE, encoding="utf-8")


def test_a_source_edited_or_deleted_since_still_shows_its_quote_marked(page: Page, lighthouse: Path, tmp_path: Path) -> None:
    document = lighthouse
    asked = ask(page, LIGHTHOUSE_QUESTION)
    assert "42 times" in asked.answer, asked.answer
    current_chat(page)
    card = page.locator(f"{SOURCES} .cw-source", has_text=LIGHTHOUSE_NAME).first
    expect(card.locator(".cw-state")).to_have_count(0)

    document.write_text(LIGHTHOUSE.replace("42 times", "44 times"), encoding="utf-8")
    reload(page)

    expect(card.locator(".cw-state")).to_have_text("⚠ changed since")
    expect(card.locator(".cw-quote")).to_contain_text("42 times")  # what was quoted, as it was
    expect(card.locator("a.cw-open")).to_have_text("open the document as it is now")
    expect(page.locator(BOT_MESSAGES)).to_contain_text(["42 times"])
    page.screenshot(path=str(tmp_path / "changed.png"), full_page=True)

    document.unlink()
    reload(page)

    expect(card.locator(".cw-state")).to_have_text("⚠ document deleted since")
    expect(card.locator(".cw-quote")).to_contain_text("42 times")
    expect(card.locator("a.cw-open")).to_have_count(0)


@pytest.fixture
def corrupt_chats(served: RunningApp, tmp_path: Path) -> Iterator[Path]:
    """The app's chats file replaced by garbage while the app runs; the real one is put back afterwards."""
    path = served.data_dir / "chats.sqlite"
    aside = tmp_path / "aside"
    aside.mkdir()
    kept = [shutil.move(str(file), aside / file.name) for file in served.data_dir.glob("chats.sqlite*")]
    path.write_bytes(bytes(range(256)) * 32)
    try:
        yield path
    finally:
        for file in served.data_dir.glob("chats.sqlite*"):  # the new file and the damaged one set aside
            file.unlink()
        for file in kept:
            shutil.move(file, served.data_dir / Path(file).name)


def test_a_corrupt_chats_file_is_set_aside_said_once_and_the_chat_goes_on_saved(
    browser: Browser, served: RunningApp, corrupt_chats: Path
) -> None:
    garbage = corrupt_chats.read_bytes()
    page = open_chat(browser, served.url)
    try:
        status = page.locator(STATUS)
        expect(status).to_contain_text("The chats file was found damaged")
        expect(status).to_contain_text("set aside")
        expect(page.get_by_text("The chats file was found damaged").first).to_be_visible()  # the warning

        first = ask(page, WHO_QUESTION)
        second = ask(page, KYRGYZSTAN_QUESTION)

        assert "20 million dollars" in first.answer and "10 specialists" in second.answer
        expect(page.locator(BOT_MESSAGES)).to_have_count(2)
        expect(page.locator(f"{SOURCES} .cw-source").first).to_be_visible()
        expect(page.locator(f"{CHATS} input:checked")).to_have_count(1)  # saved, in the new file
        expect(status).to_have_text("")
    finally:
        page.context.close()
    (aside,) = [p for p in corrupt_chats.parent.glob("chats.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == garbage  # kept as found


# --------------------------------------------------------------------------- two users

USERS = {"alice": "alice-pass-1", "bob": "bob-pass-2"}


@pytest.fixture
def two_logins(citewise: Citewise) -> Iterator[str]:
    """The chat served from this process with a login for each of USERS; yields its URL."""
    server = FastAPI()
    demo = create_app(citewise).queue()
    gr.mount_gradio_app(server, demo, path="/", auth=list(USERS.items()), app_kwargs={"routes": document_routes(citewise)})
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(server, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert wait_until(lambda: running.started, timeout=60), "the two-user app did not start"
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        running.should_exit = True
        thread.join(timeout=30)


def signed_in(browser: Browser, url: str, user: str) -> Page:
    """A new browser profile signed in as ``user``, showing the chat."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    response = context.request.post(f"{url}login", form={"username": user, "password": USERS[user]})
    assert response.ok, response.text()
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    wait_for_chat(page)
    return page


def test_two_users_see_only_their_own_chats(browser: Browser, two_logins: str) -> None:
    alice = signed_in(browser, two_logins, "alice")
    bob = signed_in(browser, two_logins, "bob")
    try:
        alices = ask_and_save(alice, WHO_QUESTION)
        bobs = ask_and_save(bob, KYRGYZSTAN_QUESTION)

        reload(alice)
        reload(bob)

        expect(alice.locator(BOT_MESSAGES)).to_contain_text(["20 million dollars"])
        expect(bob.locator(BOT_MESSAGES)).to_contain_text(["10 specialists"])
        assert listed(alice) == [alices] and listed(bob) == [bobs]
        expect(bob.locator(CHATS)).not_to_contain_text(WHO_QUESTION)
    finally:
        alice.context.close()
        bob.context.close()
