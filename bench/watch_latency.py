"""How long a file saved into a watched folder takes to be found by a search.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/watch_latency.py [--reps 7] [--rescan 5]

The seeds are synced into a fresh index with the real model, then ``index.watch.watch`` runs over them as
``index sync --watch`` does (debounce 1 s). Each round saves one new note (a sentence of its own) and times how long
until its chunk is in the index, in two ways, the rounds taking turns: with file events, and with the events refused
(as on a network file system, or past the kernel's limit of watches), where only the listing every ``--rescan``
seconds finds it. Each note is saved at a moment drawn from the listing's interval (fixed seed), so the listing's
wait is spread over it: about half of it on average, plus the debounce and the sync. Before the listings, a change
no event told of was never synced.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, publish, say, spread, work_folder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DEBOUNCE_S = 1.0


@contextmanager
def watching(indexer: Any, docs: Path, rescan: float, events: bool) -> Iterator[None]:
    """``watch`` over ``docs`` in a thread, with file events or without them, until the block ends."""
    from watchdog.observers import Observer

    from index.watch import watch

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "inotify watch limit reached")

    stop = threading.Event()
    synced = threading.Event()
    with mock.patch.object(Observer, "schedule", refuse) if not events else contextlib.nullcontext():
        thread = threading.Thread(
            target=watch,
            args=(lambda progress: indexer.sync(docs, progress=progress), docs),
            kwargs={"debounce": DEBOUNCE_S, "rescan": rescan, "stop": stop, "on_sync": lambda report: synced.set()},
        )
        thread.start()
        synced.wait(120)  # the first sync (nothing to embed)
        time.sleep(0.5)  # the observer is up
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def found_after(indexer: Any, docs: Path, n: int, limit: float) -> float:
    """Save note ``n`` and return the seconds until its chunk is stored (``limit`` if never)."""
    name = f"note-{n}.md"
    began = time.perf_counter()
    (docs / name).write_text(f"# Note {n}\n\nThe harbour log number {n} lists {n * 7} ships.\n", encoding="utf-8")
    while time.perf_counter() - began < limit:
        if indexer.store.holds(name):
            return time.perf_counter() - began
        time.sleep(0.02)
    return limit


def main() -> int:
    from index import IndexSettings, build_indexer
    from index.embedder import Embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--rescan", type=float, default=5.0, help="the listing's interval for this run")
    args = parser.parse_args()
    machine = machine_line()
    settings = IndexSettings()
    embedder = Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
    times: dict[bool, list[float]] = {True: [], False: []}
    with work_folder("watch-latency", keep=False) as root:
        docs = Path(shutil.copytree(SEEDS, root / "docs"))
        indexer = build_indexer(IndexSettings(data_dir=root / "data"), embedder=embedder)
        indexer.sync(docs)
        n = 0
        rng = random.Random(20261207)
        for rep in range(args.reps):
            for events in (rep % 2 == 0, rep % 2 != 0):  # the two ways take turns going first
                with watching(indexer, docs, args.rescan, events):
                    n += 1
                    time.sleep(rng.uniform(0, args.rescan))  # a moment anywhere in the listing's interval
                    seconds = found_after(indexer, docs, n, limit=args.rescan * 3 + 30)
                times[events].append(seconds)
                say(f"  round {rep + 1}, {'events' if events else 'listings only'}: {seconds:.2f} s")
        indexer.close()
    rows = [
        ["with file events (debounce 1 s)", spread(times[True])],
        [f"events refused: the listing every {args.rescan:g} s alone", spread(times[False])],
        ["the same before the listings", "never"],
    ]
    publish(
        "watch_latency.md",
        [
            "# A file saved into a watched folder, until its chunk is stored",
            "",
            machine,
            "",
            f"The seeds indexed with the real model; {args.reps} rounds, each saving one short note (one chunk) under each"
            " way of finding it, the two taking turns first.",
            "",
            markdown_table(["how the change is found", "median (range, n)"], rows, text=(0, 1)),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
