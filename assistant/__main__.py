"""Command line: ``python -m assistant ask "QUESTION" [--json]`` and ``search "QUERY" [--json]``.

With ``-`` as the question, one question per line is read from standard input and one
JSON object per line is printed, with the models loaded once. A question that fails (too long,
a failing LLM server, any error) gets its own line with ``"error"`` set; the rest still run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.chat import QuestionError
from assistant.citewise import Citewise
from assistant.prompts import render
from assistant.settings import Settings
from assistant.wiring import build_citewise
from index import IndexDamagedError, IndexMismatchError, IndexWriteError, page_word
from index.cli import one_line, run_command
from index.settings import invalid_settings

logger = logging.getLogger("citewise.cli")


def main(argv: list[str] | None = None) -> int:
    """Run one assistant command; returns the process exit code."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Ask the Citewise index questions.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with cited sources")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    search = commands.add_parser("search", help="show the ranked passages for a query")
    search.add_argument("question", metavar="query", help='the query, or "-" to read one per line from stdin')
    search.add_argument("--top-k", type=int, default=10, help="passages to print")
    for command in (ask, search):
        command.add_argument("--json", action="store_true", help="print JSON (one object per line with -)")
        command.add_argument(
            "--doc",
            action="append",
            default=[],
            metavar="PATH",
            help="only search this document: its name in the documents folder, or a path to it (repeatable)",
        )
    args = parser.parse_args(argv)

    try:
        citewise = build_citewise(Settings())
    except ValidationError as error:
        print(f"error: {invalid_settings(error)}", file=sys.stderr)
        return 2
    except (IndexMismatchError, IndexDamagedError, IndexWriteError, ValueError) as error:  # the index, its disk, the settings
        print(f"error: {error}", file=sys.stderr)
        return 2
    with citewise:  # the index's files, released on every way out
        try:
            return _answer_all(citewise, args)
        except IndexDamagedError as error:  # the index cannot be read at all: no question can be answered
            print(f"error: {error}", file=sys.stderr)
            return 2


def _answer_all(citewise: Citewise, args: argparse.Namespace) -> int:
    """Answer or search each question of ``args``, printing each result; the exit code."""
    if citewise.is_empty():
        print("warning: the index is empty; run `python -m index sync DIR` first", file=sys.stderr)
    failures = 0
    docs = [_document_name(doc, citewise.settings.docs_dir) for doc in args.doc]
    for question in _questions(args.question):
        try:
            result = _ask(citewise, question, docs) if args.command == "ask" else _search(citewise, question, docs, args.top_k)
        except Exception as error:  # one bad question must never cost the ones after it
            if not isinstance(error, QuestionError | IndexDamagedError):  # said in full below; no trace needed
                logger.exception("%s failed for %r", args.command, question[:200])
            failures += 1
            result = _failure(args.command, question, citewise.settings.llm, error)
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif result.get("error"):
            print(f"error: {result['error']}", file=sys.stderr, flush=True)
        else:
            _print_human(result)
    # In batch mode every failure is on its own line; a single question's failure is the exit code.
    return 1 if failures and args.question != "-" else 0


def _document_name(doc: str, docs_dir: Path) -> str:
    """``--doc`` as the index names documents: a path to a file of the documents folder ("seeds/003.txt", an absolute
    path) is its name within the folder ("003.txt"); anything else is taken as a name."""
    path = Path(doc)
    try:
        return path.resolve(strict=True).relative_to(docs_dir.resolve()).as_posix() if path.is_file() else doc
    except (OSError, ValueError):  # not there, or outside the folder
        return doc


def _questions(argument: str) -> Iterator[str]:
    if argument != "-":
        yield argument
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def _ask(citewise: Citewise, question: str, docs: list[str]) -> dict[str, Any]:
    return citewise.ask(question, sources=docs).complete().to_json()


def _failure(command: str, question: str, backend: str, error: Exception) -> dict[str, Any]:
    """The line a failed question gets: the command's usual keys, empty, with ``error`` saying why."""
    message = str(error) if isinstance(error, QuestionError) else f"{type(error).__name__}: {error}"
    if command == "search":
        return {"query": question, "results": [], "timings": {}, "error": message}
    return {
        "question": question,
        "query": question,
        "answer": "",
        "refused": True,
        "tentative": False,
        "backend": backend,
        "citations": [],
        "sentences": [],
        "closest": [],
        "suggestion": None,
        "error": message,
    }


def _search(citewise: Citewise, query: str, docs: list[str], top_k: int) -> dict[str, Any]:
    return citewise.search(query, sources=docs).to_json(top_k)


def _print_human(result: dict[str, Any]) -> None:
    if "answer" in result:
        print(result["answer"])
        if result["tentative"]:
            print(f"({render('tentative')})")
        for c in result["citations"]:
            page = f", {page_word(c['source'])} {c['page']}" if c["page"] else ""
            print(f"  [{c['n']}] {one_line(c['source'])}{page} (score {c['score']}): {c['quote']}")
        for p in result["closest"]:
            page = f", {page_word(p['source'])} {p['page']}" if p["page"] else ""
            print(f"  closest: {one_line(p['source'])}{page}: {p['text'][:160]!r}")
        return
    for r in result["results"]:
        print(f"{r['rank']:>2}. {one_line(r['source'])} score={r['score']} {r['scores']}\n    {r['text'][:200]!r}")


if __name__ == "__main__":
    sys.exit(run_command(main, "nothing was written to the index; the answers printed above are complete"))
