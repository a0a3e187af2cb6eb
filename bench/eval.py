"""Retrieval and answer evaluation of Citewise, next to a plain llama-index baseline.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python bench/eval.py [--dataset seeds|python-faq|dev-tune|dev-heldout|dev|all] [--limit N]

Datasets:
    seeds       bench/data/seeds_qa.jsonl over seeds/ (answerable and unanswerable questions).
    python-faq  every FAQ heading that is a question, over the whole Python documentation
                (Debian's python3.11-doc) with those headings removed; see bench/corpus.py.
    dev-tune, dev-heldout, dev
                bench/data/dev_qa.jsonl (issue 11): questions over three Debian-packaged manuals in
                their original HTML, one index over all of them; the tuning split, the held-out split,
                or both (reported separately). Answers only (default assistant), per split and corpus:
                answer contains gold, refusals (near-/off-topic), citation precision, wrong-answer rate.
                Writes bench/results/dev.md, dev_details.jsonl (per question) and dev_misses.md.

Retrieval configurations: BM25 only, dense only, hybrid (RRF), hybrid + cross-encoder rerank,
and llama-index's defaults (SimpleDirectoryReader, SentenceSplitter, Chroma, same embedding
model, similarity_top_k=10). The answer metrics use the assistant exactly as wired by default
(``build_assistant(Settings())``), so CITEWISE_* variables (e.g. CITEWISE_MIN_RERANK_SCORE) apply.

Indexes are cached under bench/.cache keyed by corpus, settings and chunking code: only the
first run pays for embedding (python-faq, measured on 2 busy CPU cores: 54 min for the Citewise
index, 22k chunks, plus 13 min for the baseline; ``--docs-subset`` indexes faq/ plus a few files
instead). With the indexes cached a full run takes about 35 minutes, mostly cross-encoder time.
Tables go to stdout and bench/results/eval.md; per-question records to
bench/results/eval_details.jsonl.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import argparse
import hashlib
import json
import logging
import math
import platform
import random
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile
from bench.corpus import BENCH, CACHE, DEV_CORPORA, Dataset, Question, build_faq, load_dev, load_seeds, normalise

COLLECTION = "bench"
RESULTS = BENCH / "results"
TOP = 10  # ranks scored (MRR@10); also the baseline's similarity_top_k
# A passage is in the gold FAQ section when it shares at least this many characters with it
# (or half the section, or half the passage, whichever is smallest).
_MIN_OVERLAP = 150
_RERANK_SWEEP = (-6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
_COSINE_SWEEP = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
BASELINE = "llama-index default"
RERANKED = "hybrid + rerank"
HYBRID = "hybrid (RRF)"


def say(message: str) -> None:
    """Progress goes to stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


# --------------------------------------------------------------------------- indexes


def chunking_code() -> str:
    """The code that turns a text file into chunks: the chunker, the sentence splitter, plain-text loading."""
    import inspect

    from index import chunker, loader, sentences

    parts = [inspect.getsource(chunker), inspect.getsource(sentences)]
    parts += [inspect.getsource(function) for function in (loader.load, loader._decode, loader._plain)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def index_key(dataset: Dataset, settings: Any) -> str:
    """Cache key of a Citewise index: corpus bytes, the settings vectors depend on, chunking code."""
    parts = {
        "corpus": dataset.fingerprint(),
        "embed_model": settings.embed_model,
        "chunk_tokens": settings.chunk_tokens,
        "overlap": settings.chunk_overlap_sentences,
        "code": chunking_code(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def index_settings(dataset: Dataset) -> Any:
    """The default assistant settings (CITEWISE_* variables apply), pointed at this dataset's cached index."""
    from assistant.settings import Settings

    settings = Settings()
    key = index_key(dataset, settings)
    return Settings(data_dir=CACHE / f"index-{dataset.name}-{key}", collection=COLLECTION, docs_dir=dataset.docs_dir)


def build_index(dataset: Dataset, indexer: Any) -> Any:
    """Sync the cached Citewise index with the dataset's documents (a no-op when up to date)."""
    from index.sync import SyncReport, walk

    sizes = [path.stat().st_size for _, path in walk(dataset.docs_dir, SyncReport())]
    began = time.perf_counter()
    last = [began]

    def progress(done: int, files: int, embedded: int) -> None:
        now = time.perf_counter()
        if now - last[0] < 20 and done < files:
            return
        last[0] = now
        elapsed = now - began
        # Files to index are a suffix-free subset of the walk when some are unchanged; estimate by bytes.
        share = sum(sizes[:done]) / max(1, sum(sizes)) if files == len(sizes) else done / max(1, files)
        eta = elapsed * (1 - share) / share if share else 0.0
        say(
            f"[index {dataset.name}] files {done}/{files}, {embedded} chunks embedded, "
            f"{embedded / max(elapsed, 1e-9):.1f} chunks/s, elapsed {clock(elapsed)}, eta ~{clock(eta)}"
        )

    say(f"[index {dataset.name}] syncing {len(sizes)} files into {indexer.lock_path.parent}")
    report = indexer.sync(dataset.docs_dir, progress=progress)
    if report.failed:
        say(f"[index {dataset.name}] failed files: {report.summary()['failed']}")
    say(
        f"[index {dataset.name}] {report.chunks} chunks ({report.embedded} embedded now, "
        f"{len(report.unchanged)} files unchanged) in {clock(report.seconds)}"
    )
    return indexer


def build_baseline(dataset: Dataset, embedder: Any) -> tuple[Any, int]:
    """A plain llama-index pipeline: SimpleDirectoryReader, default SentenceSplitter, Chroma, from_documents.

    The only non-default is the embedding model, passed explicitly (the same one Citewise uses).
    The Chroma collection is persisted in the cache so later runs skip the embedding.
    """
    import chromadb
    import llama_index.core
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    parts = {"corpus": dataset.fingerprint(), "model": embedder.model_name, "llama_index": llama_index.core.__version__}
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    where = CACHE / f"baseline-{dataset.name}-{key}"
    client = chromadb.PersistentClient(path=str(where / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    marker = where / "complete.json"
    if marker.is_file():
        collection = client.get_collection("baseline")
        store = ChromaVectorStore(chroma_collection=collection)
        say(f"[baseline {dataset.name}] cached: {collection.count()} chunks in {where}")
        return VectorStoreIndex.from_vector_store(store, embed_model=embedder), collection.count()
    if "baseline" in {c.name for c in client.list_collections()}:
        client.delete_collection("baseline")
    collection = client.create_collection("baseline", embedding_function=None)
    store = ChromaVectorStore(chroma_collection=collection)
    began = time.perf_counter()
    reader = SimpleDirectoryReader(str(dataset.docs_dir), recursive=True, exclude_hidden=False, required_exts=[".txt"])
    documents = reader.load_data()
    say(f"[baseline {dataset.name}] embedding {len(documents)} documents (llama-index progress bars follow)")
    index = VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embedder,
        show_progress=True,
    )
    seconds = time.perf_counter() - began
    marker.write_text(json.dumps({"chunks": collection.count(), "seconds": round(seconds, 1)}))
    say(f"[baseline {dataset.name}] {collection.count()} chunks in {clock(seconds)}")
    return index, collection.count()


# --------------------------------------------------------------------------- judging


@dataclass
class Hit:
    """One retrieved passage, reduced to what the judge needs."""

    source: str
    text: str
    start: int | None = None
    end: int | None = None
    chunk_id: str = ""
    scores: dict[str, float | None] = field(default_factory=dict)


class Judge:
    """Decides whether a passage (or a citation) is gold evidence for a question."""

    def __init__(self, dataset: Dataset) -> None:
        self.texts = dataset.texts()
        self.unlocated = 0

    def span(self, hit: Hit) -> tuple[int, int] | None:
        """Where ``hit`` sits in its document: its own offsets when they check out, else found by text."""
        document = self.texts.get(hit.source)
        if document is None:
            return None
        if hit.start is not None and hit.end is not None and document[hit.start : hit.end] == hit.text:
            return hit.start, hit.end
        found = document.find(hit.text, max(0, (hit.start or 0) - 2000))
        if found < 0:
            found = document.find(hit.text)
        if found >= 0:
            return found, found + len(hit.text)
        # Last resort: anchor on the passage's first and last 60 characters.
        head, tail = hit.text[:60], hit.text[-60:]
        first = document.find(head)
        last = document.find(tail, max(first, 0))
        if first >= 0 and last >= first:
            return first, last + len(tail)
        self.unlocated += 1
        return None

    def is_gold(self, question: Question, hit: Hit) -> bool:
        """Seeds: from a gold source and containing a gold answer. FAQ: overlapping the gold section."""
        if hit.source not in question.sources:
            return False
        if question.span is not None:
            span = self.span(hit)
            if span is None:
                return False
            start, end = question.span
            overlap = min(end, span[1]) - max(start, span[0])
            return overlap >= min(_MIN_OVERLAP, (end - start) / 2, (span[1] - span[0]) / 2)
        return contains_answer(question, hit.text)

    def citation_ok(self, question: Question, hit: Hit) -> bool:
        """Seeds: the cited passage has a gold answer or comes from a gold source. FAQ: in the gold section."""
        if question.span is not None:
            return self.is_gold(question, hit)
        return hit.source in question.sources or contains_answer(question, hit.text)


def contains_answer(question: Question, text: str) -> bool:
    haystack = normalise(text)
    return any(normalise(answer) in haystack for answer in question.answers)


# --------------------------------------------------------------------------- retrieval


@dataclass
class Ranked:
    """One question's outcome under one configuration."""

    question: str
    answerable: bool
    rank: int | None  # 1-based rank of the first gold passage within the top TOP, None if absent
    ms: float
    hits: list[Hit]
    gold: list[bool]


Search = Callable[[str], list[Hit]]


def citewise_search(retriever: Any, options: Any) -> Search:
    """Search with the assistant's own retriever, under ``options`` (the defaults with one change)."""

    def search(query: str) -> list[Hit]:
        retrieval = retriever.search(query, options)
        return [Hit(p.source, p.text, p.start_char, p.end_char, p.chunk_id, dict(p.scores)) for p in retrieval.passages]

    return search


def baseline_search(index: Any, docs_dir: Path) -> Search:
    retriever = index.as_retriever(similarity_top_k=TOP)
    root = docs_dir.resolve()

    def search(query: str) -> list[Hit]:
        hits = []
        for found in retriever.retrieve(query):
            node = found.node
            path = Path(str(node.metadata.get("file_path", ""))).resolve()
            source = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
            hits.append(
                Hit(source, node.get_content(), node.start_char_idx, node.end_char_idx, node.node_id, {"score": found.score})
            )
        return hits

    return search


def evaluate_retrieval(name: str, search: Search, questions: list[Question], judge: Judge, label: str) -> list[Ranked]:
    search(questions[0].question)  # warm-up: first-call costs are not retrieval latency
    results = []
    began = time.perf_counter()
    for number, question in enumerate(questions, start=1):
        start = time.perf_counter()
        hits = search(question.question)
        ms = (time.perf_counter() - start) * 1000
        gold = [judge.is_gold(question, hit) for hit in hits] if question.answerable else [False] * len(hits)
        rank = next((i for i, g in enumerate(gold[:TOP], start=1) if g), None)
        results.append(Ranked(question.question, question.answerable, rank, ms, hits, gold))
        if number % 25 == 0:
            say(f"[{label}] {name}: {number}/{len(questions)} questions, {clock(time.perf_counter() - began)}")
    return results


def retrieval_row(results: list[Ranked]) -> dict[str, float]:
    scored = [r for r in results if r.answerable]
    n = max(1, len(scored))
    return {
        "hit@1": sum(r.rank == 1 for r in scored) / n,
        "hit@5": sum(r.rank is not None and r.rank <= 5 for r in scored) / n,
        "MRR@10": sum(1 / r.rank for r in scored if r.rank) / n,
        "p50 ms": percentile([r.ms for r in results], 50),
        "p95 ms": percentile([r.ms for r in results], 95),
    }


# --------------------------------------------------------------------------- answers


@dataclass
class Answered:
    """One question put to the full assistant."""

    question: str
    answerable: bool
    refused: bool
    text: str
    ms: float
    citations: list[Hit]
    cited_ok: list[bool]
    cited_strict: list[bool]
    contains_gold: bool
    top_rerank: float | None
    gold_rank: int | None = None  # 1-based rank of the first gold passage among the ranked candidates
    gold_kept: bool = False  # a gold passage passed the relevance cut-off


def evaluate_answers(assistant: Any, questions: list[Question], judge: Judge, label: str) -> list[Answered]:
    assistant.ask(questions[0].question).complete()  # warm-up
    results = []
    began = time.perf_counter()
    for number, question in enumerate(questions, start=1):
        start = time.perf_counter()
        answer = assistant.ask(question.question).complete()
        ms = (time.perf_counter() - start) * 1000
        passages = {p.chunk_id: p for p in (answer.retrieval.passages if answer.retrieval else [])}
        citations = []
        for citation in answer.citations:
            passage = passages.get(citation.chunk_id)
            start_char, end_char = (passage.start_char, passage.end_char) if passage else (None, None)
            citations.append(Hit(citation.source, citation.text, start_char, end_char, citation.chunk_id))
        reranks = [p.scores.get("rerank") for p in passages.values() if p.scores.get("rerank") is not None]
        gold_rank, gold_kept = gold_in_retrieval(question, answer.retrieval, judge)
        results.append(
            Answered(
                question=question.question,
                answerable=question.answerable,
                refused=answer.refused,
                text=answer.text,
                ms=ms,
                citations=citations,
                cited_ok=[judge.citation_ok(question, c) for c in citations] if question.answerable else [],
                cited_strict=[contains_answer(question, c.text) for c in citations] if question.answers else [],
                contains_gold=not answer.refused and contains_answer(question, answer.text),
                top_rerank=max(reranks) if reranks else None,
                gold_rank=gold_rank,
                gold_kept=gold_kept,
            )
        )
        if number % 25 == 0:
            say(f"[{label}] answers: {number}/{len(questions)} questions, {clock(time.perf_counter() - began)}")
    return results


def gold_in_retrieval(question: Question, retrieval: Any, judge: Judge) -> tuple[int | None, bool]:
    """Where the answer's own retrieval put gold evidence: first gold rank among the candidates, and whether one was kept."""
    if retrieval is None or not question.answerable:
        return None, False

    def gold(p: Any) -> bool:
        return judge.is_gold(question, Hit(p.source, p.text, p.start_char, p.end_char, p.chunk_id))

    rank = next((i for i, p in enumerate(retrieval.passages, start=1) if gold(p)), None)
    return rank, any(gold(p) for p in retrieval.relevant)


def wrong_answers(answers: list[Answered], correct: Callable[[Answered], bool]) -> tuple[int, int]:
    """(wrong, given): answers given (not refused) that are not ``correct``; every answer to an unanswerable question is wrong."""
    given = [a for a in answers if not a.refused]
    return sum(not (a.answerable and correct(a)) for a in given), len(given)


# --------------------------------------------------------------------------- report


def pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def ratio(numerator: int, denominator: int) -> str:
    return f"{pct(numerator / denominator)} ({numerator}/{denominator})" if denominator else "n/a"


def table(header: list[str], rows: list[list[str]], text: tuple[int, ...] = (0,)) -> list[str]:
    """A Markdown table; columns ``text`` are left-aligned, the rest (numbers) right-aligned."""
    text = tuple(i % len(header) for i in text)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i in text else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def answer_section(dataset: Dataset, answers: list[Answered]) -> list[str]:
    answerable = [a for a in answers if a.answerable]
    unanswerable = [a for a in answers if not a.answerable]
    answered = [a for a in answerable if not a.refused]
    cited = [ok for a in answered for ok in a.cited_ok]
    strict = [ok for a in answered for ok in a.cited_strict]
    median_ms = f"{statistics.median(a.ms for a in answers):.0f}"
    p95_ms = f"{percentile([a.ms for a in answers], 95):.0f}"
    if dataset.name == "seeds":
        header = [
            "answerer",
            "answer contains gold",
            "false refusals",
            "refusal accuracy (unanswerable)",
            "citation precision",
            "strict citation precision",
            "wrong-answer rate",
            "median ms",
            "p95 ms",
        ]
        row = [
            "extractive, hybrid + rerank",
            ratio(sum(a.contains_gold for a in answerable), len(answerable)),
            ratio(sum(a.refused for a in answerable), len(answerable)),
            ratio(sum(a.refused for a in unanswerable), len(unanswerable)),
            ratio(sum(cited), len(cited)),
            ratio(sum(strict), len(strict)),
            ratio(*wrong_answers(answers, lambda a: a.contains_gold)),
            median_ms,
            p95_ms,
        ]
        notes = [
            "",
            "Citation precision: citations of answered answerable questions whose passage contains a gold answer "
            "or comes from a gold source; strict: whose passage contains a gold answer string. Wrong-answer rate: "
            "answers given (not refused) that lack the gold answer, answers to unanswerable questions included, "
            "over all answers given.",
        ]
    else:
        header = [
            "answerer",
            "cites the gold section",
            "false refusals",
            "citation precision",
            "wrong-answer rate",
            "median ms",
            "p95 ms",
        ]
        row = [
            "extractive, hybrid + rerank",
            ratio(sum(any(a.cited_ok) for a in answerable), len(answerable)),
            ratio(sum(a.refused for a in answerable), len(answerable)),
            ratio(sum(cited), len(cited)),
            ratio(*wrong_answers(answers, lambda a: any(a.cited_ok))),
            median_ms,
            p95_ms,
        ]
        notes = [
            "",
            "Citation precision: citations whose passage belongs to the gold FAQ section (same overlap rule). "
            "Wrong-answer rate: answers given (not refused) that cite no passage of the gold section, over all answers given.",
        ]
    return table(header, [row]) + notes


def passes(hit: Hit, stage: str, threshold: float, best: float, margin: float, strict: bool = False) -> bool:
    """The Retriever's relevance cut-off at ``threshold`` (mirrors assistant.retrieval._is_relevant).

    Reranked: the logit must reach the threshold and be within ``margin`` of the ``best`` passage.
    Without a reranker the Retriever keeps a passage that only BM25 found (no dense score) whenever
    its BM25 score is positive; ``strict`` drops such passages instead.
    """
    value = hit.scores.get(stage)
    if stage == "rerank":
        return value is not None and float(value) >= max(threshold, best - margin)
    if value is not None:
        return float(value) >= threshold
    return not strict and (hit.scores.get("bm25") or 0.0) > 0.0


def kept_gold(run: Ranked, stage: str, threshold: float, margin: float, strict: bool) -> list[bool]:
    """For each passage that passes the cut-off, in rank order: whether it is gold."""
    best = max((float(v) for h in run.hits if (v := h.scores.get(stage)) is not None), default=0.0)
    return [gold for hit, gold in zip(run.hits, run.gold, strict=True) if passes(hit, stage, threshold, best, margin, strict)]


def sweep_section(dataset: Dataset, results: dict[str, list[Ranked]], top_k: int, margin: float) -> list[str]:
    """What the relevance cut-off would do at other thresholds, from the retrieval runs' scores."""
    lines: list[str] = []
    for config, stage, thresholds, setting in (
        (RERANKED, "rerank", _RERANK_SWEEP, "min_rerank_score"),
        (HYBRID, "dense", _COSINE_SWEEP, "min_similarity (no reranker)"),
    ):
        runs = results.get(config)
        if not runs:
            continue
        answerable = [r for r in runs if r.answerable]
        unanswerable = [r for r in runs if not r.answerable]
        variants = (False, True) if stage == "dense" else (False,)
        rows = []
        for threshold in thresholds:
            row = [f"{threshold:g}"]
            for strict in variants:
                kept = {id(run): kept_gold(run, stage, threshold, margin, strict)[:top_k] for run in runs}
                row += [
                    ratio(sum(not kept[id(r)] for r in answerable), len(answerable)),
                    ratio(sum(any(kept[id(r)]) for r in answerable), len(answerable)),
                ]
                if unanswerable:
                    row.append(ratio(sum(not kept[id(r)] for r in unanswerable), len(unanswerable)))
            rows.append(row)
        names = ["refused (answerable)", "gold passage kept (answerable)"] + (["refused (unanswerable)"] if unanswerable else [])
        header = [setting, *names]
        if len(variants) > 1:
            header += [f"{name}, BM25-only passages dropped" for name in names]
        cut = f"top_k={top_k}" + (f", rerank_margin={margin:g}" if stage == "rerank" else "")
        lines += ["", f"Cut-off sweep on the {config} retrieval ({stage} score, {cut}):", "", *table(header, rows)]
        spread = []
        for label, group in (("answerable", answerable), ("unanswerable", unanswerable)):
            tops = [
                max(scores) for r in group if (scores := [float(v) for h in r.hits if (v := h.scores.get(stage)) is not None])
            ]
            if tops:
                quartiles = [percentile(tops, q) for q in (0, 25, 50, 75, 100)]
                spread.append(f"{label} min/q1/median/q3/max {' / '.join(f'{v:.2f}' for v in quartiles)}")
        if spread:
            lines += ["", f"Best {stage} score per question: " + "; ".join(spread) + "."]
        if len(variants) > 1:
            lines += [
                "",
                "Without a reranker the Retriever keeps any passage found only by BM25 (it has no dense score) "
                "whatever min_similarity is; the last columns show the cut-off if such passages were dropped.",
            ]
    return lines


def failure_section(dataset: Dataset, results: dict[str, list[Ranked]], answers: list[Answered]) -> list[str]:
    lines = ["", f"#### Where it fails ({dataset.name})", ""]
    configs = list(results)
    rows = []
    reranked = results.get(RERANKED, [])
    for i, run in enumerate(reranked):
        if not run.answerable or (run.rank is not None and run.rank <= 5):
            continue
        top = run.hits[0] if run.hits else None
        best = next((h.scores.get("rerank") for h in run.hits[:1]), None)
        ranks = [str(results[c][i].rank or "—") for c in configs]
        rows.append(
            [
                clip(run.question, 90),
                *ranks,
                f"{best:.1f}" if best is not None else "",
                clip(f"{top.source}: {top.text}", 110) if top else "",
            ]
        )
    if rows:
        lines += [f"Retrieval misses of {RERANKED} (gold not in top 5; ranks per configuration, — = not in top {TOP}):", ""]
        lines += table(["question", *configs, "top rerank", "top passage"], rows, text=(0, -1))
    else:
        lines.append(f"{RERANKED} puts a gold passage in the top 5 for every answerable question.")
    if reranked and HYBRID in results:
        helped = sum(
            1 for a, b in zip(results[HYBRID], reranked, strict=True) if a.answerable and (a.rank or 99) > 5 >= (b.rank or 99)
        )
        hurt = sum(
            1 for a, b in zip(results[HYBRID], reranked, strict=True) if a.answerable and (b.rank or 99) > 5 >= (a.rank or 99)
        )
        lines += ["", f"Reranking moved gold into the top 5 for {helped} question(s) and out of it for {hurt}."]
    items = []
    for a in answers:
        if a.answerable and a.refused:
            items.append(f"- refused an answerable question: {a.question!r} (top rerank {fmt(a.top_rerank)})")
        elif not a.answerable and not a.refused:
            items.append(
                f"- answered an unanswerable question: {a.question!r} (top rerank {fmt(a.top_rerank)}): {clip(a.text, 160)}"
            )
        elif a.answerable and dataset.name == "seeds" and not a.contains_gold:
            items.append(f"- answer lacks the gold answer: {a.question!r} (top rerank {fmt(a.top_rerank)}): {clip(a.text, 160)}")
        elif a.answerable and dataset.name != "seeds" and not any(a.cited_ok):
            where = ", ".join(sorted({c.source for c in a.citations}))
            items.append(f"- cites no passage of the gold section: {a.question!r} (cites {where}): {clip(a.text, 120)}")
        if a.answerable and not a.refused and any(a.cited_ok) and not all(a.cited_ok):
            bad = [c.source for c, ok in zip(a.citations, a.cited_ok, strict=True) if not ok]
            items.append(f"- {len(bad)} of {len(a.cited_ok)} citations off-target for {a.question!r}: {', '.join(bad)}")
    if items:
        lines += ["", "Answerer failures:", "", *items]
    return lines


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def subsample(questions: list[Question], limit: int | None) -> list[Question]:
    """A fixed, seeded sample of ``limit`` questions keeping the answerable/unanswerable mix; order kept."""
    if not limit or limit >= len(questions):
        return questions
    rng = random.Random(0)
    groups = [[i for i, q in enumerate(questions) if q.answerable], [i for i, q in enumerate(questions) if not q.answerable]]
    take = [round(limit * len(g) / len(questions)) for g in groups]
    if groups[1] and not take[1] and limit > 1:
        take = [limit - 1, 1]
    take[0] = limit - take[1]
    chosen = sorted(i for group, n in zip(groups, take, strict=True) for i in rng.sample(group, min(n, len(group))))
    return [questions[i] for i in chosen]


# --------------------------------------------------------------------------- development set (issue 11)

# --dataset name -> the splits of bench/data/dev_qa.jsonl it evaluates (each reported on its own).
DEV_SPLITS: dict[str, tuple[str, ...]] = {"dev-tune": ("tune",), "dev-heldout": ("heldout",), "dev": ("tune", "heldout")}
DevPair = tuple[Question, Answered]


def dev_correct(question: Question, answer: Answered) -> bool:
    """Answerable: the answer contains a gold answer. Unanswerable: it was refused."""
    return answer.contains_gold if question.answerable else answer.refused


def dev_answer_row(label: str, pairs: list[DevPair]) -> list[str]:
    answerable = [a for q, a in pairs if q.answerable]
    unanswerable = [(q, a) for q, a in pairs if not q.answerable]
    near = [a for q, a in unanswerable if q.unanswerable == "near-topic"]
    off = [a for q, a in unanswerable if q.unanswerable == "off-topic"]
    answers = [a for _, a in pairs]
    return [
        label,
        f"{len(answerable)}+{len(unanswerable)}",
        ratio(sum(a.contains_gold for a in answerable), len(answerable)),
        ratio(sum(a.refused for a in answerable), len(answerable)),
        ratio(sum(a.refused for _, a in unanswerable), len(unanswerable)),
        ratio(sum(a.refused for a in near), len(near)),
        ratio(sum(a.refused for a in off), len(off)),
        ratio(*wrong_answers(answers, lambda a: a.contains_gold)),
    ]


def dev_citation_row(label: str, pairs: list[DevPair]) -> list[str]:
    answerable = [a for q, a in pairs if q.answerable]
    answered = [a for a in answerable if not a.refused]
    cited = [ok for a in answered for ok in a.cited_ok]
    strict = [ok for a in answered for ok in a.cited_strict]
    ms = [a.ms for _, a in pairs]
    return [
        label,
        ratio(sum(cited), len(cited)),
        ratio(sum(strict), len(strict)),
        ratio(sum(a.gold_rank is not None and a.gold_rank <= 5 for a in answerable), len(answerable)),
        ratio(sum(a.gold_kept for a in answerable), len(answerable)),
        f"{percentile(ms, 50):.0f}",
        f"{percentile(ms, 95):.0f}",
    ]


def dev_tables(results: dict[str, list[DevPair]]) -> list[str]:
    """Per split, and per corpus within it: the answer table, the citation table, and a breakdown by question kind."""
    groups: list[tuple[str, list[DevPair]]] = []
    for split, pairs in results.items():
        groups.append((f"**{split}**, all corpora", pairs))
        groups += [(f"{split}, {c.name}", [(q, a) for q, a in pairs if q.corpus == c.name]) for c in DEV_CORPORA]
    answer_header = [
        "split, corpus",
        "questions (ans.+unans.)",
        "answer contains gold",
        "false refusals",
        "refusal accuracy (unanswerable)",
        "near-topic refused",
        "off-topic refused",
        "wrong-answer rate",
    ]
    citation_header = [
        "split, corpus",
        "citation precision",
        "strict citation precision",
        "gold passage in top 5 candidates",
        "gold passage kept (passed the cut-off)",
        "median ms",
        "p95 ms",
    ]
    kinds = sorted({q.kind for pairs in results.values() for q, _ in pairs})
    kind_rows = []
    for kind in kinds:
        row = [kind]
        for pairs in results.values():
            of_kind = [(q, a) for q, a in pairs if q.kind == kind]
            row.append(ratio(sum(a.contains_gold for q, a in of_kind if q.answerable), sum(q.answerable for q, _ in of_kind)))
            row.append(ratio(sum(a.refused for q, a in of_kind if not q.answerable), sum(not q.answerable for q, _ in of_kind)))
        kind_rows.append(row)
    kind_header = ["kind"] + [f"{split}: {what}" for split in results for what in ("contains gold", "unanswerable refused")]
    return [
        *table(answer_header, [dev_answer_row(label, pairs) for label, pairs in groups]),
        "",
        "Answer contains gold: answerable questions whose answer holds a gold answer string (case- and "
        "whitespace-insensitive). Refusal accuracy: unanswerable questions refused, split into near-topic (the "
        "corpus has the subject but not the fact) and off-topic. Wrong-answer rate: answers given (not refused) "
        "that do not contain a gold answer, answers to unanswerable questions included, over all answers given.",
        "",
        *table(citation_header, [dev_citation_row(label, pairs) for label, pairs in groups]),
        "",
        "Citation precision: citations of answered answerable questions whose passage contains a gold answer or "
        "comes from a gold source (as for the seeds); strict: whose passage contains a gold answer. The two "
        "retrieval columns are diagnostics from the answer's own retrieval: a gold passage (from a gold source, "
        "holding a gold answer) among the first 5 ranked candidates, and among the passages kept for answering.",
        "",
        *table(kind_header, kind_rows),
    ]


def dev_record(question: Question, answer: Answered, judge: Judge) -> dict[str, Any]:
    return {
        "id": question.id,
        "split": question.split,
        "corpus": question.corpus,
        "kind": question.kind,
        "answerable": question.answerable,
        "unanswerable": question.unanswerable or None,
        "question": question.question,
        "gold": question.answers,
        "gold_sources": question.sources,
        "answer": answer.text,
        "refused": answer.refused,
        "correct": dev_correct(question, answer),
        "wrong_answer": not answer.refused and not dev_correct(question, answer),
        "citations": [
            {
                "source": c.source,
                "ok": judge.citation_ok(question, c),
                "contains_gold": contains_answer(question, c.text),
                "text": c.text[:300],
            }
            for c in answer.citations
        ],
        "gold_rank": answer.gold_rank,
        "gold_kept": answer.gold_kept,
        "top_rerank": answer.top_rerank,
        "ms": round(answer.ms, 1),
    }


def dev_misses(results: dict[str, list[DevPair]]) -> list[str]:
    """Every question not answered correctly, grouped by split and by what went wrong."""
    lines = ["# Development set: misses", ""]
    for split, pairs in results.items():
        buckets: dict[str, list[str]] = {
            "answered an unanswerable question": [],
            "answer lacks the gold answer": [],
            "refused an answerable question": [],
        }
        for q, a in pairs:
            if dev_correct(q, a):
                continue
            where = f"gold passage rank {a.gold_rank or '—'}, {'kept' if a.gold_kept else 'not kept'}"
            cites = ", ".join(sorted({c.source for c in a.citations})) or "none"
            if not q.answerable:
                bucket, detail = "answered an unanswerable question", f"({q.unanswerable}) cites {cites}: {clip(a.text, 240)}"
            elif a.refused:
                bucket, detail = "refused an answerable question", f"gold {q.answers}; {where}; top rerank {fmt(a.top_rerank)}"
            else:
                bucket = "answer lacks the gold answer"
                detail = f"gold {q.answers} in {', '.join(q.sources)}; {where}; cites {cites}: {clip(a.text, 240)}"
            buckets[bucket].append(f"- `{q.id}` [{q.kind}] {q.question} — {detail}")
        lines += [f"## {split}", ""]
        for name, items in buckets.items():
            lines += [f"### {name} ({len(items)})", "", *(items or ["(none)"]), ""]
    return lines


def loader_version() -> str:
    """Which document reader ran: index/loader.py's last commit, uncommitted changes to it and index/formats/, a hash."""
    import subprocess

    from bench.corpus import loader_source_hash

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BENCH.parent, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    diff = git("diff", "--stat", "--", "index/loader.py")
    state = f"uncommitted changes ({diff.splitlines()[-1].strip()})" if diff else "no uncommitted changes"
    formats = git("status", "--short", "--", "index/formats")
    if formats:
        state += f"; index/formats/ not committed ({'; '.join(formats.splitlines())})"
    last = git("log", "-1", "--format=%h %ad", "--date=short", "--", "index/loader.py") or "unknown"
    return f"index/loader.py at commit {last}, {state}; reader source sha256 {loader_source_hash()[:12]}"


def run_dev(splits: tuple[str, ...], args: argparse.Namespace, embedder: Any) -> Any:
    """Index every dev corpus into one index, ask each split's questions, write dev.md, dev_details.jsonl, dev_misses.md.

    Returns the embedder (created here if ``embedder`` is None), so later datasets can share it.
    """
    from assistant.wiring import build_assistant
    from index import Embedder

    began = time.perf_counter()
    dataset = load_dev()  # every question: the index is the same for both splits
    settings = index_settings(dataset)
    embedder = embedder or Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
    citewise = build_assistant(settings, embedder)
    indexer = build_index(dataset, citewise.indexer)
    index_seconds = time.perf_counter() - began
    if args.build_only:
        return embedder
    judge = Judge(dataset)
    results: dict[str, list[DevPair]] = {}
    timings = [("load corpora and models, sync the index (cached after the first build)", index_seconds)]
    for split in splits:
        questions = subsample([q for q in dataset.questions if q.split == split], args.limit)
        start = time.perf_counter()
        say(f"[dev-{split}] answers: default assistant over {len(questions)} questions")
        answers = evaluate_answers(citewise.assistant, questions, judge, f"dev-{split}")
        results[split] = list(zip(questions, answers, strict=True))
        timings.append((f"dev-{split}: answers, {len(questions)} questions", time.perf_counter() - start))

    stored = indexer.store.documents()
    corpus_rows = []
    for corpus in DEV_CORPORA:
        docs = [d for source, d in stored.items() if source.startswith(corpus.name + "/")]
        n = sum(q.corpus == corpus.name for q in dataset.questions)
        corpus_rows.append(
            [corpus.name, corpus.package, str(len(docs)), str(sum(d.stored_chunks for d in docs)), str(n), corpus.kind]
        )
    command = "HF_HUB_OFFLINE=1 .venv/bin/python bench/eval.py " + shlex.join(sys.argv[1:])
    lines = [
        "# Citewise development set (bench/data/dev_qa.jsonl)",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} on {platform.node()} ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end): `{command.strip()}`",
        "",
        f"Loader: {loader_version()}.",
        "",
        f"Settings: the default assistant, build_assistant(Settings()): embed_model={settings.embed_model}, "
        f"chunk_tokens={settings.chunk_tokens}, top_k={settings.top_k}, reranker={settings.reranker}, "
        f"min_rerank_score={settings.min_rerank_score}, answerer={settings.llm}.",
        "",
        f"One index over all corpora ({indexer.store.count()} chunks); a source is `<corpus>/<path>`.",
        "",
        *table(["corpus", "Debian package", "files", "chunks", "questions", "kind"], corpus_rows, text=(0, 1, -1)),
        "",
        *dev_tables(results),
        "",
        *table(["phase", "seconds"], [[name, f"{seconds:.1f}"] for name, seconds in timings]),
        "",
        f"Total {clock(time.perf_counter() - began)}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    folder = args.output.parent
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev.md").write_text(text, "utf-8")
    (folder / "dev_misses.md").write_text("\n".join(dev_misses(results)) + "\n", "utf-8")
    with (folder / "dev_details.jsonl").open("w", encoding="utf-8") as handle:
        for pairs in results.values():
            for question, answer in pairs:
                handle.write(json.dumps(dev_record(question, answer, judge), ensure_ascii=False) + "\n")
    say(f"wrote {folder / 'dev.md'}, {folder / 'dev_details.jsonl'} and {folder / 'dev_misses.md'}")
    return embedder


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["seeds", "python-faq", *DEV_SPLITS, "all"], default="all")
    parser.add_argument("--limit", type=int, default=None, help="evaluate a fixed random sample of N questions per dataset")
    parser.add_argument(
        "--docs-subset",
        nargs="+",
        metavar="GLOB",
        help="python-faq: index faq/ plus only these documentation files (globs relative to _sources)",
    )
    parser.add_argument("--build-only", action="store_true", help="build or update the cached indexes, then stop")
    parser.add_argument("--output", type=Path, default=RESULTS / "eval.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)

    from assistant.wiring import build_assistant
    from index import Embedder

    timings: list[tuple[str, float]] = []
    began = time.perf_counter()
    names = ["seeds", "python-faq", "dev"] if args.dataset == "all" else [args.dataset]
    datasets = []
    for name in (n for n in names if n not in DEV_SPLITS):
        start = time.perf_counter()
        datasets.append(load_seeds() if name == "seeds" else build_faq(subset=args.docs_subset))
        timings.append((f"{name}: load questions and corpus", time.perf_counter() - start))

    embedder: Any = None
    report: list[str] = []
    details: list[dict[str, Any]] = []
    retrieval_rows: list[list[str]] = []
    sections: list[str] = []
    settings: Any = None
    for dataset in datasets:
        settings = index_settings(dataset)
        start = time.perf_counter()
        if embedder is None:
            embedder = Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
        # The assistant exactly as wired by default; its retriever also runs the other configurations.
        citewise = build_assistant(settings, embedder)
        timings.append((f"{dataset.name}: load models, build the assistant", time.perf_counter() - start))
        start = time.perf_counter()
        indexer = build_index(dataset, citewise.indexer)
        timings.append((f"{dataset.name}: Citewise index (sync; cached after the first build)", time.perf_counter() - start))
        start = time.perf_counter()
        baseline, baseline_chunks = build_baseline(dataset, embedder)
        timings.append(
            (f"{dataset.name}: llama-index baseline index (cached after the first build)", time.perf_counter() - start)
        )
        if args.build_only:
            continue

        questions = subsample(dataset.questions, args.limit)
        judge = Judge(dataset)
        n_answerable = sum(q.answerable for q in questions)
        retriever = citewise.assistant.retriever
        defaults = retriever.defaults

        configs: dict[str, Search] = {
            "bm25": citewise_search(retriever, replace(defaults, mode="keyword", rerank=False)),
            "dense": citewise_search(retriever, replace(defaults, mode="dense", rerank=False)),
            HYBRID: citewise_search(retriever, replace(defaults, mode="hybrid", rerank=False)),
            RERANKED: citewise_search(retriever, replace(defaults, mode="hybrid", rerank=True)),
            BASELINE: baseline_search(baseline, dataset.docs_dir),
        }
        results: dict[str, list[Ranked]] = {}
        start = time.perf_counter()
        for name, search in configs.items():
            say(f"[{dataset.name}] retrieval: {name} over {len(questions)} questions")
            results[name] = evaluate_retrieval(name, search, questions, judge, dataset.name)
            row = retrieval_row(results[name])
            retrieval_rows.append(
                [
                    dataset.name,
                    name,
                    pct(row["hit@1"]),
                    pct(row["hit@5"]),
                    f"{row['MRR@10']:.3f}",
                    f"{row['p50 ms']:.1f}",
                    f"{row['p95 ms']:.1f}",
                ]
            )
        timings.append((f"{dataset.name}: retrieval, 5 configurations x {len(questions)} questions", time.perf_counter() - start))

        start = time.perf_counter()
        say(f"[{dataset.name}] answers: default assistant over {len(questions)} questions")
        answers = evaluate_answers(citewise.assistant, questions, judge, dataset.name)
        timings.append((f"{dataset.name}: answers, {len(questions)} questions", time.perf_counter() - start))

        chunks = indexer.store.count()
        sections += [
            "",
            f"## {dataset.name}",
            "",
            f"{n_answerable} answerable and {len(questions) - n_answerable} unanswerable questions"
            + (
                f" (sample of {len(dataset.questions)} with --limit {args.limit})"
                if len(questions) < len(dataset.questions)
                else ""
            )
            + f"; Citewise index: {chunks} chunks, llama-index baseline: {baseline_chunks} chunks.",
            *[f"- {note}" for note in dataset.notes],
            "",
            "### Answers (default assistant: extractive, hybrid + rerank)",
            "",
            *answer_section(dataset, answers),
            *sweep_section(dataset, results, defaults.top_k, defaults.rerank_margin),
            *failure_section(dataset, results, answers),
        ]
        if judge.unlocated:
            sections += ["", f"({judge.unlocated} passages could not be located in their document and were judged misses.)"]
        for name, runs in results.items():
            for run in runs:
                details.append(
                    {
                        "dataset": dataset.name,
                        "config": name,
                        "question": run.question,
                        "answerable": run.answerable,
                        "rank": run.rank,
                        "ms": round(run.ms, 2),
                        "top": [
                            {"source": h.source, "gold": g, "scores": h.scores, "text": h.text[:200]}
                            for h, g in zip(run.hits[:5], run.gold[:5], strict=True)
                        ],
                    }
                )
        for answer in answers:
            record = asdict(answer)
            record["citations"] = [{"source": c.source, "text": c.text[:300]} for c in answer.citations]
            details.append({"dataset": dataset.name, "config": "answer", **record})

    for name in (n for n in names if n in DEV_SPLITS):
        embedder = run_dev(DEV_SPLITS[name], args, embedder)
    if not datasets:
        return 0

    total = time.perf_counter() - began
    if args.build_only:
        say("; ".join(f"{name}: {clock(seconds)}" for name, seconds in timings))
        return 0
    command = "HF_HUB_OFFLINE=1 .venv/bin/python bench/eval.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    report += [
        "# Citewise evaluation",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} on {platform.node()} ({os.cpu_count()} CPUs): `{command.strip()}`",
        "",
        f"Settings: embed_model={settings.embed_model}, chunk_tokens={settings.chunk_tokens}, "
        f"overlap={settings.chunk_overlap_sentences}, candidates={settings.candidates} per retriever, "
        f"top_k={settings.top_k}, reranker={settings.reranker}, min_rerank_score={settings.min_rerank_score}, "
        f"rerank_margin={getattr(settings, 'rerank_margin', 'n/a')}, min_similarity={settings.min_similarity}, "
        f"answer_sentences={settings.answer_sentences}.",
        "",
        "## Retrieval",
        "",
        *table(["dataset", "configuration", "hit@1", "hit@5", "MRR@10", "p50 ms", "p95 ms"], retrieval_rows, text=(0, 1)),
        "",
        "Scored on answerable questions over the ranked candidates (before the relevance cut-off); latency over all "
        "questions, one query at a time after a warm-up. A passage is gold for a seeds question when it comes from "
        "a gold source and contains a gold answer string (case- and whitespace-insensitive); for a FAQ question when "
        f"it comes from the gold FAQ page and shares at least min({_MIN_OVERLAP} chars, half the section, half the "
        "passage) with the gold section body. The llama-index baseline (SimpleDirectoryReader + default "
        "SentenceSplitter, 1024 tokens) embeds only each chunk's first 256 tokens (the model's window) and "
        "includes file_path metadata in the embedded text, as llama-index does by default.",
        *sections,
        "",
        "## Timings",
        "",
        *table(["phase", "seconds"], [[name, f"{seconds:.1f}"] for name, seconds in timings]),
        "",
        f"Total {clock(total)}.",
    ]
    text = "\n".join(report) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, "utf-8")
    details_path = args.output.with_name(args.output.stem + "_details.jsonl")
    with details_path.open("w", encoding="utf-8") as handle:
        for record in details:
            handle.write(json.dumps(record, default=str) + "\n")
    say(f"wrote {args.output} and {details_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
