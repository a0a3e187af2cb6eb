"""Ingestion throughput: Citewise's ``Indexer.sync`` against the bare model and a plain llama-index pipeline.

Usage:
    .venv/bin/python bench/ingest.py [--min-chunks 2000] [--reps 3] [--small-docs 1000] [--resyncs 5] [--adds 5]

Everything runs in one process, with one loaded embedding model, in a temporary folder:

(a) ``Indexer.sync`` from an empty index over a deterministic subset of Debian's Python docs
    (``/usr/share/doc/python3.11/html/_sources``: files ordered by the SHA-256 of their path,
    taken until the index's own node builder, reading the copies as the sync does, yields at least
    ``--min-chunks`` chunks), with a breakdown of where the time goes (loading and chunking,
    embedding, Chroma, SQLite keyword index);
(b) the same chunk texts, read back from the built index in indexing order, encoded by the bare
    SentenceTransformer with the same batch size: our/bare throughput ratio (target >= 0.90);
(c) llama-index's defaults over the same files (SimpleDirectoryReader, default SentenceSplitter,
    ``VectorStoreIndex.from_documents`` into Chroma on a fresh PersistentClient), with the same
    embedding model passed as ``embed_model``; it embeds only the start of each 1024-token chunk,
    so (c2) repeats it with SentenceSplitter(chunk_size=FITTED_CHUNK), chunks the model reads whole;
(d) a corpus of ``--small-docs`` small generated documents: its first sync, then a sync with
    nothing changed (median of ``--resyncs``; target < 3 s);
(e) adding one document to that corpus: the sync, and the time to embed that document's chunks
    alone (target: sync < 2 s + that embedding time);
(f) a scaling probe: ``--scale-chunks`` synthetic chunks, built by ``index.nodes.make_node`` as the
    index stores them, and what the sync's scan and a new document's deletes cost at that size.

(a), (b) and (c) are interleaved, ``--reps`` rounds of each (ours and bare swap places every
other round), and medians are reported. The our/bare ratio is taken per round, from wall time and
from this process's CPU time, as the speed of a shared machine drifts; a token-padding count
(deterministic) and the sync's own profile separate real overhead from noise. The Markdown table
goes to stdout and bench/results/ingest.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYDOCS,
    Profile,
    Timed,
    llama_index_baseline,
    machine_line,
    markdown_table,
    median,
    pydocs_files,
    say,
    settings_for,
    spread,
    stopwatch,
    wall_times,
    work_folder,
    write_result,
)
from index import Embedder, Indexer, KeywordIndex, NodeBuilder, Store, SyncReport, build_indexer, effective_chunk_tokens
from index.chunker import Chunk
from index.loader import load
from index.nodes import keyword_row, make_node
from index.plan import walk

# Where a sync spends its time; the wrapped methods nest, so the table derives the exclusive parts.
SYNC_PROFILE: dict[str, tuple[type, str]] = {
    "scan": (Store, "documents"),
    "nodes": (Indexer, "_nodes"),
    "write": (Indexer, "_write"),
    "encode": (Embedder, "encode"),
    "chroma_add": (Store, "add"),
    "chroma_delete": (Store, "delete"),
    "chroma_delete_version": (Store, "delete_version"),
    "kw_add": (KeywordIndex, "add"),
    "kw_delete": (KeywordIndex, "delete"),
    "kw_delete_version": (KeywordIndex, "delete_version"),
    "kw_counts": (KeywordIndex, "counts"),
}
# tiktoken tokens per llama-index chunk so that, with the file metadata llama-index embeds along,
# a chunk stays within all-MiniLM-L6-v2's 256-token window.
FITTED_CHUNK = 160


@dataclass
class SyncRun:
    """One timed sync: its times, chunks embedded, and the profile of where the wall time went."""

    time: Timed
    report: SyncReport
    profile: dict[str, float]
    calls: dict[str, int]

    @property
    def seconds(self) -> float:
        return self.time.wall

    @property
    def embedded(self) -> int:
        return self.report.embedded

    @property
    def outside_model(self) -> float:
        """Wall seconds not spent in ``Embedder.encode``."""
        return self.time.wall - self.profile["encode"]


@dataclass
class Round:
    """One interleaved round of (a), (b) and (c)."""

    ours: SyncRun
    bare: Timed
    llama: Timed
    llama_chunks: int
    fitted: Timed  # llama-index with chunks cut to fit the model's window
    fitted_chunks: int


@dataclass
class Corpus:
    """The Python-docs subset of (a)-(c) and what it costs in model tokens, ours and llama-index's."""

    docs: Path
    files: int
    size: int
    texts: list[str]  # chunk texts in the order the sync embedded them
    batches: list[int]  # the sync's write batches
    tokens: dict[str, int]


# --------------------------------------------------------------------------- corpora


def python_docs_subset(embedder: Embedder, min_chunks: int, dest: Path) -> tuple[int, int]:
    """Copy Python doc sources into ``dest`` until the index's node builder makes ``min_chunks`` of them; (files, bytes).

    Chunks are counted on the copies, read as the sync will read them (``*.rst.txt``: as reStructuredText).
    """
    settings = settings_for(dest, dest)
    builder = NodeBuilder(embedder, settings.chunk_tokens, settings.chunk_overlap_sentences)
    chunks = size = 0
    for files, path in enumerate(pydocs_files(), start=1):
        target = dest / path.relative_to(PYDOCS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        chunks += len(builder.build(path.name, "0" * 64, load(target)))
        size += path.stat().st_size
        if chunks >= min_chunks:
            say(f"corpus: {files} Python doc files, {size / 1e6:.2f} MB, {chunks} chunks expected")
            return files, size
    raise SystemExit(f"the Python docs make only {chunks} chunks, fewer than {min_chunks}")


_SUBJECTS = "billing service|search cluster|mobile app|payments gateway|data warehouse|support desk|build farm|mail relay".split(
    "|"
)
_VERBS = "handled|rejected|queued|migrated|archived|reviewed|replayed|audited".split("|")
_OBJECTS = "requests|invoices|tickets|records|messages|jobs|reports|uploads".split("|")
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday".split("|")
_PEOPLE = "Ada|Grace|Linus|Barbara|Ken|Margaret|Dennis|Frances".split("|")


def small_documents(dest: Path, count: int, seed: int = 1234) -> int:
    """Write ``count`` short deterministic notes (one or two chunks each) into ``dest``; returns total bytes."""
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        subject = rng.choice(_SUBJECTS)
        lines = [f"Note {i:04d}: weekly report of the {subject}", ""]
        for _ in range(rng.randint(3, 7)):
            lines.append(
                f"On {rng.choice(_DAYS)} the {subject} {rng.choice(_VERBS)} {rng.randint(10, 99_999):,} "
                f"{rng.choice(_OBJECTS)}, {rng.randint(1, 60)} of them flagged by {rng.choice(_PEOPLE)} "
                f"for a follow-up within {rng.randint(2, 14)} days."
            )
        text = "\n".join(lines) + "\n"
        path = dest / f"notes/{i // 100:02d}/note_{i:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def documents_to_add(count: int, low: int = 6_000, high: int = 12_000) -> list[Path]:
    """``count`` mid-sized Python doc sources (a few to a dozen chunks each), chosen deterministically."""
    paths = sorted(PYDOCS.rglob("*.rst.txt"), key=lambda p: hashlib.sha256(b"add:" + p.name.encode()).digest())
    return [p for p in paths if low <= p.stat().st_size <= high][:count]


# --------------------------------------------------------------------------- measurements


def timed_sync(indexer: Indexer, docs: Path) -> SyncRun:
    """``indexer.sync(docs)`` under the profile."""
    gc.collect()
    with Profile(SYNC_PROFILE) as profile, stopwatch() as took:
        report = indexer.sync(docs)
    if report.failed:
        raise SystemExit(f"sync failed for {len(report.failed)} files: {report.failed[:3]}")
    return SyncRun(took, report, dict(profile.seconds), dict(profile.calls))


def indexed_chunks(indexer: Indexer, docs: Path) -> tuple[list[str], list[int]]:
    """Every chunk text in the index, in the order the sync embedded them (walk order, then chunk index),
    and the sizes of the write batches the sync embedded them in."""
    order = {source: i for i, (source, _) in enumerate(walk(docs, SyncReport()))}
    got = indexer.store.collection.get(include=["documents", "metadatas"])
    rows = sorted(
        zip(got["documents"], got["metadatas"], strict=True),
        key=lambda row: (order[str(row[1]["source"])], int(row[1]["chunk_index"])),
    )
    # Indexer._index flushes once the buffered documents hold at least write_batch chunks.
    per_source = Counter(str(meta["source"]) for _, meta in rows)
    batches, buffered = [], 0
    for source in sorted(per_source, key=order.__getitem__):
        buffered += per_source[source]
        if buffered >= indexer.write_batch:
            batches.append(buffered)
            buffered = 0
    return [str(text) for text, _ in rows], batches + ([buffered] if buffered else [])


def bare_encode(embedder: Embedder, texts: list[str]) -> Timed:
    """Times for the bare SentenceTransformer to encode ``texts`` as Embedder.encode would (same batch size)."""
    gc.collect()
    with stopwatch() as took:
        embedder._model.encode(
            texts, batch_size=embedder.embed_batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    return took


def llama_index_pipeline(embedder: Embedder, docs: Path, work: Path, chunk_size: int | None = None) -> tuple[Timed, int]:
    """llama-index's defaults over ``docs`` into a fresh Chroma in ``work`` (removed after); (times, chunks stored)."""
    _, collection, took = llama_index_baseline(docs, work / "chroma", embedder, chunk_size=chunk_size)
    chunks = int(collection.count())
    shutil.rmtree(work, ignore_errors=True)
    return took, chunks


def padded_tokens(embedder: Embedder, texts: list[str], calls: list[int], *, by_tokens: bool) -> int:
    """Tokens the model computes over when ``texts`` are encoded in calls of the given sizes.

    SentenceTransformer.encode sorts each call's texts by character length and pads each batch to
    its longest member; ``by_tokens`` models sorting by token count instead.
    """
    tokenizer = embedder._model.tokenizer
    total, start = 0, 0
    for size in calls:
        call = texts[start : start + size]
        start += size
        lengths = sorted(
            ((len(t), min(len(tokenizer.encode(t)), embedder.max_tokens)) for t in call),
            key=lambda pair: -pair[1 if by_tokens else 0],
        )
        for first in range(0, len(lengths), embedder.embed_batch_size):
            batch = lengths[first : first + embedder.embed_batch_size]
            total += len(batch) * max(tokens for _, tokens in batch)
    return total


def count_tokens(embedder: Embedder, corpus: Corpus) -> dict[str, int]:
    """Model tokens of our chunks (real and as padded) and of llama-index's default chunks (read, whole, padded)."""
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    say("counting tokens and padding ...")
    texts, batches = corpus.texts, corpus.batches
    documents = SimpleDirectoryReader(str(corpus.docs), recursive=True, required_exts=[".txt"]).load_data()
    nodes = SentenceSplitter().get_nodes_from_documents(documents)
    embedded = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    return {
        "ours": sum(embedder.count_tokens(t) for t in texts),
        "real": sum(min(len(embedder._model.tokenizer.encode(t)), embedder.max_tokens) for t in texts),
        "pad_bare": padded_tokens(embedder, texts, [len(texts)], by_tokens=False),
        "pad_chars": padded_tokens(embedder, texts, batches, by_tokens=False),
        "pad_ours": padded_tokens(embedder, texts, batches, by_tokens=True),
        "corpus": sum(embedder.count_tokens(load(p).text) for p in sorted(corpus.docs.rglob("*.txt"))),
        "llama_nodes": len(nodes),
        "llama_read": sum(min(embedder.count_tokens(t), embedder.max_tokens - 2) for t in embedded),
        "llama_text": sum(embedder.count_tokens(n.get_content(metadata_mode=MetadataMode.NONE)) for n in nodes),
        "llama_padded": padded_tokens(embedder, embedded, [len(embedded)], by_tokens=False),
    }


def measure_rounds(embedder: Embedder, work: Path, args: argparse.Namespace) -> tuple[Corpus, list[Round]]:
    """(a), (b), (c) and (c2), interleaved over ``--reps`` rounds; ours and bare swap places every other round."""
    docs = work / "pydocs"
    files, size = python_docs_subset(embedder, args.min_chunks, docs)
    rounds: list[Round] = []
    texts: list[str] = []
    batches: list[int] = []
    for rep in range(args.reps):
        tag = f"[round {rep + 1}/{args.reps}]"
        indexer = build_indexer(settings_for(work / f"ours-{rep}", docs), embedder)
        bare_first = rep % 2 == 1 and bool(texts)
        if bare_first:
            bare = timed_bare(embedder, texts, f"{tag} (b) bare SentenceTransformer.encode of the {len(texts)} indexed texts")
        say(f"{tag} (a) Indexer.sync from empty ...")
        run = timed_sync(indexer, docs)
        say(
            f"  {run.embedded} chunks in {run.seconds:.1f} s ({run.embedded / run.seconds:.1f}/s), "
            f"{run.time.cpu:.1f} s CPU; {breakdown(run)}"
        )
        if not texts:
            texts, batches = indexed_chunks(indexer, docs)
        if not bare_first:
            bare = timed_bare(embedder, texts, f"{tag} (b) bare SentenceTransformer.encode of the same {len(texts)} texts")
        say(f"  ours/bare: wall {bare.wall / run.seconds:.3f}, CPU {bare.cpu / run.time.cpu:.3f}")
        say(f"{tag} (c) llama-index from_documents ...")
        llama, llama_chunks = llama_index_pipeline(embedder, docs, work / f"llama-{rep}")
        say(f"  {llama_chunks} chunks in {llama.wall:.1f} s, {llama.cpu:.1f} s CPU")
        say(f"{tag} (c2) llama-index from_documents, SentenceSplitter(chunk_size={FITTED_CHUNK}) ...")
        fitted, fitted_chunks = llama_index_pipeline(embedder, docs, work / f"llama-fit-{rep}", FITTED_CHUNK)
        say(f"  {fitted_chunks} chunks in {fitted.wall:.1f} s, {fitted.cpu:.1f} s CPU")
        rounds.append(Round(run, bare, llama, llama_chunks, fitted, fitted_chunks))
        indexer.keywords.close()
    corpus = Corpus(docs, files, size, texts, batches, {})
    corpus.tokens = count_tokens(embedder, corpus)
    return corpus, rounds


def timed_bare(embedder: Embedder, texts: list[str], label: str) -> Timed:
    say(f"{label} ...")
    bare = bare_encode(embedder, texts)
    say(f"  {bare.wall:.1f} s wall, {bare.cpu:.1f} s CPU")
    return bare


@dataclass
class Small:
    """(d) and (e): the small-documents corpus's first sync, its no-change re-syncs and one-document additions."""

    bytes: int
    first: SyncRun
    bare: Timed
    resyncs: list[SyncRun]
    adds: list[SyncRun]
    add_embed: list[float]  # seconds to embed each added document's chunks alone
    add_chunks: list[int]


def measure_small(embedder: Embedder, work: Path, args: argparse.Namespace) -> Small:
    small = work / "small"
    size = small_documents(small, args.small_docs)
    indexer = build_indexer(settings_for(work / "small-index", small), embedder)
    say(f"(d) first sync of {args.small_docs} small documents ...")
    first = timed_sync(indexer, small)
    say(f"  {first.embedded} chunks in {first.seconds:.1f} s, {first.time.cpu:.1f} s CPU; {breakdown(first)}")
    bare = bare_encode(embedder, indexed_chunks(indexer, small)[0])
    say(f"  bare encode of the same texts: {bare.wall:.1f} s, {bare.cpu:.1f} s CPU")
    result = Small(size, first, bare, [], [], [], [])
    for i in range(args.resyncs):
        run = timed_sync(indexer, small)
        if run.embedded or len(run.report.unchanged) != args.small_docs:
            raise SystemExit(f"no-change sync changed something: {run.report.summary()}")
        result.resyncs.append(run)
        say(f"(d) no-change re-sync {i + 1}/{args.resyncs}: {run.seconds:.3f} s")
    for path in documents_to_add(args.adds):
        source = f"added/{path.name}"
        target = small / source
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        run = timed_sync(indexer, small)
        if run.report.added != [source]:
            raise SystemExit(f"adding {source} did not add exactly it: {run.report.summary()}")
        got = indexer.store.collection.get(where={"source": source}, include=["documents", "metadatas"])
        texts = [
            str(text)
            for text, _ in sorted(zip(got["documents"], got["metadatas"], strict=True), key=lambda r: int(r[1]["chunk_index"]))
        ]
        result.add_embed.append(median(wall_times(partial(embedder.encode, texts), 3)))
        result.add_chunks.append(len(texts))
        result.adds.append(run)
        say(
            f"(e) add {source} ({len(texts)} chunks): sync {run.seconds:.3f} s "
            f"(outside the model {run.outside_model:.3f} s), its embedding alone {result.add_embed[-1]:.3f} s"
        )
        target.unlink()
        indexer.sync(small)
    indexer.keywords.close()
    return result


def scaling_probe(embedder: Embedder, work: Path, chunks: int, per_doc: int = 20) -> dict[str, float]:
    """Costs that grow with the index, on ``chunks`` synthetic chunks stored as the index stores them (``make_node``).

    Random unit vectors stand in for embeddings (the model is not involved). Returns seconds for
    Store.documents() (the sync's scan), an ids-only listing, KeywordIndex.counts(), and the four
    deletes Indexer._write runs for a document that is not in the index yet (Chroma and FTS apart).
    """
    say(f"(f) scaling probe with {chunks} synthetic chunks ...")
    indexer = build_indexer(settings_for(work / "scale-index", work), embedder)
    rng = np.random.default_rng(0)
    words = "index chunk vector store keyword python module function class return value error".split()
    digest = hashlib.sha256(b"scale").hexdigest()
    for start in range(0, chunks, 5000):
        nodes = []
        for i in range(start, min(start + 5000, chunks)):
            text = " ".join(rng.choice(words, 140))
            node = make_node(
                f"scale/doc_{i // per_doc:06d}.txt",
                digest,
                f"Document {i // per_doc}",
                Chunk(i % per_doc, 0, len(text), text),
                per_doc,
            )
            vector = rng.normal(size=embedder.dimensions)
            node.embedding = (vector / np.linalg.norm(vector)).tolist()
            nodes.append(node)
        indexer.store.add(nodes)
        indexer.keywords.add(keyword_row(n) for n in nodes)
        say(f"  scaling probe: {min(start + 5000, chunks)}/{chunks} chunks stored")
    result = {
        "documents": median(wall_times(indexer.store.documents, 3)),
        "ids_only": median(wall_times(lambda: indexer.store.collection.get(include=[]), 3)),
        "kw_counts": median(wall_times(indexer.keywords.counts, 3)),
    }
    for key, stores in (("chroma_deletes", indexer.store), ("fts_deletes", indexer.keywords)):
        with stopwatch() as took:
            for k in range(20):
                stores.delete_version(f"new/{k}.txt", digest)
                stores.delete(f"new/{k}.txt", keep_hash=digest)
        result[key] = took.wall / 20
    indexer.keywords.close()
    say(f"  {result}")
    return result


# --------------------------------------------------------------------------- report


def breakdown(run: SyncRun) -> str:
    """Exclusive wall seconds per part of one sync."""
    p = run.profile
    chroma_del = p["chroma_delete"] + p["chroma_delete_version"]
    kw_del = p["kw_delete"] + p["kw_delete_version"]
    parts = [
        ("encode", p["encode"]),
        ("load+chunk", p["nodes"]),
        ("Chroma add", p["chroma_add"]),
        (f"Chroma deletes ({run.calls['chroma_delete'] + run.calls['chroma_delete_version']} calls)", chroma_del),
        ("FTS add", p["kw_add"]),
        (f"FTS deletes ({run.calls['kw_delete'] + run.calls['kw_delete_version']} calls)", kw_del),
        ("store scan", p["scan"] + p["kw_counts"]),
        ("rest of _write", p["write"] - p["encode"] - p["chroma_add"] - chroma_del - p["kw_add"] - kw_del),
        ("walk+hash+rest", run.seconds - p["scan"] - p["kw_counts"] - p["nodes"] - p["write"]),
    ]
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in parts)


def median_run(runs: list[SyncRun]) -> SyncRun:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ratios(values: list[float], digits: int = 3) -> str:
    return ", ".join(f"{x:.{digits}f}" for x in values)


def round_rows(corpus: Corpus, rounds: list[Round], embedder: Embedder, chunk_tokens: int) -> list[list[str]]:
    """The (a)-(c) rows."""
    t = corpus.tokens
    ours = [r.ours.seconds for r in rounds]
    ours_cpu = [r.ours.time.cpu for r in rounds]
    bare_wall = [r.bare.wall for r in rounds]
    wall_ratio = [r.bare.wall / r.ours.seconds for r in rounds]
    cpu_ratio = [r.bare.cpu / r.ours.time.cpu for r in rounds]
    share = median([r.ours.outside_model / r.ours.seconds for r in rounds])
    llama, llama_cpu = [r.llama.wall for r in rounds], [r.llama.cpu for r in rounds]
    speedups = [r.llama.wall / r.ours.seconds for r in rounds]
    fitted = [r.fitted.wall / r.ours.seconds for r in rounds]
    chunks = rounds[0].ours.embedded

    def pct(tokens: int) -> str:
        return f"{tokens:,} (+{tokens / t['real'] - 1:.1%})"

    return [
        [
            "Corpus (a)-(c)",
            f"{corpus.files} files from {PYDOCS} ({corpus.size / 1e6:.2f} MB, {t['corpus']:,} model tokens)",
            f"{chunks} chunks (Citewise chunker, {effective_chunk_tokens(embedder, chunk_tokens)} tokens max, "
            f"{len(corpus.batches)} write batches)",
            "",
        ],
        ["(a) `Indexer.sync` from empty", spread(ours), f"{median([chunks / s for s in ours]):.1f} chunks/s", ""],
        ["(a) where the median sync's wall time went (s)", breakdown(median_run([r.ours for r in rounds])), "", ""],
        [
            "(a) sync time outside the model (sync - `Embedder.encode`)",
            spread([r.ours.outside_model for r in rounds]),
            f"{share:.1%} of the sync",
            "",
        ],
        [
            "(b) bare `SentenceTransformer.encode`, same texts in index order, batch 64",
            spread(bare_wall),
            f"{median([chunks / s for s in bare_wall]):.1f} chunks/s",
            "",
        ],
        [
            "(b) ours/bare throughput, wall time, per round",
            ratios(wall_ratio),
            f"median **{median(wall_ratio):.3f}**",
            f">= 0.90: {verdict(median(wall_ratio) >= 0.90)}",
        ],
        ["(b) ours/bare throughput, CPU time, per round", ratios(cpu_ratio), f"median {median(cpu_ratio):.3f}", ""],
        [
            "(b) tokens the model computes over (incl. padding)",
            f"bare (sorted by characters): {pct(t['pad_bare'])}; ours (write batches sorted by tokens): {pct(t['pad_ours'])}",
            f"ours if write batches were sorted by characters: {pct(t['pad_chars'])}",
            f"ours/bare expected from padding and profile: {t['pad_bare'] / t['pad_ours'] * (1 - share):.3f}",
        ],
        [
            "(c) llama-index defaults (SimpleDirectoryReader + from_documents, Chroma)",
            spread(llama),
            f"{rounds[0].llama_chunks} chunks, {median([rounds[0].llama_chunks / s for s in llama]):.1f} chunks/s",
            "",
        ],
        [
            "(c) llama-index time / ours, per round (>1: ours is faster)",
            f"wall: {ratios(speedups, 2)}; CPU: {ratios([r.llama.cpu / r.ours.time.cpu for r in rounds], 2)}",
            f"median wall {median(speedups):.2f}x, CPU {median([r.llama.cpu / r.ours.time.cpu for r in rounds]):.2f}x "
            f"(CPU s: ours {median(ours_cpu):.1f}, llama-index {median(llama_cpu):.1f})",
            "ours is faster" if median(speedups) > 1 else "llama-index is faster (it embeds far fewer tokens)",
        ],
        [
            f"(c2) llama-index with chunks that fit the model (SentenceSplitter(chunk_size={FITTED_CHUNK}))",
            spread([r.fitted.wall for r in rounds]),
            f"{rounds[0].fitted_chunks} chunks; time / ours, per round: {ratios(fitted, 2)}",
            f"median {median(fitted):.2f}x" + (" (ours is faster)" if median(fitted) > 1 else ""),
        ],
        [
            "(c) model tokens embedded",
            f"ours {t['ours']:,} in {chunks} chunks",
            f"llama-index {t['llama_read']:,} of its {t['llama_text']:,} chunk-text tokens in {t['llama_nodes']} chunks "
            f"({t['llama_read'] / t['llama_text']:.0%}; the rest lies beyond the model's {embedder.max_tokens}-token window); "
            f"{t['llama_padded']:,} incl. padding",
            f"tokens per wall s: ours {t['ours'] / median(ours):.0f}, llama-index {t['llama_read'] / median(llama):.0f}; "
            f"per CPU s: ours {t['ours'] / median(ours_cpu):.0f}, llama-index {t['llama_read'] / median(llama_cpu):.0f}",
        ],
    ]


def small_rows(small: Small, docs: int) -> list[list[str]]:
    """The (d) and (e) rows."""
    first, bare = small.first, small.bare
    resync = [r.seconds for r in small.resyncs]
    add_sync = [r.seconds for r in small.adds]
    add_outside = [r.outside_model for r in small.adds]
    add_minus = [s - e for s, e in zip(add_sync, small.add_embed, strict=True)]
    return [
        [
            f"(d) first sync of {docs} small docs",
            f"{first.seconds:.2f} s ({first.time.cpu:.1f} s CPU)",
            f"{first.embedded} chunks, {first.embedded / first.seconds:.1f} chunks/s; "
            f"bare encode {bare.wall:.2f} s ({bare.cpu:.1f} s CPU); "
            f"ours/bare wall {bare.wall / first.seconds:.3f}, CPU {bare.cpu / first.time.cpu:.3f}",
            f"outside the model {first.outside_model:.2f} s ({first.outside_model / first.seconds:.1%})",
        ],
        ["(d) where that sync's wall time went (s)", breakdown(first), "", ""],
        [
            f"(d) no-change re-sync of {docs} docs",
            spread(resync, digits=3),
            breakdown(median_run(small.resyncs)),
            f"< 3 s: {verdict(median(resync) < 3)}",
        ],
        [
            "(e) add one document: sync",
            spread(add_sync, digits=3),
            f"{min(small.add_chunks)}-{max(small.add_chunks)} chunks per document; {breakdown(median_run(small.adds))}",
            "",
        ],
        ["(e) add one document: embedding its chunks alone (`Embedder.encode`)", spread(small.add_embed, digits=3), "", ""],
        [
            "(e) add one document: sync minus that embedding",
            spread(add_minus, digits=3),
            f"from the profile (sync - encode inside it): {spread(add_outside, digits=3)}",
            f"< 2 s: {verdict(max(median(add_minus), median(add_outside)) < 2)}",
        ],
    ]


def scale_row(scale: dict[str, float], chunks: int) -> list[str]:
    """The (f) row."""
    return [
        f"(f) scaling probe: {chunks:,} stored chunks ({chunks // 20:,} docs of 20)",
        f"`Store.documents()` (the sync's scan) {scale['documents']:.2f} s; ids only {scale['ids_only']:.2f} s; "
        f"`KeywordIndex.counts()` {scale['kw_counts']:.3f} s",
        f"per new document, the deletes `_write` runs before and after adding it: "
        f"Chroma {scale['chroma_deletes'] * 1000:.1f} ms, FTS {scale['fts_deletes'] * 1000:.1f} ms",
        "grows with the index size",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-chunks", type=int, default=2000, help="chunks the Python-docs corpus must make")
    parser.add_argument("--reps", type=int, default=3, help="interleaved rounds of (a), (b), (c)")
    parser.add_argument("--small-docs", type=int, default=1000, help="documents in the re-sync corpus")
    parser.add_argument("--resyncs", type=int, default=5, help="timed no-change syncs")
    parser.add_argument("--adds", type=int, default=5, help="timed one-document additions")
    parser.add_argument("--scale-chunks", type=int, default=20_000, help="synthetic chunks for the scaling probe (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    header = machine_line()
    say(header)
    with work_folder("citewise-ingest-", args.keep) as work:
        base = settings_for(work / "unused", work / "unused")
        with stopwatch() as load_took:
            embedder = Embedder(base.embed_model, batch_size=base.embed_batch_size)
        say(f"model {base.embed_model} loaded in {load_took.wall:.1f} s; batch size {embedder.embed_batch_size}")
        embedder.encode(["warm-up sentence"] * 8)
        corpus, rounds = measure_rounds(embedder, work, args)
        small = measure_small(embedder, work, args)
        rows = round_rows(corpus, rounds, embedder, base.chunk_tokens) + small_rows(small, args.small_docs)
        if args.scale_chunks:
            rows.append(scale_row(scaling_probe(embedder, work, args.scale_chunks), args.scale_chunks))
    text = "\n\n".join(
        [
            "# Ingestion benchmark",
            header,
            f"Model {base.embed_model} (loaded in {load_took.wall:.1f} s), embed batch {embedder.embed_batch_size}, "
            f"write batch {base.write_batch}; {args.reps} interleaved rounds of (a)-(c); "
            f"small corpus {args.small_docs} docs ({small.bytes / 1e3:.0f} kB); "
            f"script ran {(time.perf_counter() - began) / 60:.1f} min.",
            markdown_table(["Measurement", "Time", "Throughput / detail", "Target / note"], rows),
        ]
    )
    print(text)
    say(f"written to {write_result('ingest.md', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
