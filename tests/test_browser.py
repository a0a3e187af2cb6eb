"""End-to-end: the real app (`python app.py`) over an index of the seeds, driven in headless Chromium.

The app is conftest.py's ``shared_app`` (the seeds plus a document written in markup, among others);
``browser`` is the session's Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import (
    BOT_MESSAGES,
    MARKUP_NAME,
    NEW_CHAT,
    QUESTION,
    SEARCHED,
    SOURCES,
    USER_MESSAGES,
    RunningApp,
    ask,
    chromium_problem,
    open_chat,
    open_tab,
    wait_for_chat,
)
from playwright.sync_api import Browser, Page, Route, expect
from seed_facts import KYRGYZSTAN_SOURCE, TRAINED_QUESTION, WHO_QUESTION, WHO_SOURCE

pytestmark = pytest.mark.browser

WORLD_CUP_QUESTION = "Who won the 2018 World Cup?"
RAILWAY_QUESTION = "Which railway does Kyrgyzstan want to build faster?"  # refused, though its passage is found
MARKUP_QUESTION = "What did the Zorbulon lighthouse keeper write in the logbook?"
SPECIALISTS_QUESTION = "How many specialists were in the Chinese medical expert group that went to Kyrgyzstan?"
TENTATIVE_QUESTION = "Who is the minister of the National Health Commission?"  # its best sentence scores between the two bars
TENTATIVE_WARNING = "match the question only loosely"
CHATS_PANEL = "#cw-chats-panel"


@pytest.fixture(scope="module")
def app(shared_app: RunningApp) -> RunningApp:
    """`python app.py` on a free port, over an index of the seeds plus the markup document."""
    return shared_app


@pytest.fixture
def page(browser: Browser, app: RunningApp) -> Iterator[Page]:
    """A fresh page showing the chat."""
    opened = open_chat(browser, app.url)
    yield opened
    opened.context.close()


def test_chromium_is_installed() -> None:
    assert chromium_problem() is None, chromium_problem()


def test_cited_answer_with_highlighted_source(page: Page, tmp_path: Path) -> None:
    asked = ask(page, WHO_QUESTION)

    assert "20 million" in asked.answer
    assert "[1]" in asked.answer
    sources = page.locator(SOURCES)
    expect(sources).to_contain_text(WHO_SOURCE)
    card = sources.locator(".cw-source", has=page.locator(".cw-text mark", has_text="20 million dollars")).first
    mark = card.locator(".cw-text mark", has_text="20 million dollars").first
    expect(card.locator(".cw-n")).to_have_text("[1]")
    expect(card.locator(".cw-quote")).to_contain_text("20 million dollars")
    expect(mark).to_be_hidden()  # the whole passage starts folded

    card.locator("details.cw-chunk > summary", has_text="Show the whole passage").click()

    expect(card.locator("details.cw-chunk")).to_have_attribute("open", "")
    mark.scroll_into_view_if_needed()
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "who_answer.png"), full_page=True)


def test_refusal_has_no_sources(page: Page) -> None:
    asked = ask(page, WORLD_CUP_QUESTION)

    assert asked.answer.startswith("Not found in your documents"), asked.answer
    assert "[1]" not in asked.answer
    expect(page.locator(f"{SOURCES} .cw-source")).to_have_count(0)
    expect(page.locator(SOURCES)).to_contain_text("No source")
    expect(page.locator(f"{SOURCES} .cw-near")).to_have_count(0)  # nothing on the subject either


def test_a_refusal_shows_the_closest_passages_and_opens_them(page: Page) -> None:
    asked = ask(page, RAILWAY_QUESTION)

    assert asked.answer.startswith("Not found in your documents"), asked.answer
    sources = page.locator(SOURCES)
    expect(sources.locator(".cw-source")).to_have_count(0)  # no citation: nothing was quoted as an answer
    expect(sources).to_contain_text("The closest passages, none of which says what was asked")
    near = sources.locator(".cw-near", has_text="railroad between China, Kyrgyzstan and Uzbekistan").first
    expect(near.locator(".cw-text")).to_be_hidden()  # folded until asked for
    near.locator("summary").click()
    expect(near.locator(".cw-text")).to_be_visible()

    with page.context.expect_page() as opened:
        near.locator("a.cw-open").click()
    document = opened.value
    document.wait_for_load_state("domcontentloaded")
    assert "/documents/001_8ca9ff445ec2607f.txt" in document.url
    chunk = document.locator("span.chunk#cited")  # the passage shaded, nothing marked as quoted
    expect(chunk).to_contain_text("railroad between China, Kyrgyzstan and Uzbekistan")
    expect(chunk).to_be_in_viewport()
    expect(document.locator("mark")).to_have_count(0)


def test_two_questions_in_one_message_are_answered_each_under_its_own_heading(page: Page) -> None:
    trained = TRAINED_QUESTION
    asked = ask(page, f"{WHO_QUESTION} {trained}")

    answer = page.locator(BOT_MESSAGES).last
    expect(answer.locator("strong")).to_have_text([WHO_QUESTION, trained])
    assert "20 million" in asked.answer and "15,000" in asked.answer and "[2]" in asked.answer, asked.answer
    cards = page.locator(f"{SOURCES} .cw-source")
    expect(cards).to_have_count(2)
    expect(cards.locator(".cw-n")).to_have_text(["[1]", "[2]"])
    expect(cards.first).to_contain_text(WHO_SOURCE)

    # The chat goes on from the last question: "Tell me more" reads on from its answer's passage.
    more = ask(page, "Tell me more")
    assert not more.answer.startswith(("Not found", "Nothing more")), more.answer
    expect(page.locator(SOURCES)).to_contain_text(KYRGYZSTAN_SOURCE)


def test_tell_me_more_in_the_chat_reads_on_from_the_last_answer(page: Page) -> None:
    hello = ask(page, "Hi!")
    assert hello.answer.startswith("Hello. Ask me a question about your documents"), hello.answer
    expect(page.locator(SEARCHED)).to_have_text("")  # nothing was searched
    expect(page.locator(SOURCES)).to_contain_text("No source: nothing was searched for this message.")
    first = ask(page, WHO_QUESTION)
    thanks = ask(page, "Thanks!")  # a reply; the conversation goes on from the question before it
    assert thanks.answer.startswith("Glad to help"), thanks.answer
    more = ask(page, "Tell me more")

    # The chat's turns come back from the page as shown; what the answer quoted is read from them as it was said.
    assert "20 million" in first.answer and not more.answer.startswith(("Not found", "Nothing more")), more.answer
    assert "20 million" not in more.answer
    expect(page.locator(f"{SOURCES} .cw-source").first).to_contain_text(WHO_SOURCE)


def test_search_terms_under_the_cut_off_offer_the_passages_that_hold_them(page: Page) -> None:
    asked = ask(page, "Serbia")

    assert asked.answer.startswith("Not found in your documents: no passage answers this as asked"), asked.answer
    sources = page.locator(SOURCES)
    expect(sources.locator(".cw-source")).to_have_count(0)
    near = sources.locator(".cw-near")
    expect(near.first).to_be_attached()
    for passage in near.all():
        passage.locator("summary").click()
        expect(passage.locator(".cw-text")).to_contain_text("Serbia")


def test_markup_in_documents_is_shown_not_run(page: Page) -> None:
    asked = ask(page, MARKUP_QUESTION)

    sources = page.locator(SOURCES)
    expect(sources).to_contain_text(MARKUP_NAME)
    for chunk in sources.locator("details.cw-chunk > summary").all():
        chunk.click()  # unfold every passage, so an injected <img> would load and fire its onerror
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    expect(sources.locator("script")).to_have_count(0)
    expect(sources.locator("img")).to_have_count(0)
    expect(page.locator(f"{BOT_MESSAGES} img")).to_have_count(0)
    expect(sources).to_contain_text("<script>window.__pwned = 1</script>")
    expect(sources).to_contain_text('<img src=x onerror="window.__pwned=2">')
    if "logbook" in asked.answer:  # the cited sentence, quoted in the chat, shows its markup too
        assert "<script>window.__pwned = 1</script>" in asked.answer, asked.answer


def test_new_chat_clears_the_conversation(page: Page) -> None:
    ask(page, WHO_QUESTION)
    expect(page.locator(f"{SOURCES} .cw-source")).not_to_have_count(0)

    page.locator(NEW_CHAT).click()

    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(page.locator(USER_MESSAGES)).to_have_count(0)
    expect(page.locator(f"{SOURCES} .cw-source")).to_have_count(0)
    expect(page.locator(SOURCES)).to_contain_text("Sources of the answer appear here.")
    expect(page.locator(SEARCHED)).to_have_text("")
    expect(page.locator(QUESTION)).to_have_value("")


def test_on_a_phone_the_chat_comes_first_then_its_sources_then_the_chats_list(
    page: Page, browser: Browser, app: RunningApp
) -> None:
    # A phone stacks the three columns; the chats list came first, and the question box a screen or more below it.
    def boxes(shown: Page) -> dict[str, Any]:
        return {
            name: shown.locator(selector).bounding_box()
            for name, selector in (("question", QUESTION), ("sources", SOURCES), ("chats", CHATS_PANEL))
        }

    wide = boxes(page)  # 1280 wide: side by side, the chats list on the left
    assert wide["chats"]["x"] < wide["question"]["x"] < wide["sources"]["x"]
    phone = open_chat(browser, app.url, viewport={"width": 390, "height": 844})
    try:
        narrow = boxes(phone)
        assert narrow["question"]["y"] < narrow["sources"]["y"] < narrow["chats"]["y"]
        assert narrow["question"]["y"] + narrow["question"]["height"] <= 844, "the question box is below the first screen"
        ask(phone, WHO_QUESTION)
        expect(phone.locator(f"{SOURCES} .cw-source")).not_to_have_count(0)
        expect(phone.locator(NEW_CHAT)).to_be_visible()
    finally:
        phone.context.close()


def test_the_chat_warns_under_a_tentative_answer_as_the_api_marks_it(page: Page, app: RunningApp) -> None:
    flags = {}
    for question in (TENTATIVE_QUESTION, SPECIALISTS_QUESTION):
        asked = ask(page, question)
        reply = httpx.post(
            f"{app.url}v1/chat/completions",
            json={"model": "citewise", "messages": [{"role": "user", "content": question}]},
            timeout=120,
        ).json()
        flags[question] = reply["tentative"]
        assert (TENTATIVE_WARNING in asked.answer) is reply["tentative"], (question, asked.answer)
        assert asked.answer.split("\n")[0] in reply["choices"][0]["message"]["content"]  # the warning only follows the quote
        page.locator(NEW_CHAT).click()
        expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    # One of each, so that both ways are checked (the real models decide: pick other questions if they change).
    assert sorted(flags.values()) == [False, True], flags


def test_answer_shows_apostrophes_not_entities(page: Page) -> None:
    asked = ask(page, WHO_QUESTION)

    assert "organization's" in asked.answer, asked.answer
    assert "&#x27;" not in asked.answer


def test_source_card_opens_its_document_at_the_cited_sentence(page: Page, tmp_path: Path) -> None:
    ask(page, WHO_QUESTION)
    card = page.locator(f"{SOURCES} .cw-source", has=page.locator(".cw-quote", has_text="20 million dollars")).first
    link = card.locator("a.cw-open")
    expect(link).to_have_text("open in the document")

    with page.context.expect_page() as opened:
        link.click()
    document = opened.value
    document.wait_for_load_state("domcontentloaded")

    assert f"/documents/{WHO_SOURCE}" in document.url
    expect(document.locator("h1")).to_have_text("China shares experience, resources in global novel coronavirus battle")
    cited = document.locator("mark#cited")
    expect(cited).to_contain_text("20 million dollars")
    expect(cited).to_be_in_viewport()  # the link's #cited fragment scrolls to the sentence
    # The whole document is there, the cited chunk shaded around the sentence.
    expect(document.locator(".text")).to_contain_text("China shares experience")
    expect(document.locator(".chunk mark")).to_have_count(1)
    document.screenshot(path=str(tmp_path / "document_view.png"))


def test_document_view_shows_markup_as_text(browser: Browser, app: RunningApp) -> None:
    context = browser.new_context()
    document = context.new_page()
    document.goto(f"{app.url}documents/{MARKUP_NAME}", wait_until="domcontentloaded")

    expect(document.locator(".text")).to_contain_text("<script>window.__pwned = 1</script>")
    assert document.evaluate("typeof window.__pwned") == "undefined"
    expect(document.locator(".text script")).to_have_count(0)
    expect(document.locator(".text img")).to_have_count(0)
    missing = document.goto(f"{app.url}documents/not_indexed.txt", wait_until="domcontentloaded")
    assert missing is not None and missing.status == 404
    context.close()


def test_inspector_shows_every_stage_with_timings(page: Page) -> None:
    open_tab(page, "Retrieval inspector")
    page.fill("#cw-inspect-query textarea", "WHO donation 20 million dollars")
    page.locator("#cw-inspect-run").click()

    result = page.locator("#cw-inspect-result")
    expect(result.locator("table.cw-table")).to_be_visible(timeout=60_000)
    expect(result).to_contain_text("Searched: WHO donation 20 million dollars")
    for stage in ("dense", "bm25", "rerank"):
        expect(result).to_contain_text(f"{stage} ")
    expect(result).to_contain_text(" ms")
    headers = result.locator("th").all_inner_texts()
    assert headers == ["#", "kept", "passage", "BM25", "dense", "fused", "rerank"], headers
    first = result.locator("tr").nth(1)
    expect(first).to_contain_text(WHO_SOURCE)
    expect(first.locator("td").nth(1)).to_have_text("✓")
    # The best passage has a score from every stage.
    assert all(cell != "–" for cell in first.locator("td").all_inner_texts()[3:]), first.inner_text()


def test_settings_scope_applies_to_the_next_question_without_restart(page: Page) -> None:
    open_tab(page, "Settings")
    scope = page.locator("#cw-pref-scope input")
    scope.click()
    scope.fill("000_")
    page.get_by_role("option", name="000_1431dd1dd5b40ef7.txt").click()
    scope.press("Escape")  # a multiselect stays open over the controls below it
    summary = page.locator("#cw-pref-summary")
    expect(summary).to_contain_text("searching 1 selected document(s)")
    page.locator("#cw-pref-rerank input").uncheck()
    expect(summary).to_contain_text("reranking off")

    open_tab(page, "Chat")
    asked = ask(page, WHO_QUESTION)

    # The WHO donation is only in 003, which is now out of scope.
    assert "20 million" not in asked.answer, asked.answer
    expect(page.locator(SOURCES)).not_to_contain_text(WHO_SOURCE)

    # A new page is a new session: back to the defaults.
    fresh = open_chat(page.context.browser, page.url)  # type: ignore[arg-type]
    assert "20 million" in ask(fresh, WHO_QUESTION).answer
    fresh.context.close()


def test_the_page_sends_nothing_to_other_hosts(browser: Browser, app: RunningApp) -> None:
    # Fonts, analytics and update checks would all be requests beyond the app's own origin.
    context = browser.new_context()
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    context.route(lambda address: not address.startswith(app.url), refuse)
    page = context.new_page()
    try:
        page.goto(app.url, wait_until="domcontentloaded")
        wait_for_chat(page)
        assert "20 million" in ask(page, WHO_QUESTION).answer
        open_tab(page, "Settings")
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert elsewhere == []
