"""What open Documents tabs cost a sync while they follow the index (``ui.documents.SharedListing``).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/documents_refresh.py [--rounds 3] [--pages 4] [--notes 200]

A copy of the encyclopedia set's cached index (1,798 FOLDOC entries, 3,770 chunks; ``bench/eval.py --dataset
encyclopedia --build-only`` builds it) takes ``--notes`` new notes of a few chunks each in one sync, with the real
model, while ``--pages`` open pages poll as the tab's timer does (every ``REFRESH_S``, their phases spread over it):
each reads the documents version, and when it moved, the list. Three ways, taking turns first, each round on fresh
notes: no page open; every page listing the documents itself on every change (the list reads every chunk's metadata
from Chroma, the cost a shared listing avoids); and the shared listing, read once per change for every page and at
most once per ``REFRESH_S`` while the version moves. Reported: the sync's wall time, its ratio to no page in the same
round, and how many listings the pages made.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, median, publish, say, settings_for, spread, work_folder

MODES = ("no page open", "each page lists on every change", "shared listing (the tab's)")
WORDS = "harbour crane tide ledger lantern orchard granary ferry quarry beacon mill signal".split()


@contextmanager
def pages(count: int, interval: float, poll: Callable[[Any], Any]) -> Iterator[None]:
    """``count`` pages polling every ``interval`` seconds, their phases spread over it, until the block ends; ``poll``
    takes what a page shows and returns what it shows next."""
    stop = threading.Event()

    def page(phase: float) -> None:
        shown = None
        if stop.wait(phase):
            return
        while True:
            shown = poll(shown)
            if stop.wait(interval):
                return

    threads = [threading.Thread(target=page, args=(interval * k / count,), daemon=True) for k in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


class Counted:
    """The documents folder of ``citewise``, counting its listings."""

    def __init__(self, citewise: Any) -> None:
        self.citewise = citewise
        self.reads = 0

    def version(self) -> Any:
        return self.citewise.documents_version()

    def documents(self) -> Any:
        self.reads += 1
        return self.citewise.documents()


def own_listing(folder: Counted) -> Callable[[Any], Any]:
    """A page that lists the documents itself whenever their version moved."""

    def poll(shown: Any) -> Any:
        now = folder.version()
        if now != shown:
            folder.documents()
        return now

    return poll


def shared_listing(folder: Counted, listing: Any) -> Callable[[Any], Any]:
    """A page that polls as the tab's timer does (``ui.documents.documents_tab``'s ``on_tick``)."""

    def poll(shown: Any) -> Any:
        read = listing.newer(folder.version(), shown)
        return shown if read is None else (read.version, read.began)

    return poll


def write_notes(docs: Path, round_: int, mode: int, count: int) -> None:
    """``count`` notes of about three chunks each, their words drawn so that no two are alike."""
    for n in range(count):
        words = [WORDS[(n * 7 + k * 3 + round_ + mode) % len(WORDS)] for k in range(400)]
        body = ". ".join(" ".join(words[i : i + 12]).capitalize() for i in range(0, len(words), 12))
        (docs / f"note-{round_}-{mode}-{n:03}.txt").write_text(f"Note {round_} {mode} {n}.\n\n{body}.\n", encoding="utf-8")


def main() -> int:
    from assistant import build_citewise
    from bench.corpus import QUESTION_SETS, load_dev
    from bench.eval import synced_assistant
    from ui.documents import REFRESH_S, SharedListing

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--notes", type=int, default=200)
    args = parser.parse_args()
    machine = machine_line()
    cached, _ = synced_assistant(load_dev(QUESTION_SETS["encyclopedia"]))
    data_dir, docs_dir = cached.settings.data_dir, cached.settings.docs_dir
    cached.close()
    seconds: dict[int, list[float]] = {mode: [] for mode in range(len(MODES))}
    ratios: dict[int, list[float]] = {mode: [] for mode in range(1, len(MODES))}
    listings: dict[int, list[int]] = {mode: [] for mode in range(len(MODES))}
    with work_folder("documents-refresh", keep=False) as root:
        docs = Path(shutil.copytree(docs_dir, root / "docs"))
        shutil.copytree(data_dir, root / "data")
        citewise = build_citewise(settings_for(root / "data", docs, collection="bench"))
        chunks = citewise.indexer.store.count()
        for round_ in range(args.rounds):
            order = [(round_ + k) % len(MODES) for k in range(len(MODES))]  # each way goes first in turn
            took: dict[int, float] = {}
            for mode in order:
                write_notes(docs, round_, mode, args.notes)
                counted = Counted(citewise)
                poll = own_listing(counted) if mode == 1 else shared_listing(counted, SharedListing(counted, REFRESH_S))
                began = time.perf_counter()
                with pages(args.pages if mode else 0, REFRESH_S, poll):
                    report = citewise.sync()
                took[mode] = time.perf_counter() - began
                seconds[mode].append(took[mode])
                listings[mode].append(counted.reads)
                say(f"round {round_ + 1}, {MODES[mode]}: {took[mode]:.1f} s, {report.chunks} chunks, {counted.reads} listings")
            for mode in ratios:
                ratios[mode].append(took[mode] / took[0])
        citewise.close()
    rows = [
        [
            MODES[mode],
            spread(seconds[mode], "s", 1),
            f"{median(ratios[mode]):.3f} ({', '.join(f'{r:.3f}' for r in ratios[mode])})" if mode else "1",
            f"{median(listings[mode]):g}",
        ]
        for mode in range(len(MODES))
    ]
    publish(
        "documents_refresh.md",
        [
            "# What open Documents tabs cost a sync while they follow the index",
            "",
            machine,
            "",
            f"A copy of the encyclopedia set's index ({chunks:,} chunks) syncs {args.notes} new notes of about three chunks"
            f" each with the real model while {args.pages} pages poll every {REFRESH_S:g} s; {args.rounds} rounds, the"
            " ways taking turns first.",
            "",
            markdown_table(
                ["while the sync runs", "sync: median (range, n)", "sync / no page, same round (each round)", "listings"],
                rows,
                text=(0,),
            ),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
