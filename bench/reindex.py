"""Re-indexing after a loader change or an edit: stored vectors reused against everything embedded again.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/reindex.py [--pages 40] [--reps 3]

Over the first ``--pages`` HTML pages of the Debian Administrator's Handbook (Debian's ``debian-handbook``,
in name order), in a temporary folder, with one loaded embedding model:

(a) the first sync, which embeds every chunk;
(b) a sync after the loader version changes (every document is re-read and re-chunked), ``--reps`` rounds, each
    round timed twice in turns: as the sync runs now (a chunk with the section and text it had keeps its stored
    vector), and with that reuse switched off (``Store.vectors`` finding nothing: every chunk embedded again, as
    before the reuse);
(c) an edit: a paragraph added in the middle of the longest page, synced with the reuse;
(d) a move: every page moved into a subfolder (each a delete plus an add of the same content), synced with the
    deletes confirmed (``allow_mass_delete``), as ``index sync --allow-delete`` does.

Medians are reported, and the ratio of the two (b) times taken within each round.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, median, publish, say, settings_for, stopwatch, work_folder

HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US")


def sync(indexer: Any, docs: Path, *, allow_mass_delete: bool = False) -> tuple[float, Any]:
    """Seconds of one sync of ``docs``, and its report."""
    with stopwatch() as took:
        report = indexer.sync(docs, allow_mass_delete=allow_mass_delete)
    return took.wall, report


def loader_change(indexer: Any, docs: Path, version: int, *, reuse: bool) -> tuple[float, Any]:
    """A sync right after the loader version changes, with or without the reuse of stored vectors."""
    from index import loader
    from index.store import Store

    loader.LOADER_VERSION = f"bench-{version}"
    stored = Store.vectors
    if not reuse:
        Store.vectors = lambda self, source: {}  # type: ignore[method-assign]
    try:
        return sync(indexer, docs)
    finally:
        Store.vectors = stored  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    from assistant.wiring import build_citewise

    machine = machine_line()
    with work_folder("citewise-reindex-", keep=False) as work:
        docs = work / "docs"
        docs.mkdir()
        for page in sorted(HANDBOOK.glob("*.html"))[: args.pages]:
            shutil.copyfile(page, docs / page.name)
        indexer = build_citewise(settings_for(work / "data", docs)).indexer
        first = sync(indexer, docs)
        say(f"(a) first sync: {first[1].chunks} chunks in {first[0]:.1f} s")
        reused, embedded, counts = loader_rounds(indexer, docs, args.reps)
        edited, longest = edit_the_longest(indexer, docs)
        moved = move_every_page(indexer, docs)
    rows = table_rows(first, reused, embedded, counts, (edited, longest), moved)
    title = f"# Re-indexing ({args.pages} Debian Handbook pages, {args.reps} rounds)"
    publish("reindex.md", [title, "", machine, "", markdown_table(HEADERS, rows, text=[0, 1])])
    return 0


HEADERS = ["sync", "chunks", "median wall", "now / before (per round)"]


def loader_rounds(indexer: Any, docs: Path, reps: int) -> tuple[list[float], list[float], tuple[int, int]]:
    """(b): per round, a loader change synced with the reuse of stored vectors and without it, in turns (the order
    turns every round); the seconds of each, and the embedded and reused counts of a sync with the reuse."""
    reused: list[float] = []
    embedded: list[float] = []
    counts = (0, 0)
    for rep in range(reps):
        for reuse in (rep % 2 == 0, rep % 2 == 1):
            seconds, report = loader_change(indexer, docs, 2 * rep + reuse, reuse=reuse)
            (reused if reuse else embedded).append(seconds)
            counts = (report.embedded, report.reused) if reuse else counts
            say(f"(b) round {rep + 1}, reuse {reuse}: {seconds:.1f} s ({report.embedding_counts})")
    return reused, embedded, counts


def edit_the_longest(indexer: Any, docs: Path) -> tuple[tuple[float, Any], str]:
    """(c): a paragraph added in the middle of the longest page, synced; its seconds and report, and the page."""
    longest = max(docs.iterdir(), key=lambda path: path.stat().st_size)
    markup = longest.read_text(encoding="utf-8")
    middle = markup.index("</p>", len(markup) // 2) + len("</p>")
    longest.write_text(markup[:middle] + "<p>A paragraph added by an edit, in the middle of the page.</p>" + markup[middle:])
    seconds, edit = sync(indexer, docs)
    say(f"(c) edit of {longest.name}: {seconds:.1f} s ({edit.embedding_counts})")
    return (seconds, edit), longest.name


def move_every_page(indexer: Any, docs: Path) -> tuple[float, Any]:
    """(d): every page moved into a subfolder, synced with the deletes confirmed."""
    moved = docs / "moved"
    moved.mkdir()
    for page in sorted(docs.glob("*.html")):
        page.rename(moved / page.name)
    seconds, move = sync(indexer, docs, allow_mass_delete=True)
    say(f"(d) every page moved: {seconds:.1f} s ({move.embedding_counts})")
    return seconds, move


def table_rows(
    first: tuple[float, Any],
    reused: list[float],
    embedded: list[float],
    counts: tuple[int, int],
    edited: tuple[tuple[float, Any], str],
    moved: tuple[float, Any],
) -> list[list[str]]:
    """The report's rows, (a) to (d), with the ratio of the two (b) times taken within each round."""
    (first_seconds, first_report), ((edit_seconds, edit), page), (move_seconds, move) = first, edited, moved
    ratios = [with_reuse / without for with_reuse, without in zip(reused, embedded, strict=True)]
    return [
        ["(a) first sync: every chunk embedded", f"{first_report.chunks} chunks", f"{first_seconds:.1f} s", ""],
        [
            "(b) after a loader change, every chunk embedded again (before)",
            f"{first_report.chunks} embedded",
            f"{median(embedded):.1f} s",
            "",
        ],
        [
            "(b) after a loader change, stored vectors reused (now)",
            f"{counts[0]} embedded, {counts[1]} reused",
            f"{median(reused):.1f} s",
            f"x {median(ratios):.2f}",
        ],
        [f"(c) a paragraph added mid-page to {page}", edit.embedding_counts, f"{edit_seconds:.1f} s", ""],
        [
            f"(d) every page moved into a subfolder ({len(move.deleted)} deleted, {len(move.added)} added)",
            move.embedding_counts,
            f"{move_seconds:.1f} s",
            "",
        ],
    ]


if __name__ == "__main__":
    raise SystemExit(main())
