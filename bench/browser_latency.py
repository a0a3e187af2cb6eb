"""Browser latency: how long the chat takes, as a user sees it, to show an answer.

Starts ``python app.py`` over a fresh temporary index of ``seeds/`` (as the browser tests do),
opens the chat in headless Debian Chromium and asks each question in a fresh page (so no chat
history or follow-up rewriting is involved), measuring from the Enter key to

* first: the first answer text appearing in the chat, and
* full: the finished answer, i.e. Gradio's status tracker on the chat hidden again after the
  last streamed update (see ``tests/browser_support.py`` for why that signal).

Both are taken with ``performance.now()`` inside the page. One unmeasured question warms up
the models and the browser first. Prints a Markdown table with the median and p95.

    .venv/bin/python bench/browser_latency.py [--screenshot docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_support import (  # noqa: E402
    SOURCES,
    Asked,
    ask,
    chromium_problem,
    copy_seeds,
    launch_chromium,
    open_chat,
    run_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Ten different questions about the seeds: nine answerable ones, one the documents do not answer.
QUESTIONS = [
    "How much did China donate to the WHO?",
    "How many specialists were in the Chinese medical expert group in Kyrgyzstan?",
    "How many hospital employees were trained in Kyrgyzstan?",
    "How many medical aid workers has China sent abroad?",
    "How many vaccine doses has China provided to other countries?",
    "Which countries did China send expert teams to?",
    "What did Jeenbekov say about China's vaccine research?",
    "Which railroad does Kyrgyzstan want to build with China?",
    "Will foreign aid affect China's epidemic prevention at home?",
    "Who won the 2018 World Cup?",
]
WARMUP_QUESTION = "What did Wang Yi say about solidarity?"
SCREENSHOT_QUESTION = QUESTIONS[0]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def table(results: list[Asked]) -> str:
    """The Markdown summary: median and p95 of both latencies, and the number of questions."""
    first = [r.first_ms for r in results]
    full = [r.done_ms for r in results]
    return "\n".join(
        [
            "| measure (ms, Enter to ...) | median | p95 | questions |",
            "|---|---:|---:|---:|",
            f"| first answer text in the chat | {statistics.median(first):.0f} | {percentile(first, 95):.0f} | {len(first)} |",
            f"| full answer (event finished) | {statistics.median(full):.0f} | {percentile(full, 95):.0f} | {len(full)} |",
        ]
    )


def details(results: list[Asked]) -> str:
    """One row per question."""
    rows = ["| question | first (ms) | full (ms) | answer |", "|---|---:|---:|---|"]
    for r in results:
        answer = r.answer.replace("\n", " ").replace("|", "\\|")
        rows.append(f"| {r.question} | {r.first_ms:.0f} | {r.done_ms:.0f} | {answer[:60]}{'…' if len(answer) > 60 else ''} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="also save a 1280x800 screenshot of a cited answer")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per answer (default 120)")
    parser.add_argument("--details", action="store_true", help="also print one row per question")
    args = parser.parse_args(argv)

    problem = chromium_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="citewise-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        with run_app(root, copy_seeds(root / "docs")) as app, launch_chromium() as browser:
            print(f"app serving after {time.perf_counter() - started:.1f} s at {app.url}", file=sys.stderr)
            results: list[Asked] = []
            for number, question in enumerate([WARMUP_QUESTION, *QUESTIONS]):
                page = open_chat(browser, app.url)
                try:
                    asked = ask(page, question, timeout_ms=args.timeout * 1000)
                finally:
                    page.context.close()
                if number:  # the first one only warms up
                    results.append(asked)
                    print(f"{asked.first_ms:7.0f} {asked.done_ms:7.0f} ms  {question}", file=sys.stderr)
            if args.screenshot:
                save_screenshot(browser, app.url, args.screenshot, args.timeout)

    print(table(results))
    if args.details:
        print()
        print(details(results))
    return 0


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
    print(f"screenshot saved to {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
