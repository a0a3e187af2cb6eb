"""What reading each file in a child process costs a sync: the same syncs with the reader in-process, interleaved.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/reading.py [--reps 3] [--small-docs 1000]

Two corpora, each synced from empty by the real model with the default reader (``index.reading.Reader``: a child
process, one file read ahead) and with a reader that calls ``index.loader.load`` in the syncing process, as sync did
before; the two alternate first from round to round. The whole Debian Handbook (127 HTML pages, where reading is a
few percent of a sync) and 1,000 small notes (where per-file costs weigh most). Also a child's start and first read,
and a warm read of one small file. Writes bench/results/reading.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Generator, Iterable
from pathlib import Path

from common import machine_line, markdown_table, median, publish, say, settings_for, spread, stopwatch, work_folder
from ingest import small_documents

from index import Embedder, Reader, build_indexer
from index.loader import LoadedDocument, LoadError, load

HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US")


class InProcessReader(Reader):
    """The baseline: each file loaded in the syncing process, no time or memory limit, nothing read ahead."""

    def read_all(self, paths: Iterable[Path], max_bytes: int) -> Generator[LoadedDocument | LoadError | OSError]:
        for path in paths:
            try:
                yield load(path, max_bytes)
            except (LoadError, OSError) as error:
                yield error


def synced(embedder: Embedder, docs: Path, data: Path, reader: Reader) -> tuple[float, int]:
    """Seconds to sync ``docs`` from empty into ``data`` with ``reader``, and the chunks it embedded."""
    indexer = build_indexer(settings_for(data, docs), embedder)
    indexer.reader = reader
    with stopwatch() as took:
        report = indexer.sync(docs)
    if report.failed:
        raise SystemExit(f"sync failed for {len(report.failed)} files: {report.failed[:3]}")
    indexer.keywords.close()
    reader.close()
    shutil.rmtree(data)
    return took.wall, report.embedded


def compare(embedder: Embedder, name: str, docs: Path, work: Path, reps: int) -> list[str]:
    """One table row: both readers' sync times over ``reps`` interleaved rounds, and the median of the per-round ratios."""
    times: dict[str, list[float]] = {"child": [], "in-process": []}
    ratios, chunks = [], 0
    for rep in range(reps):
        order = ["child", "in-process"] if rep % 2 == 0 else ["in-process", "child"]
        for kind in order:
            reader = Reader() if kind == "child" else InProcessReader()
            seconds, chunks = synced(embedder, docs, work / f"{name}-{kind}-{rep}", reader)
            times[kind].append(seconds)
            say(f"[{name} round {rep + 1}/{reps}] {kind}: {seconds:.1f} s, {chunks} chunks")
        ratios.append(times["child"][-1] / times["in-process"][-1])
    files = sum(1 for path in docs.rglob("*") if path.is_file())
    return [
        f"{name}: {files} files, {chunks:,} chunks",
        spread(times["child"], digits=1),
        spread(times["in-process"], digits=1),
        f"**{median(ratios):.3f}** ({', '.join(f'{r:.3f}' for r in ratios)})",
    ]


def start_and_read(path: Path, reps: int) -> tuple[list[float], list[float]]:
    """Seconds for a new reader's first read of ``path`` (its child's start included), and for a warm read."""
    cold, warm = [], []
    for _ in range(reps):
        reader = Reader()
        began = time.perf_counter()
        reader.read(path)
        cold.append(time.perf_counter() - began)
        began = time.perf_counter()
        reader.read(path)
        warm.append(time.perf_counter() - began)
        reader.close()
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="interleaved rounds per corpus")
    parser.add_argument("--small-docs", type=int, default=1000, help="notes in the small-documents corpus")
    args = parser.parse_args(argv)
    header = machine_line()
    say(header)
    with work_folder("citewise-reading-", False) as work:
        base = settings_for(work / "unused", work / "unused")
        embedder = Embedder(base.embed_model, batch_size=base.embed_batch_size)
        embedder.encode(["warm-up sentence"] * 8)
        small = work / "small"
        small_documents(small, args.small_docs)
        cold, warm = start_and_read(next(small.rglob("*.md")), 5)
        handbook = work / "handbook"
        handbook.mkdir()
        for page in HANDBOOK.glob("*.html"):  # the pages, not the stylesheets and images beside them
            shutil.copyfile(page, handbook / page.name)
        rows = [
            compare(embedder, "Debian Handbook", handbook, work, args.reps),
            compare(embedder, "small notes", small, work, args.reps),
        ]
    publish(
        "reading.md",
        [
            "# Reading in a child process",
            header,
            markdown_table(["corpus", "child reader", "in-process reader", "child / in-process, per round"], rows),
            f"A new reader's first read of one note (its child started): {spread([1000 * s for s in cold], 'ms', 0)}; "
            f"a warm read: {spread([1000 * s for s in warm], 'ms', 1)}.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
