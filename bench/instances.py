"""Two instances on one Chroma server: how fast B's keyword cache catches up, a cold cache rebuild, B's answers against A's.

Usage:
    .venv/bin/python bench/instances.py [--small 10000] [--large 100000] [--rounds 5] [--questions 10] [--keep]

What it builds
    A ``chroma run`` server over a fresh folder. Its collections are written before the server starts, with
    the embedded client on the same folder (the format ``chroma run --path`` serves), through the project's
    own ``Store.add`` and ``index.nodes.make_node``: chunks of about 100 words drawn from a 5,000-word
    Zipf vocabulary, in documents of 10 chunks, with **random unit vectors, not embeddings** (embedding
    100k chunks would take over an hour here, and vectors are not what is measured). The ``--small`` index
    has 384-dimensional vectors, so the real model can query it; the ``--large`` one 16-dimensional ones,
    since only its keyword cache is rebuilt. Neither has keyword rows or a change log: what an instance
    gets from another that wrote them.

What it measures (wall time)
    * catch-up: A (``build_citewise``, real models) syncs one new document into the shared folder; the
      time B's ``KeywordCache.refresh`` takes to bring its keyword index up to date (it reads the change
      log and reconciles that one document), ``--rounds`` times. Also the check when nothing changed.
    * cold start: a new instance's first refresh over ``--large`` chunks, its keyword index empty (every
      chunk listed and fetched from the server and written to FTS5), and the same again over a full cache
      (a restart: listing only).
    * answers: the same ``--questions`` questions asked through A and through B (extractive, reranked),
      alternating, after both are warm.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    chroma_client,
    machine_line,
    markdown_table,
    median,
    percentile,
    say,
    settings_for,
    stopwatch,
    work_folder,
    write_result,
)

from index.chunker import Chunk
from index.nodes import make_node
from index.settings import IndexSettings
from index.store import Store, build_signature

VOCABULARY = 5_000
WORDS_PER_CHUNK = 100
CHUNKS_PER_DOCUMENT = 10
NEW_DOCUMENT = (
    "Harbour log {n}. The Quillmark pilots guided {ships} cargo ships through the northern channel in week {n}. "
    "Fog closed the channel for {fog} hours, and the lighthouse keeper logged every passing hull by its flag."
)


_VOCABULARY = [f"w{i}" for i in range(VOCABULARY)]
_CUMULATIVE = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(VOCABULARY)))


def prose(rng: random.Random, count: int) -> str:
    """``count`` words of a Zipf-weighted vocabulary in sentences: a few words in most chunks, most words rare."""
    drawn = rng.choices(_VOCABULARY, cum_weights=_CUMULATIVE, k=count)
    return " ".join(" ".join(drawn[i : i + 12]).capitalize() + "." for i in range(0, count, 12))


def random_vectors(count: int, dims: int, seed: int) -> np.ndarray:
    """``count`` random unit vectors: stand-ins for embeddings, which are not what is measured."""
    vectors = np.random.default_rng(seed).standard_normal((count, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def write_documents(chroma: Path, docs: Path, chunks: int, embedder: Any) -> float:
    """Documents of about 10 chunks in ``docs``, chunked as sync does, stored with random 384-d vectors; seconds taken."""
    from index.loader import load
    from index.nodes import NodeBuilder

    rng = random.Random(1)
    settings = IndexSettings(collection="small")
    builder = NodeBuilder(embedder, settings.chunk_tokens, settings.chunk_overlap_sentences)
    store = Store(chroma_client(chroma), "small", build_signature(settings, builder.max_tokens))
    with stopwatch() as took:
        written, pending = 0, []
        while written < chunks:
            path = docs / f"bulk/doc{written // CHUNKS_PER_DOCUMENT:06d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(prose(rng, 150 * CHUNKS_PER_DOCUMENT), encoding="utf-8")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            nodes = builder.build(path.relative_to(docs).as_posix(), digest, load(path))
            for node, vector in zip(nodes, random_vectors(len(nodes), 384, written), strict=True):
                node.embedding = vector.tolist()
            pending += nodes
            written += len(nodes)
            if len(pending) >= store.max_batch:
                store.add(pending)
                pending = []
        store.add(pending)
    return took.wall


def write_chunks(chroma: Path, chunks: int) -> float:
    """``chunks`` chunks of no file, with random 16-d vectors (only the keyword cache reads them); seconds taken."""
    rng = random.Random(2)
    settings = IndexSettings(collection="large")
    store = Store(chroma_client(chroma), "large", build_signature(settings, settings.chunk_tokens))
    vectors = random_vectors(chunks, 16, 2)
    with stopwatch() as took:
        for start in range(0, chunks, store.max_batch):
            nodes = []
            for i in range(start, min(chunks, start + store.max_batch)):
                text = prose(rng, WORDS_PER_CHUNK)
                doc, index = divmod(i, CHUNKS_PER_DOCUMENT)
                node = make_node(f"bulk/doc{doc:06d}.txt", f"{doc:064x}", f"Document {doc}", Chunk(index, 0, len(text), text), 10)
                node.embedding = vectors[i].tolist()
                nodes.append(node)
            store.add(nodes)
    return took.wall


@contextmanager
def chroma_server(path: Path, port: int) -> Iterator[str]:
    """``chroma run`` over ``path``; yields its URL."""
    chroma = Path(sys.executable).parent / "chroma"
    log = (path.parent / "chroma.log").open("wb")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def catch_up(a: Any, b: Any, docs: Path, rounds: int) -> tuple[list[float], list[float], list[int]]:
    """Seconds B's refresh takes after A synced one new document, and of a refresh with nothing new; rows added."""
    caught, idle, added = [], [], []
    for n in range(rounds):
        (docs / f"harbour_{n}.txt").write_text(NEW_DOCUMENT.format(n=n, ships=40 + n, fog=3 + n), encoding="utf-8")
        a.sync()
        with stopwatch() as took:
            refresh = b.indexer.cache.refresh()
        caught.append(took.wall)
        added.append(refresh.added)
        with stopwatch() as took:
            b.indexer.cache.refresh()
        idle.append(took.wall)
    return caught, idle, added


def answers(a: Any, b: Any, questions: list[str]) -> dict[str, list[float]]:
    """Seconds per complete answer through each instance, alternating which goes first."""
    times: dict[str, list[float]] = {"A (wrote)": [], "B (caught up)": []}
    for i, question in enumerate(questions):
        order = [("A (wrote)", a), ("B (caught up)", b)]
        for label, instance in order if i % 2 == 0 else reversed(order):
            with stopwatch() as took:
                instance.ask(question).complete()
            times[label].append(took.wall)
    return times


def cold_start(url: str, work: Path, name: str, embedder: Any) -> tuple[float, float, int]:
    """A new instance's first refresh (empty cache), then a restart's (full cache); and the rows it wrote."""
    from index import build_indexer

    settings = settings_for(work / "cold", chroma_url=url, collection=name)
    with stopwatch() as first:
        refresh = build_indexer(settings, embedder).cache.refresh()
    with stopwatch() as again:
        build_indexer(settings, embedder).cache.refresh()
    return first.wall, again.wall, refresh.added


def ms(values: list[float]) -> str:
    """A table cell: median and p95 in milliseconds."""
    return f"{1000 * median(values):.0f} ms (p95 {1000 * percentile(values, 95):.0f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--port", type=int, default=18_731)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header = machine_line()
    from assistant import build_citewise
    from index import Embedder

    embedder = Embedder("sentence-transformers/all-MiniLM-L6-v2")
    with work_folder("citewise-instances-", args.keep) as work:
        say(f"writing {args.small} + {args.large} chunks")
        docs = work / "docs"
        written = {"small": write_documents(work / "chroma", docs, args.small, embedder)}
        written["large"] = write_chunks(work / "chroma", args.large)
        with chroma_server(work / "chroma", args.port) as url:
            a, b = (build_citewise(settings_for(work / n, docs, chroma_url=url, collection="small"), embedder) for n in "ab")
            say("warming up: both caches filled from the server")
            with stopwatch() as b_first:
                b.indexer.cache.refresh()
            a.sync()  # the bulk documents are unchanged: nothing is embedded
            caught, idle, added = catch_up(a, b, docs, args.rounds)
            asked = [f"How many cargo ships did the Quillmark pilots guide in week {n}?" for n in range(args.rounds)]
            times = answers(a, b, (asked * args.questions)[: args.questions])
            say("cold start on the large index")
            cold, warm, rows = cold_start(url, work, "large", embedder)
    rows_small = [
        [
            f"B's catch-up after A synced one document ({args.small:,} chunks)",
            ms(caught),
            f"{median(added):.0f} rows added; each round: {', '.join(f'{1000 * t:.0f}' for t in caught)} ms",
        ],
        ["B's check when nothing changed", ms(idle), "one lookup"],
        [f"B's first refresh, empty cache ({args.small:,} chunks)", f"{b_first.wall:.2f} s", ""],
        [f"cold start: empty cache, {args.large:,} chunks", f"{cold:.1f} s", f"{rows:,} rows written"],
        [f"restart: full cache, {args.large:,} chunks", f"{warm:.1f} s", "listing only"],
        *[[f"answer through {label}", ms(values), "extractive, reranked"] for label, values in times.items()],
    ]
    report = "\n\n".join(
        [
            f"# Several instances, one Chroma server\n\n{header}",
            markdown_table(["what", "wall time", "note"], rows_small, text=[0, 2]),
            f"Collections written with the embedded client before the server started: {written['small']:.0f} s "
            f"({args.small:,} chunks, 384 dims) and {written['large']:.0f} s ({args.large:,} chunks, 16 dims).",
        ]
    )
    print(report)
    write_result("instances.md", report)


if __name__ == "__main__":
    main()
