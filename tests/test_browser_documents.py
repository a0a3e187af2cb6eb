"""End-to-end: the Documents tab of the real app (upload, re-index, delete), driven in headless Chromium.

One app serves the whole module over a private copy of the seeds; every test opens its own page
and leaves behind only documents that the other tests do not look for.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_support import (
    DELETE,
    DOC_CHOICE,
    DOCUMENTS,
    REINDEX,
    SEEDS,
    SOURCES,
    SYNC_STATUS,
    AppSpec,
    RunningApp,
    ask,
    choose_document,
    document_row,
    document_rows,
    open_chat,
    open_tab,
    upload_files,
    wait_for_status,
)
from playwright.sync_api import Browser, Page, expect
from polling import wait_until

pytestmark = pytest.mark.browser

SEED_NAMES = sorted(path.name for path in SEEDS.iterdir())

QUILLMARK_NAME = "quillmark_observatory.md"
QUILLMARK_DOCUMENT = """# Quillmark observatory log

The Quillmark observatory recorded 318 meteors in August 2023.

Its volunteers counted them from the north ridge on clear nights.
"""
QUILLMARK_QUESTION = "How many meteors did the Quillmark observatory record?"
REFUSAL = "Not found in your documents"


# This module's own app over the seeds (conftest.py's module_app): its tests change the documents. A sync writes each
# file as soon as it is read, a chunk at a time, so that a sync of a few small notes lasts long enough to be stopped.
APP = AppSpec(env={"CITEWISE_WRITE_BATCH": "1"})
STOP_SYNC = "#cw-stop-sync"


@pytest.fixture(scope="module")
def served(module_app: RunningApp) -> RunningApp:
    """`python app.py` on a free port over an index of a copy of the seeds."""
    return module_app


@pytest.fixture
def page(browser: Browser, served: RunningApp) -> Iterator[Page]:
    """A fresh page showing the Documents tab."""
    opened = open_chat(browser, served.url)
    open_tab(opened, "Documents")
    expect(opened.locator(f"{DOCUMENTS} [role='row']").first).to_be_visible()
    yield opened
    opened.context.close()


def indexed(served: RunningApp, prefix: str) -> set[str]:
    """The indexed documents whose names start with ``prefix``, as the API lists them (the tab's table shows only the
    rows in view)."""
    listed = httpx.get(f"{served.url}v1/documents", timeout=30).json()["data"]
    return {d["source"] for d in listed if d["source"].startswith(prefix) and d["status"] == "indexed"}


def on_disk(docs: Path) -> list[str]:
    """The names in the documents folder, hidden ones included (a leftover upload would be one)."""
    return sorted(path.name for path in docs.iterdir())


def chunks(page: Page, source: str) -> int:
    """The Chunks column of ``source``'s row."""
    return int(document_row(page, source).locator("[role='gridcell'][data-col='2']").inner_text())


def expect_seeds_listed(page: Page) -> None:
    for name in SEED_NAMES:
        expect(document_row(page, name)).to_have_count(1)
        assert chunks(page, name) > 0, document_rows(page)[name]


def test_documents_tab_lists_the_seeds_with_chunks(page: Page) -> None:
    assert len(SEED_NAMES) == 5
    expect_seeds_listed(page)
    rows = document_rows(page)
    for name in SEED_NAMES:
        assert rows[name][4] == "indexed", rows[name]
    headers = page.locator(f"{DOCUMENTS} [role='columnheader'] .header-content")
    expect(headers).to_have_text(["Document", "Title", "Chunks", "Pages", "Status"])


def test_uploaded_document_is_answered_then_deleted(page: Page, served: RunningApp, tmp_path: Path) -> None:
    document = tmp_path / QUILLMARK_NAME
    document.write_text(QUILLMARK_DOCUMENT, encoding="utf-8")

    upload_files(page, [document])

    status = wait_for_status(page, f"Saved {QUILLMARK_NAME}.")
    assert "1 added, 0 updated, 5 unchanged" in status, status
    expect(document_row(page, QUILLMARK_NAME)).to_have_count(1)
    assert chunks(page, QUILLMARK_NAME) > 0
    assert document_rows(page)[QUILLMARK_NAME][1] == "Quillmark observatory log"
    assert (served.docs_dir / QUILLMARK_NAME).read_text(encoding="utf-8") == QUILLMARK_DOCUMENT
    assert not [name for name in on_disk(served.docs_dir) if name.startswith(".")], on_disk(served.docs_dir)

    open_tab(page, "Chat")
    asked = ask(page, QUILLMARK_QUESTION)
    assert "318" in asked.answer, asked.answer
    expect(page.locator(SOURCES)).to_contain_text(QUILLMARK_NAME)

    open_tab(page, "Documents")
    choose_document(page, QUILLMARK_NAME)
    page.locator(DELETE).click()

    wait_for_status(page, f"Deleted {QUILLMARK_NAME}.")
    expect(document_row(page, QUILLMARK_NAME)).to_have_count(0)
    expect_seeds_listed(page)
    assert QUILLMARK_NAME not in on_disk(served.docs_dir)
    expect(page.locator(f"{DOC_CHOICE} input")).to_have_value("")
    page.locator(f"{DOC_CHOICE} input").click()
    expect(page.get_by_role("option", name=SEED_NAMES[0], exact=True)).to_be_visible()
    expect(page.get_by_role("option", name=QUILLMARK_NAME, exact=True)).to_have_count(0)
    page.keyboard.press("Escape")

    open_tab(page, "Chat")
    asked = ask(page, QUILLMARK_QUESTION)
    assert asked.answer.startswith(REFUSAL), asked.answer
    assert "318" not in asked.answer, asked.answer
    expect(page.locator(SOURCES)).not_to_contain_text(QUILLMARK_NAME)


def test_unsafe_upload_names_stay_inside_the_documents_folder(page: Page, served: RunningApp) -> None:
    outside = {
        (base / "../../evil.txt").resolve()
        for base in (served.docs_dir, served.root, served.uploads, Path.cwd(), Path(__file__).parent)
    }

    # Playwright hands the name to the page as it is, separators and all.
    upload_files(page, [("../../evil.txt", b"The Brackwater ferry carries 42 bicycles on each crossing.\n")])
    wait_for_status(page, "Saved evil.txt.")
    upload_files(page, [("we ird;name$.txt", b"The Ostrel bakery sells 57 rye loaves every morning.\n")])
    expect(page.locator(SYNC_STATUS)).not_to_contain_text("Saved evil.txt.")
    status = wait_for_status(page, "1 added")

    # Gradio drops "$" from the name; the app turns ";" into "_".
    assert "Saved we ird_name.txt." in status, status
    names = on_disk(served.docs_dir)
    assert "evil.txt" in names and "we ird_name.txt" in names, names
    assert (served.docs_dir / "evil.txt").read_bytes().startswith(b"The Brackwater ferry")
    assert not [name for name in names if name.startswith(".")], names
    for path in outside:
        assert not path.exists(), f"an upload escaped the documents folder: {path}"
    strays = [
        path
        for path in served.root.parent.rglob("*")
        if path.is_file()
        and path.name in ("evil.txt", "we ird_name.txt", "we ird;name.txt")
        and not path.is_relative_to(served.docs_dir)
        and not path.is_relative_to(served.uploads)  # Gradio's own copy of the upload
    ]
    assert strays == [], strays
    expect(document_row(page, "evil.txt")).to_have_count(1)
    expect(document_row(page, "we ird_name.txt")).to_have_count(1)


def test_unsupported_and_empty_uploads_are_refused(page: Page, served: RunningApp) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)

    upload_files(page, [("photo.png", png)])

    # The page itself refuses a file type that the upload box does not accept.
    expect(page.get_by_text(re.compile(r"Invalid file type: photo\.png"))).to_be_visible(timeout=10_000)
    assert "photo.png" not in on_disk(served.docs_dir)

    upload_files(page, [("empty.txt", b"")])

    status = wait_for_status(page, "Saved empty.txt.")
    assert re.search(r"\b1 failed\b", status), status
    assert "empty.txt: file is empty" in status, status
    expect(page.locator(f"{SYNC_STATUS} li", has_text="empty.txt")).to_have_count(1)
    expect(document_row(page, "empty.txt")).to_have_count(1)
    assert document_rows(page)["empty.txt"][2:] == ["0", "0", "failed: file is empty"]
    expect_seeds_listed(page)
    assert "photo.png" not in document_rows(page)


def test_reindex_picks_up_a_file_added_on_disk(page: Page, served: RunningApp) -> None:
    name = "harbour_notes.md"
    (served.docs_dir / name).write_text(
        "# Harbour notes\n\nThe Velmont harbour crane lifts 64 containers an hour.\n", encoding="utf-8"
    )

    page.locator(REINDEX).click()

    status = wait_for_status(page, "chunks in the index")
    assert re.search(r"^1 added, 0 updated, \d+ unchanged, 0 deleted", status, re.MULTILINE), status
    expect(document_row(page, name)).to_have_count(1)
    assert chunks(page, name) > 0
    expect_seeds_listed(page)


def test_stop_ends_a_sync_midway_and_re_index_completes_it(page: Page, served: RunningApp) -> None:
    rng = random.Random(11)
    words = ["otter", "kelp", "harbour", "tide", "urchin", "current", "reef", "shell", "coast", "swim", "dive", "rock"]
    names = [f"shore_{n:02}.txt" for n in range(20)]
    for name in names:  # 20 notes of about three chunks each: a sync of a few seconds
        text = ". ".join(" ".join(rng.choices(words, k=12)).capitalize() for _ in range(40)) + "."
        (served.docs_dir / name).write_text(f"Shore note {name}.\n\n{text}\n", encoding="utf-8")
    expect(page.locator(STOP_SYNC)).to_be_hidden()

    page.locator(REINDEX).click()
    expect(page.locator(STOP_SYNC)).to_be_visible()  # shown while the sync runs
    assert wait_until(lambda: indexed(served, "shore_"), 60), "no note was written"  # a few seconds' sync under way
    page.locator(STOP_SYNC).click()

    status = wait_for_status(page, "Indexing stopped after")
    done, total = map(int, re.search(r"after (\d+) of (\d+) files", status).groups())  # type: ignore[union-attr]
    assert 0 < done < total and total >= 20, status  # (and what earlier tests of the module left to index)
    assert "Re-index the documents folder** completes the work" in page.locator(SYNC_STATUS).inner_html() or (
        "completes the work" in status
    )
    expect(page.locator(STOP_SYNC)).to_be_hidden()
    listed = indexed(served, "shore_")
    assert 0 < len(listed) < 20, "the stop came before any write, or after the last"
    assert indexed(served, "") >= set(SEED_NAMES)  # nothing indexed before was lost

    page.locator(REINDEX).click()
    status = wait_for_status(page, "chunks in the index", timeout_ms=120_000)
    assert re.search(rf"^{20 - len(listed)} added, 0 updated", status, re.MULTILINE), status
    assert indexed(served, "shore_") == set(names)
    for name in names:  # leave the folder as the module's other tests expect it (20 of 25 gone: a confirmed delete)
        (served.docs_dir / name).unlink()
    cleaned = httpx.post(f"{served.url}v1/sync", params={"allow_delete": "true"}, timeout=120).json()
    assert cleaned["deleted"] == 20, cleaned


def test_a_new_page_lists_the_documents_as_they_are_now(page: Page, browser: Browser, served: RunningApp) -> None:
    name = "lantern_fair.md"
    upload_files(page, [(name, b"# Lantern fair\n\nThe Dunmere lantern fair hung 905 lanterns.\n")])
    wait_for_status(page, f"Saved {name}.")
    expect(document_row(page, name)).to_have_count(1)

    later = open_chat(browser, served.url)
    try:
        open_tab(later, "Documents")
        expect(document_row(later, name)).to_have_count(1, timeout=5_000)
        later.locator(f"{DOC_CHOICE} input").click()
        expect(later.get_by_role("option", name=name, exact=True)).to_be_visible(timeout=5_000)
    finally:
        later.context.close()


def test_an_open_tab_follows_the_index_written_elsewhere(page: Page, served: RunningApp) -> None:
    # A watched folder's sync, the command line or another client writes the index while the tab is open: the list
    # follows without a reload or a click (until 2026-12-08 it showed what it did when the tab was opened), and the
    # document chosen for deletion stays chosen.
    choose_document(page, SEED_NAMES[0])
    name = "ferry_timetable.md"
    (served.docs_dir / name).write_text("# Ferry\n\nThe Orrin ferry sails at 07:40 daily.\n", encoding="utf-8")
    synced = httpx.post(f"{served.url}v1/sync", timeout=120).json()
    assert synced["added"] == 1, synced
    expect(document_row(page, name)).to_have_count(1, timeout=20_000)
    assert chunks(page, name) > 0
    expect(page.locator(f"{DOC_CHOICE} input")).to_have_value(SEED_NAMES[0])
    assert httpx.delete(f"{served.url}v1/documents/{name}", timeout=60).status_code == 200
    expect(document_row(page, name)).to_have_count(0, timeout=20_000)
    expect_seeds_listed(page)
    page.locator(f"{DOC_CHOICE} input").click()
    expect(page.get_by_role("option", name=name, exact=True)).to_have_count(0)


def test_status_shows_file_names_literally(page: Page) -> None:
    name = "_draft_.md"
    upload_files(page, [(name, b"# Draft\n\nThe Pellow draft counted 12 herons.\n")])

    wait_for_status(page, "1 added")
    expect(page.locator(SYNC_STATUS)).to_contain_text(f"Saved {name}.", timeout=2_000)


def test_tables_notebooks_mail_and_json_are_accepted_by_the_upload_box(page: Page, served: RunningApp) -> None:
    # The upload box's accepted types come from the loader's: every new format is taken and indexed.
    files = [
        ("fleet.csv", b"ship,port\nBrackwater,Ostrel\n"),
        ("log.jsonl", b'{"ship": "Brackwater", "note": "Docked at noon."}\n'),
        ("crew.mbox", b"From a@b Mon Jan  1 00:00:00 2024\nSubject: Crew\n\nThe crew counts nine sailors.\n"),
    ]
    upload_files(page, files)
    wait_for_status(page, "3 added")
    rows = document_rows(page)
    for name, _ in files:  # each read into one chunk (a row, a record, a message) and indexed
        assert rows[name][2:] == ["1", "0", "indexed"], rows.get(name)
