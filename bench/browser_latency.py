"""Browser latency: how long the chat takes, as a user sees it, to show an answer.

Starts ``python app.py`` over a fresh temporary index of ``seeds/`` (as the browser tests do),
opens the chat in headless Debian Chromium and asks each question in a fresh page (so no chat
history or follow-up rewriting is involved), measuring from the Enter key to

* shown: the question itself appearing in the chat,
* first: the first answer text appearing in the chat, and
* full: the finished answer, i.e. Gradio's status tracker on the chat hidden again after the
  last streamed update (see ``tests/browser_support.py`` for why that signal).

Both are taken with ``performance.now()`` inside the page. The questions are a fixed sample of 10
from bench/data/seeds_qa.jsonl (``bench.common.subsample``); the first is asked once more before them,
unmeasured, to warm up the models and the browser. Prints a Markdown table with the median and p95
(``bench.common.percentile``) and writes it to bench/results/browser_latency.md.

    .venv/bin/python bench/browser_latency.py [--screenshot docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from browser_support import SOURCES, Asked, ask, chromium_problem, copy_seeds, launch_chromium, open_chat, run_app

from bench.common import markdown_table, median, percentile, say, subsample, write_result
from bench.corpus import load_seeds

if TYPE_CHECKING:
    from playwright.sync_api import Browser

QUESTIONS = 10
SCREENSHOT_QUESTION = "How many specialists were in the Chinese medical expert group that went to Kyrgyzstan?"  # README


def table(results: list[Asked]) -> str:
    """The Markdown summary: median and p95 of both latencies, and the number of questions."""
    rows = []
    for label, values in (
        ("the question in the chat", [r.shown_ms for r in results]),
        ("first answer text in the chat", [r.first_ms for r in results]),
        ("full answer (event finished)", [r.done_ms for r in results]),
    ):
        rows.append([label, f"{median(values):.0f}", f"{percentile(values, 95):.0f}", len(values)])
    return markdown_table(["measure (ms, Enter to ...)", "median", "p95", "questions"], rows, text=(0,))


def details(results: list[Asked]) -> str:
    """One row per question."""
    rows = []
    for r in results:
        answer = r.answer.replace("\n", " ").replace("|", "\\|")
        rows.append([r.question, f"{r.first_ms:.0f}", f"{r.done_ms:.0f}", answer[:60] + ("…" if len(answer) > 60 else "")])
    return markdown_table(["question", "first (ms)", "full (ms)", "answer"], rows, text=(0, 3))


def ask_all(browser: Browser, url: str, questions: list[str], timeout: float) -> list[Asked]:
    """Each question in a fresh page, after the first once more as an unmeasured warm-up."""
    results = []
    for number, question in enumerate([questions[0], *questions]):
        page = open_chat(browser, url)
        try:
            asked = ask(page, question, timeout_ms=timeout * 1000)
        finally:
            page.context.close()
        if number:
            results.append(asked)
            say(f"{asked.shown_ms:7.0f} {asked.first_ms:7.0f} {asked.done_ms:7.0f} ms  {question}")
    return results


def save_screenshot(browser: Browser, url: str, path: Path, timeout: float) -> None:
    """The chat after answering the WHO question, its source beside it with the passage unfolded, at 1280x800."""
    page = open_chat(browser, url)
    try:
        ask(page, SCREENSHOT_QUESTION, timeout_ms=timeout * 1000)
        card = page.locator(f"{SOURCES} .cw-source").first
        card.locator("details.cw-chunk > summary").click()  # unfold the passage to show the highlighted sentence
        card.locator(".cw-text mark").first.wait_for()
        page.mouse.move(0, 0)  # no hover effects in the picture
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
    finally:
        page.context.close()
    say(f"screenshot saved to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="also save a 1280x800 screenshot of a cited answer")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per answer (default 120)")
    parser.add_argument("--details", action="store_true", help="also print one row per question")
    args = parser.parse_args(argv)
    problem = chromium_problem()
    if problem:
        say(f"error: {problem}")
        return 1
    questions = [q.question for q in subsample(load_seeds().questions, QUESTIONS)]
    with tempfile.TemporaryDirectory(prefix="citewise-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        with run_app(root, copy_seeds(root / "docs")) as app, launch_chromium() as browser:
            say(f"app serving after {time.perf_counter() - started:.1f} s at {app.url}")
            results = ask_all(browser, app.url, questions, args.timeout)
            if args.screenshot:
                save_screenshot(browser, app.url, args.screenshot, args.timeout)
    report = table(results) + ("\n\n" + details(results) if args.details else "")
    print(report)
    say(f"wrote {write_result('browser_latency.md', report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
