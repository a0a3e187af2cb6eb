"""How long Stop indexing takes to end a sync that is embedding one long file.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/stop_latency.py [--reps 5]

The Bash Reference Manual (``bash-doc``, one 437 kB HTML page, about 670 chunks) is synced from empty once, with the
time each count of embedded chunks was reached. Then ``--reps`` syncs from empty are stopped, each at a moment drawn
(fixed seed) from that first sync's length, as the documents tab stops one: its progress raises
``SyncStopped`` once the stop is set. Measured: from the stop to the sync's end. Before a long file was embedded a
write batch at a time, a stop was seen only after the file, and never during the last one: a sync of this one file
ran on to its end, which is what the "before" column reports (the first sync's time left at the stop's moment).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, median, publish, say, spread, work_folder

MANUAL = Path("/usr/share/doc/bash/bashref.html")


def sync_from_empty(root: Path, embedder: object, stop_at: float | None) -> tuple[float, float, list[tuple[float, int]]]:
    """A sync of the manual into a fresh index: (seconds to its end, the stop's moment or 0, (seconds, chunks) heard)."""
    from index import IndexSettings, SyncStopped, build_indexer

    data = root / f"data-{time.monotonic_ns()}"
    indexer = build_indexer(IndexSettings(data_dir=data), embedder=embedder)
    stop = threading.Event()
    heard: list[tuple[float, int]] = []
    started = time.perf_counter()

    def progress(done: int, total: int, chunks: int) -> None:
        heard.append((time.perf_counter() - started, chunks))
        if stop.is_set() and done < total:  # as the documents tab's progress does
            raise SyncStopped(done, total)

    timer = threading.Timer(stop_at, stop.set) if stop_at is not None else None
    if timer is not None:
        timer.start()
    with contextlib.suppress(SyncStopped):  # the stopped ones
        indexer.sync(root / "docs", progress=progress)
    ended = time.perf_counter() - started
    if timer is not None:
        timer.cancel()
    indexer.close()
    shutil.rmtree(data, ignore_errors=True)
    return ended, stop_at or 0.0, heard


def main() -> int:
    from index import IndexSettings
    from index.embedder import Embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if not MANUAL.exists():
        say(f"error: {MANUAL} is missing: `make bench-corpora` installs bash-doc")
        return 1
    machine = machine_line()
    settings = IndexSettings()
    embedder = Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
    with work_folder("stop-latency", keep=False) as root:
        (root / "docs").mkdir()
        shutil.copy(MANUAL, root / "docs" / MANUAL.name)
        full, _, heard = sync_from_empty(root, embedder, None)
        chunks = heard[-1][1]
        first = next(seconds for seconds, count in heard if count > 0)  # the first chunks embedded
        say(f"full sync: {full:.1f} s, {chunks} chunks; the first chunks embedded at {first:.1f} s")
        rng = random.Random(20261207)
        after, before = [], []
        for _ in range(args.reps):
            stop_at = rng.uniform(0.5, full - 3.0)  # any moment of the sync: reading, chunking or embedding
            ended, at, _ = sync_from_empty(root, embedder, stop_at)
            after.append(ended - at)
            before.append(full - at)
            say(f"  stop at {at:5.1f} s: ended {ended - at:5.2f} s later (the whole file: {full - at:5.1f} s later)")
    rows = [
        ["from the stop to the sync's end, now", spread(after)],
        ["the same before (the file ran on to its end)", spread(before, digits=1)],
        ["now / before, median of each stop's ratio", f"{median([a / b for a, b in zip(after, before, strict=True)]):.3f}"],
    ]
    publish(
        "stop_latency.md",
        [
            "# Stop indexing during one long file",
            "",
            machine,
            "",
            f"The Bash Reference Manual, {chunks} chunks, synced from empty in {full:.1f} s (its first chunks "
            f"embedded at {first:.1f} s); {args.reps} syncs stopped at moments drawn from that length.",
            "",
            markdown_table(["measure", "median (range, n)"], rows, text=(0, 1)),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
