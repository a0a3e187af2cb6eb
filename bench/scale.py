"""Query latency, memory and disk size of Citewise's index at 1k, 10k and 100k chunks.

Usage:
    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--queries 30] [--warmup 5] [--pool 4000] [--rebuild]

The corpus
    Real English prose, synthetic arrangement. Sentences come from Debian's Python documentation
    (``/usr/share/doc/python3.11/html/_sources``, reST markup stripped, prose paragraphs only),
    so BM25 sees a real technical vocabulary: many words ("function", "object", "module") match a
    large share of the chunks, as in a real library of manuals.

    * ``--pool`` *base* chunks: 4-8 consecutive sentences (<= 800 characters, about what the
      200-token chunker cuts), embedded once with the real model (all-MiniLM-L6-v2) and cached.
    * Every further chunk is a *variant* of a random base chunk: each sentence is swapped for a
      random sentence from the whole documentation with probability 0.4, and its vector is the
      base vector plus Gaussian noise (sigma 0.032 per dimension, cosine to the base about 0.85),
      re-normalised. Embedding 100k chunks for real would take about an hour on this CPU, and
      the model's speed is not what is measured; this keeps each chunk's vector close to what its
      text would get and gives the HNSW graph clusters rather than uniform random points.
    * Chunk i is the same in every size, so the 1k index is the first 1000 chunks of the 10k one,
      which is the first 10k of the 100k one; all chunks of the 1k index are base chunks. Chunks
      are grouped into documents of 10 (``scale/docNNNNN.txt``).

    The indexes are written through the project's own ``Store.add`` (TextNodes with embeddings,
    through llama-index's ChromaVectorStore) and ``KeywordIndex.add``, their nodes and rows made by
    ``index.nodes`` as ``Indexer._nodes`` makes them, and opened by ``build_citewise`` like the app does. They are
    cached under ``bench/.cache/scale-*`` (git-ignored); ``--rebuild`` starts over.

The measurement
    Latency: one process opens every size with ``build_citewise`` (the packaged embedding model
    and reranker, as the app does), then runs ``--warmup`` queries and ``--queries`` measured
    queries, each on every size in turn, the order rotating: other load on the machine then falls
    on all sizes alike, which keeps the growth ratios fair on a shared CPU. Each query targets a
    sentence of one of the first 1000 chunks (the same queries at every size), e.g. "What does the
    documentation say about <4-6 content words of it>?". For each query and size, in this order:

    * retrieval without rerank: ``Retriever.search`` with ``rerank=False`` (query embedding, Chroma
      HNSW query through llama-index, BM25 over SQLite FTS5 in parallel with both (see
      ``KeywordIndex.search``: at most about 5,000 rows are scored), fetching keyword-only hits from
      Chroma by id, reciprocal rank fusion), with a per-stage breakdown;
    * retrieval with rerank: ``Retriever.search`` with the defaults (the above plus the
      cross-encoder over the fused candidates);
    * full answer: ``Assistant.ask(...).complete()`` (extractive answer, the default backend).

    Memory: per size, a separate process opens that index alone and asks the warm-up queries (all
    three kinds); peak RSS is its high-water mark (VmHWM). Disk is the allocated size of the
    Chroma folder and of the keyword index's SQLite files. "Cold 1st query" is the first retrieval
    on a freshly opened index (models already warm): Chroma loading its HNSW segment. The Markdown goes to stdout and
    bench/results/scale.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CACHE,
    REPO,
    Profile,
    load_average,
    machine_line,
    markdown_table,
    median,
    percentile,
    pydocs_files,
    say,
    settings_for,
    write_result,
)
from bench.corpus import ADORNMENT, LITERAL, WHITESPACE

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
VERSION = "scale-v1"  # bump when the corpus or the build changes, so cached indexes are rebuilt
SIZES = (1_000, 10_000, 100_000)
CHUNKS_PER_DOC = 10
MAX_CHUNK_CHARS = 800
SWAP_PROBABILITY = 0.4
NOISE_SIGMA = 0.032
BUILD_BATCH = 5_000
QUERY_TARGETS = 1_000  # queries target chunks below this index, present in every size
TEMPLATES = ("What does the documentation say about {}?", "How does {} work?", "Explain {}.")
KINDS = {"plain": "retrieval, no rerank", "rerank": "retrieval + rerank", "answer": "full answer"}

_DIRECTIVE = re.compile(r"^\s*\.\.\s")
_ROLE = re.compile(r":[\w:.-]+:`~?!?([^`<]*?)(?:\s*<[^`]*>)?`")
_LINK = re.compile(r"`([^`<]*?)\s*<[^`]*>`_+")
_MARKUP = re.compile(r"[*`|]+|_+(?=\s|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{2,}")


# --------------------------------------------------------------------------- corpus


def prose_paragraphs(text: str) -> list[str]:
    """The unindented prose paragraphs of a reST file: no directives, code blocks, tables or headings."""
    paragraphs: list[str] = []
    current: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        underline = i + 1 < len(lines) and ADORNMENT.match(lines[i + 1])
        if not line.strip() or line[0].isspace() or _DIRECTIVE.match(line) or ADORNMENT.match(line) or underline:
            if current:
                paragraphs.append(" ".join(current))
            current = []
            continue
        current.append(line.strip())
    return paragraphs + ([" ".join(current)] if current else [])


def clean(text: str) -> str:
    text = LITERAL.sub(r"\1", _LINK.sub(r"\1", _ROLE.sub(r"\1", text)))
    return WHITESPACE.sub(" ", _MARKUP.sub("", text)).strip()


def load_sentences() -> list[list[str]]:
    """Prose sentences of the Python documentation, grouped by file, files in a fixed order."""
    from index.sentences import split_sentences

    grouped = []
    for path in pydocs_files():
        sentences = []
        for paragraph in map(clean, prose_paragraphs(path.read_text("utf-8-sig"))):
            for span in split_sentences(paragraph):
                sentence = paragraph[span.start : span.end]
                words = sentence.split()
                if 6 <= len(words) <= 60 and len(_WORD.findall(sentence)) >= 0.6 * len(words) and sentence[-1] in ".?!:":
                    sentences.append(sentence)
        if sentences:
            grouped.append(sentences)
    return grouped


def base_chunks(grouped: list[list[str]], count: int) -> list[list[str]]:
    """``count`` chunks of 4-8 consecutive sentences of one file (at most MAX_CHUNK_CHARS), in a shuffled order."""
    rng = random.Random(20240501)
    chunks = []
    for sentences in grouped:
        i = 0
        while i < len(sentences):
            want = rng.randint(4, 8)
            chunk: list[str] = []
            while (
                i < len(sentences) and len(chunk) < want and sum(len(s) + 1 for s in chunk) + len(sentences[i]) <= MAX_CHUNK_CHARS
            ):
                chunk.append(sentences[i])
                i += 1
            if not chunk:  # one sentence longer than a chunk
                i += 1
            elif len(chunk) >= 3:
                chunks.append(chunk)
    rng.shuffle(chunks)
    if len(chunks) < count:
        raise SystemExit(f"only {len(chunks)} base chunks in the documentation, {count} asked for")
    return chunks[:count]


class Corpus:
    """Chunk i's text and vector, the same in every size (see the module docstring)."""

    def __init__(self, pool_size: int, embedder: Any) -> None:
        import numpy as np

        grouped = load_sentences()
        self.sentences = [s for group in grouped for s in group]
        self.bases = base_chunks(grouped, pool_size)
        texts = [" ".join(chunk) for chunk in self.bases]
        digest = hashlib.sha256(VERSION.encode() + embedder.model_name.encode())
        for text in texts:
            digest.update(hashlib.sha256(text.encode()).digest())
        self.root = CACHE / f"{VERSION}-{digest.hexdigest()[:16]}"
        pool_path = self.root / "pool.npy"
        if pool_path.is_file():
            self.vectors = np.load(pool_path)
        else:
            say(f"embedding {len(texts)} base chunks with {embedder.model_name} (once; cached in {self.root})")
            began = time.perf_counter()
            self.vectors = embedder.encode(texts)
            say(f"  {len(texts) / (time.perf_counter() - began):.1f} chunks/s")
            pool_path.parent.mkdir(parents=True, exist_ok=True)
            np.save(pool_path, self.vectors)

    def size_dir(self, size: int) -> Path:
        return self.root / f"n{size}"

    def chunk(self, i: int) -> tuple[str, Any]:
        import numpy as np

        if i < len(self.bases):
            return " ".join(self.bases[i]), self.vectors[i]
        rng = random.Random(i)
        base = rng.randrange(len(self.bases))
        sentences = [rng.choice(self.sentences) if rng.random() < SWAP_PROBABILITY else sentence for sentence in self.bases[base]]
        noise = np.random.default_rng(i).normal(0.0, NOISE_SIGMA, self.vectors.shape[1]).astype(np.float32)
        vector = self.vectors[base] + noise
        return " ".join(sentences), vector / np.linalg.norm(vector)


def queries(corpus: Corpus, count: int) -> list[str]:
    """Questions about sentences of the first QUERY_TARGETS chunks, the same at every size."""
    from index.text import content_words

    rng = random.Random(7)
    found: list[str] = []
    while len(found) < count:
        sentence = rng.choice(corpus.bases[rng.randrange(min(QUERY_TARGETS, len(corpus.bases)))])
        words = [w for w in content_words(sentence) if _WORD.fullmatch(w) and len(w) > 3]
        if len(words) < 4:
            continue
        start = rng.randrange(0, len(words) - 3)
        picked = words[start : start + rng.randint(4, 6)]
        query = rng.choice(TEMPLATES).format(" ".join(picked))
        if query not in found:
            found.append(query)
    return found


# --------------------------------------------------------------------------- build


def build(corpus: Corpus, size: int, embedder: Any) -> dict[str, Any]:
    """Write chunks 0..size-1 into a fresh store and keyword index, with the nodes and rows the index makes (``index.nodes``)."""
    from index import build_indexer
    from index.chunker import Chunk
    from index.nodes import keyword_row, make_node

    target = corpus.size_dir(size)
    shutil.rmtree(target, ignore_errors=True)
    indexer = build_indexer(settings_for(target, llm="extractive"), embedder)  # the store and keyword index the app opens
    seconds = {"make": 0.0, "chroma": 0.0, "keywords": 0.0}
    began = time.perf_counter()
    offsets: dict[int, int] = {}
    for start in range(0, size, BUILD_BATCH):
        t0 = time.perf_counter()
        nodes = []
        for i in range(start, min(size, start + BUILD_BATCH)):
            text, vector = corpus.chunk(i)
            doc, index = divmod(i, CHUNKS_PER_DOC)
            start_char = offsets.get(doc, 0)
            offsets[doc] = start_char + len(text) + 2
            content_hash = hashlib.sha256(f"{VERSION}:{doc}".encode()).hexdigest()
            chunk = Chunk(index=index, start=start_char, end=start_char + len(text), text=text)
            nodes.append(make_node(f"scale/doc{doc:05d}.txt", content_hash, f"Synthetic document {doc}", chunk, CHUNKS_PER_DOC))
            nodes[-1].embedding = vector.tolist()
        rows = [keyword_row(node) for node in nodes]
        t1 = time.perf_counter()
        indexer.store.add(nodes)
        t2 = time.perf_counter()
        indexer.keywords.add(rows)
        t3 = time.perf_counter()
        seconds["make"] += t1 - t0
        seconds["chroma"] += t2 - t1
        seconds["keywords"] += t3 - t2
        done = min(size, start + BUILD_BATCH)
        say(f"  n={size}: {done} chunks written ({done / (time.perf_counter() - began):.0f}/s)")
    assert indexer.store.count() == size, (indexer.store.count(), size)
    indexer.keywords.close()
    stats = {"size": size, "build_s": time.perf_counter() - began, "build_parts_s": seconds, "build_peak_rss_mb": rss_mb("VmHWM")}
    (target / "complete.json").write_text(json.dumps(stats))
    return stats


# --------------------------------------------------------------------------- measure


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS) or its high-water mark (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_usage(data_dir: Path) -> dict[str, float]:
    """Allocated sizes in MB (like ``du``) of Chroma's SQLite file, its whole folder, and the keyword index."""

    def disk_mb(paths: list[Path]) -> float:
        return sum(p.stat().st_blocks * 512 for p in paths if p.is_file()) / 1e6

    return {
        "chroma_sqlite": disk_mb([data_dir / "chroma" / "chroma.sqlite3"]),
        "chroma_total": disk_mb(list((data_dir / "chroma").rglob("*"))),
        "keywords": disk_mb(list(data_dir.glob("citewise.keywords.sqlite*"))),
    }


def open_size(data_dir: Path, size: int, embedder: Any = None) -> Any:
    """The app's wiring (``build_citewise``) over one cached index."""
    from assistant import build_citewise

    citewise = build_citewise(settings_for(data_dir, llm="extractive"), embedder=embedder)
    assert citewise.indexer.store.count() == size, (citewise.indexer.store.count(), size)
    assert citewise.assistant.retriever.defaults.rerank, "the packaged reranker did not load"
    return citewise


def measure_memory(data_dir: Path, size: int, asked: list[str]) -> dict[str, Any]:
    """RSS of a process that opens one index as the app does and answers ``asked`` (all three kinds)."""
    began = time.perf_counter()
    citewise = open_size(data_dir, size)
    result: dict[str, Any] = {"size": size, "load_s": time.perf_counter() - began, "rss_models_mb": rss_mb()}
    retriever = citewise.assistant.retriever
    for query in asked:
        retriever.search(query, replace(retriever.defaults, rerank=False))
        retriever.search(query)
        citewise.assistant.ask(query).complete()
    return result | {"peak_rss_mb": rss_mb("VmHWM"), "rss_end_mb": rss_mb(), "disk_mb": disk_usage(data_dir)}


def measure_latency(dirs: dict[int, Path], asked: list[str], warmup: int) -> dict[int, dict[str, Any]]:
    """Per size: latencies of the three kinds of query, and the stages of retrieval without rerank.

    Every size is open in this one process and each query runs on all of them in turn (the
    order rotating from query to query), so load from other processes on this machine falls
    on every size alike and the growth ratios stay fair. ``asked``: warm-up queries first.
    """
    from chromadb.api.models.Collection import Collection

    from index import Embedder, KeywordIndex

    stages = {
        "embed": (Embedder, "encode"),
        "chroma_query": (Collection, "query"),
        "fts5": (KeywordIndex, "search"),
        "chroma_get": (Collection, "get"),
    }
    opened: dict[int, Any] = {}
    embedder: Any = None
    for size, data_dir in dirs.items():
        opened[size] = open_size(data_dir, size, embedder)
        embedder = opened[size].indexer.embedder  # one model for all, as the sizes take turns
    results: dict[int, dict[str, Any]] = {
        size: {
            "size": size,
            "latencies": {kind: [] for kind in KINDS},
            "breakdown": {k: [] for k in (*stages, "dense", "bm25", "bm25_fetch", "total")},
            "fts_matching_rows": [],
            "fts_scored_rows": [],
            "keyword_only_hits": [],
            "answered": 0,
            "queries": len(asked) - warmup,
        }
        for size in dirs
    }
    # The models' first calls are slow; pay them here, so a size's first query shows its index's cold start.
    embedder.encode(["warm up"])
    opened[next(iter(dirs))].assistant.retriever.reranker.score("warm up", ["a passage"])
    sizes = list(dirs)
    for n, query in enumerate(asked):
        for size in sizes[n % len(sizes) :] + sizes[: n % len(sizes)]:
            ask_one(opened[size].assistant, query, results[size], stages, measured=n >= warmup)
        if n >= warmup:
            last = {size: f"{1000 * results[size]['latencies']['plain'][-1]:.0f}" for size in sizes}
            say(f"  query {n - warmup + 1}/{len(asked) - warmup}: no-rerank ms {last}")
    return results


def ask_one(assistant: Any, query: str, out: dict[str, Any], stages: dict[str, tuple[type, str]], *, measured: bool) -> None:
    """One query of each kind on one size, recorded in ``out`` when ``measured``."""
    retriever = assistant.retriever
    with Profile(stages) as profile:
        t0 = time.perf_counter()
        retrieval = retriever.search(query, replace(retriever.defaults, rerank=False))
        t1 = time.perf_counter()
    out.setdefault("cold_first_retrieval_s", t1 - t0)
    retriever.search(query)
    t2 = time.perf_counter()
    answer = assistant.ask(query).complete()
    t3 = time.perf_counter()
    if not measured:
        return
    for kind, seconds in zip(KINDS, (t1 - t0, t2 - t1, t3 - t2), strict=True):
        out["latencies"][kind].append(seconds)
    out["answered"] += not answer.refused
    breakdown = out["breakdown"]
    for stage in stages:
        breakdown[stage].append(profile.seconds[stage])
    for key, timing in (("dense", "dense"), ("bm25", "bm25"), ("bm25_fetch", "bm25 fetch")):
        breakdown[key].append(retrieval.timings.get(timing, 0.0))
    breakdown["total"].append(t1 - t0)
    out["keyword_only_hits"].append(sum(p.scores.get("dense") is None for p in retrieval.passages))
    out["fts_matching_rows"].append(fts_matches(retriever.keywords, query))
    out["fts_scored_rows"].append(retriever.keywords.plan(query, retriever.defaults.candidates).rows)


def fts_matches(keywords: Any, query: str) -> int:
    """How many rows match any word of the query (what a plain OR query would score)."""
    from index.text import query_terms

    match = " OR ".join('"' + term.replace('"', "") + '"' for term in query_terms(query))
    return int(keywords._db.execute("SELECT count(*) FROM chunks WHERE chunks MATCH ?", [match]).fetchone()[0])


# --------------------------------------------------------------------------- report


def index_only(result: dict[str, Any]) -> list[float]:
    """Retrieval without rerank less the query embedding: the part that depends on the index's size."""
    return [t - e for t, e in zip(result["breakdown"]["total"], result["breakdown"]["embed"], strict=True)]


def ms(values: list[float], q: float | None = None) -> str:
    return f"{1000 * (median(values) if q is None else percentile(values, q)):.0f}"


def p50_p95(values: list[float]) -> str:
    return f"{ms(values)} / {ms(values, 95)}"


def latency_table(results: list[dict[str, Any]]) -> str:
    rows = [
        [
            f"{r['size']:,}",
            *(p50_p95(v) for v in (r["latencies"]["plain"], index_only(r), r["latencies"]["rerank"], r["latencies"]["answer"])),
            f"{r['answered']}/{r['queries']}",
            f"{1000 * r['cold_first_retrieval_s']:.0f}",
        ]
        for r in results
    ]
    header = [
        "chunks",
        "retrieval, no rerank",
        "... less query embedding",
        "retrieval + rerank",
        "full answer (extractive)",
        "answered",
        "cold 1st query",
    ]
    return markdown_table(header, rows)


def stage_table(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        b = r["breakdown"]
        # BM25 runs in a worker thread while the query is embedded and Chroma searched.
        waited = [max(0.0, k - d) for k, d in zip(b["bm25"], b["dense"], strict=True)]
        other = [t - d - w - f for t, d, w, f in zip(b["total"], b["dense"], waited, b["bm25_fetch"], strict=True)]
        dense_rest = [d - e - c for d, e, c in zip(b["dense"], b["embed"], b["chroma_query"], strict=True)]
        scored = r["fts_scored_rows"] or [float("nan")]
        rows.append(
            [
                f"{r['size']:,}",
                *(
                    ms(v)
                    for v in (b["total"], b["embed"], b["chroma_query"], dense_rest, b["fts5"], waited, b["chroma_get"], other)
                ),
                f"{median(r['fts_matching_rows']):,.0f} ({max(r['fts_matching_rows']):,})",
                f"{median(scored):,.0f} ({max(scored):,})",
                f"{median(r['keyword_only_hits']):.0f}",
            ]
        )
    header = [
        "chunks",
        "total",
        "query embedding",
        "Chroma query",
        "llama-index rest",
        "BM25 (FTS5, in parallel)",
        "waiting for BM25",
    ]
    header += ["Chroma get by id", "fusion etc.", "rows matching any word, median (max)"]
    header += ["matches of the words that pick the rows (summed), median (max)", "keyword-only hits"]
    return markdown_table(header, rows)


def memory_table(results: list[dict[str, Any]], builds: dict[int, dict[str, Any]]) -> str:
    rows = []
    for r in results:
        built, d = builds.get(r["size"], {}), r["disk_mb"]
        rows.append(
            [
                f"{r['size']:,}",
                f"{r['rss_models_mb']:.0f}" if "rss_models_mb" in r else "n/a",
                f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else "n/a",
                f"{d['chroma_total'] + d['keywords']:.1f}",
                f"{d['chroma_sqlite']:.1f}",
                f"{d['chroma_total'] - d['chroma_sqlite']:.1f}",
                f"{d['keywords']:.1f}",
                f"{built['build_s']:.0f}" + (" (cached)" if built.get("cached") else "") if built else "n/a",
                f"{built['build_peak_rss_mb']:.0f}" if built else "n/a",
            ]
        )
    header = [
        "chunks",
        "RSS after loading (MB)",
        "peak RSS (MB)",
        "disk total (MB)",
        "chroma.sqlite3",
        "HNSW segment",
        "keywords.sqlite",
    ]
    return markdown_table([*header, "build s", "build peak RSS (MB)"], rows)


def growth_lines(small: dict[str, Any], large: dict[str, Any]) -> list[str]:
    """Growth 10k -> 100k of each latency and stage, and the verdict on the target."""

    def row(label: str, a: list[float], b: list[float]) -> list[str]:
        return [label, f"{median(b) / max(median(a), 1e-9):.2f}x", f"{percentile(b, 95) / percentile(a, 95):.2f}x"]

    rows = [row(label, small["latencies"][key], large["latencies"][key]) for key, label in KINDS.items()]
    rows.append(row("retrieval, no rerank, less query embedding", index_only(small), index_only(large)))
    rows += [
        row(f"stage: {stage}", small["breakdown"][stage], large["breakdown"][stage])
        for stage in ("embed", "chroma_query", "fts5", "chroma_get")
    ]
    plain = large["latencies"]["plain"]
    ok = median(plain) < 0.100 and percentile(plain, 95) < 0.250
    growth = median(plain) / median(small["latencies"]["plain"])
    return [
        "",
        "## Growth 10k -> 100k",
        "",
        markdown_table(["", "median", "p95"], rows),
        "",
        f"Target at 100k for retrieval without rerank: median < 100 ms, p95 < 250 ms, growth 10k->100k < 2x. "
        f"Measured: median {ms(plain)} ms, p95 {ms(plain, 95)} ms, growth {growth:.2f}x: "
        f"{'met' if ok and growth < 2 else 'NOT met'}.",
    ]


def report(saved: dict[str, Any], builds: dict[int, dict[str, Any]], args: argparse.Namespace) -> str:
    results = saved["results"]
    lines = [
        "# Index scale: latency, memory and disk at 1k / 10k / 100k chunks",
        "",
        saved["header"],
        "",
        f"`{' '.join(saved['argv'])}`; {results[0]['queries']} measured queries per size after {args.warmup} warm-up queries; "
        f"{args.pool} base chunks embedded with the real model, the rest perturbed copies (see bench/scale.py).",
        "",
        "## Latency (milliseconds, median / p95)",
        "",
        latency_table(results),
        "",
        "## Where retrieval without rerank spends its time (median ms per query)",
        "",
        stage_table(results),
        "",
        "## Memory and disk",
        "",
        memory_table(results, builds),
    ]
    by_size = {r["size"]: r for r in results}
    if 10_000 in by_size and 100_000 in by_size:
        lines += growth_lines(by_size[10_000], by_size[100_000])
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def child(args: argparse.Namespace) -> int:
    """One measurement in its own process; prints its result as JSON."""
    if args.child_build:
        from index import Embedder

        embedder = Embedder(MODEL)
        print(json.dumps(build(Corpus(args.pool, embedder), args.child_build, embedder)))
        return 0
    # Only the indexes and the queries: the corpus stays out of this process's memory.
    plan = json.loads(Path(args.plan).read_text())
    dirs = {int(size): Path(path) for size, path in plan["dirs"].items()}
    if args.child_memory:
        print(json.dumps(measure_memory(dirs[args.child_memory], args.child_memory, plan["queries"][: plan["warmup"]])))
    else:
        print(json.dumps(measure_latency(dirs, plan["queries"], plan["warmup"])))
    return 0


def run_child(flag: str, size: int, args: argparse.Namespace, plan: Path | None = None) -> Any:
    command = [sys.executable, __file__, flag, *([str(size)] if size else []), "--pool", str(args.pool)]
    command += ["--plan", str(plan)] if plan is not None else []
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cached_builds(root: Path, sizes: list[int]) -> dict[int, dict[str, Any]]:
    """The saved statistics of every size already built under ``root``."""
    markers = {size: root / f"n{size}" / "complete.json" for size in sizes}
    return {size: {**json.loads(marker.read_text()), "cached": True} for size, marker in markers.items() if marker.is_file()}


def build_sizes(corpus: Corpus, sizes: list[int], args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    """Each size's index, built in a child process unless cached (or ``--rebuild``)."""
    builds = {} if args.rebuild else cached_builds(corpus.root, sizes)
    for size in sizes:
        if size in builds:
            say(f"n={size}: cached in {corpus.size_dir(size)}")
            continue
        say(f"n={size}: building in {corpus.size_dir(size)}")
        builds[size] = run_child("--child-build", size, args)
        say(f"n={size}: built in {builds[size]['build_s']:.0f} s ({builds[size]['build_parts_s']})")
    return builds


def measure_sizes(corpus: Corpus, sizes: list[int], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Memory per size (one child process each, unless ``--skip-memory``), then latency over all sizes in one child."""
    plan = corpus.root / "plan.json"
    dirs = {str(size): str(corpus.size_dir(size)) for size in sizes}
    plan.write_text(json.dumps({"dirs": dirs, "queries": queries(corpus, args.warmup + args.queries), "warmup": args.warmup}))
    memory: dict[int, dict[str, Any]] = {}
    for size in sizes:
        if args.skip_memory:
            memory[size] = {"disk_mb": disk_usage(corpus.size_dir(size))}
            continue
        say(f"n={size}: memory of a process that opens it and answers {args.warmup} queries")
        memory[size] = run_child("--child-memory", size, args, plan)
        say(f"  peak RSS {memory[size]['peak_rss_mb']:.0f} MB")
    say(f"latency: {args.warmup} + {args.queries} queries, each on every size in turn")
    latency = run_child("--child-latency", 0, args, plan)
    results = [{**memory[size], **latency[str(size)]} for size in sizes]
    for r in results:
        say(f"  n={r['size']}: " + ", ".join(f"{kind} {p50_p95(r['latencies'][kind])} ms" for kind in KINDS))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--pool", type=int, default=4000, help="base chunks embedded with the real model")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached indexes")
    parser.add_argument("--skip-memory", action="store_true", help="latency only (memory columns show n/a)")
    parser.add_argument("--report-from", help="print the report of a saved run's results*.json, measuring nothing")
    parser.add_argument("--tag", default="", help="write bench/results/scale-TAG.md instead of scale.md")
    for hidden in ("--child-build", "--child-memory"):
        parser.add_argument(hidden, type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-latency", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build or args.child_memory or args.child_latency:
        return child(args)
    if args.report_from:  # re-render a saved run (bench/.cache/scale-*/results*.json)
        saved = json.loads(Path(args.report_from).read_text())
        builds = cached_builds(Path(args.report_from).parent, [r["size"] for r in saved["results"]])
    else:
        from index import Embedder

        header = machine_line()
        sizes = [int(s) for s in args.sizes.split(",")]
        say("loading the corpus (and embedding the base chunks, the first time)")
        corpus = Corpus(args.pool, Embedder(MODEL))
        builds = build_sizes(corpus, sizes, args)
        results = measure_sizes(corpus, sizes, args)
        saved = {"header": f"{header}; load average at the end {load_average()}", "argv": sys.argv, "results": results}
        (corpus.root / f"results{'-' + args.tag if args.tag else ''}.json").write_text(json.dumps(saved))
    text = report(saved, builds, args)
    print(text)
    say(f"wrote {write_result(f'scale-{args.tag}.md' if args.tag else 'scale.md', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
