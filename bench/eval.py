"""Retrieval and answer evaluation of Citewise, next to a plain llama-index baseline.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python bench/eval.py [--dataset seeds|python-faq|dev|encyclopedia|manual|all] [--limit N]

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
    encyclopedia-tune, encyclopedia-heldout, encyclopedia
                bench/data/encyclopedia_qa.jsonl: questions over FOLDOC's longer entries (Debian's dict-foldoc,
                written as plain text), reported as the development set is; writes encyclopedia.md,
                encyclopedia_details.jsonl and encyclopedia_misses.md.
    manual-tune, manual-heldout, manual
                bench/data/manual_qa.jsonl: questions over the whole Debian Administrator's Handbook (all 127
                HTML pages, asked only of the 68 pages the development set lacks), reported the same way;
                writes manual.md, manual_details.jsonl and manual_misses.md.

Retrieval configurations: BM25 only, dense only, hybrid (RRF), hybrid + cross-encoder rerank,
and llama-index's defaults (SimpleDirectoryReader, SentenceSplitter, Chroma, same embedding
model, similarity_top_k=10). The answer metrics use the assistant exactly as wired by default
(``build_citewise(Settings())``), so CITEWISE_* variables (e.g. CITEWISE_MIN_RERANK_SCORE) apply.

Indexes are cached under bench/.cache keyed by corpus, settings and chunking code: only the
first run pays for embedding (python-faq, measured on 2 busy CPU cores: 54 min for the Citewise
index, 22k chunks, plus 13 min for the baseline; ``--docs-subset`` indexes faq/ plus a few files
instead). With the indexes cached a full run takes about 35 minutes, mostly cross-encoder time.
Tables go to stdout and bench/results/eval.md; per-question records to
bench/results/eval_details.jsonl.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    CACHE,
    REPO,
    RESULTS,
    chroma_client,
    llama_index_baseline,
    load_average,
    machine_line,
    markdown_table,
    median,
    percentile,
    say,
    settings_for,
    stopwatch,
    subsample,
)
from bench.corpus import (
    QUESTION_SETS,
    Dataset,
    Question,
    QuestionSet,
    build_faq,
    load_dev,
    load_seeds,
    loader_source_hash,
    normalise,
)

TOP = 10  # ranks scored (MRR@10); also the baseline's similarity_top_k
# A passage is in the gold FAQ section when it shares at least this many characters with it
# (or half the section, or half the passage, whichever is smallest).
_MIN_OVERLAP = 150
_RERANK_SWEEP = (-6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
_COSINE_SWEEP = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
BASELINE = "llama-index default"
RERANKED = "hybrid + rerank"
HYBRID = "hybrid (RRF)"
# --dataset name -> the question set (bench/data/<set>_qa.jsonl) and the splits it evaluates (each reported on its own).
DEV_SPLITS: dict[str, tuple[QuestionSet, tuple[str, ...]]] = {
    name: (qs, splits)
    for qs in QUESTION_SETS.values()
    for name, splits in ((f"{qs.name}-tune", ("tune",)), (f"{qs.name}-heldout", ("heldout",)), (qs.name, ("tune", "heldout")))
}
Timings = list[tuple[str, float]]
SETTINGS_SHOWN = (
    "embed_model chunk_tokens chunk_overlap_sentences candidates top_k reranker min_rerank_score rerank_margin"
    " rerank_fusion_weight min_similarity answer_sentences min_answer_score sure_answer_score"
)


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


@contextmanager
def phase(timings: Timings, label: str) -> Iterator[None]:
    """Time the block as one row of the report's timing table."""
    with stopwatch() as took:
        yield
    timings.append((label, took.wall))


# --------------------------------------------------------------------------- indexes


def index_settings(dataset: Dataset) -> Any:
    """The default assistant settings (CITEWISE_* variables apply), pointed at this dataset's cached index.

    The cache key covers the corpus bytes, the settings vectors depend on, and the chunking code (the chunker,
    the sentence splitter, the node builder, plain-text loading and its reader).
    """
    import inspect

    from assistant.settings import Settings
    from index import chunker, loader, nodes, sentences
    from index.formats import plain

    settings = Settings()
    code = [inspect.getsource(module) for module in (chunker, sentences, nodes, plain)]
    code += [inspect.getsource(function) for function in (loader.load, loader.decode_text, loader._plain)]
    parts = {
        "corpus": dataset.fingerprint(),
        "embed_model": settings.embed_model,
        "chunk_tokens": settings.chunk_tokens,
        "overlap": settings.chunk_overlap_sentences,
        "code": hashlib.sha256("\0".join(code).encode()).hexdigest(),
    }
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return settings_for(CACHE / f"index-{dataset.name}-{key}", dataset.docs_dir, collection="bench")


def prune_stale_indexes(dataset: Dataset, keep: Path) -> None:
    """Delete the dataset's cached indexes other than ``keep``: each was built by other code or settings, nothing reads
    it again, and a change of the readers alone leaves one more per question set (bench/.cache grew to 2.9 GB so)."""
    pattern = re.compile(rf"index-{re.escape(dataset.name)}-[0-9a-f]{{16}}")
    stale = [path for path in CACHE.glob(f"index-{dataset.name}-*") if path != keep and pattern.fullmatch(path.name)]
    for path in stale:
        shutil.rmtree(path)
    if stale:
        say(f"[index {dataset.name}] removed {len(stale)} stale cached index(es): {', '.join(p.name for p in stale)}")


def build_index(dataset: Dataset, indexer: Any) -> Any:
    """Sync the cached Citewise index with the dataset's documents (a no-op when up to date)."""
    from index import SyncReport
    from index.plan import walk

    sizes = [path.stat().st_size for _, path in walk(dataset.docs_dir, SyncReport())]
    began = last = time.perf_counter()

    def progress(done: int, files: int, embedded: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last < 20 and done < files:
            return
        last, elapsed = now, now - began
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
    import llama_index.core
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    parts = {"corpus": dataset.fingerprint(), "model": embedder.model_name, "llama_index": llama_index.core.__version__}
    where = CACHE / f"baseline-{dataset.name}-{hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]}"
    marker = where / "complete.json"
    if marker.is_file():
        collection = chroma_client(where / "chroma").get_collection("baseline")
        say(f"[baseline {dataset.name}] cached: {collection.count()} chunks in {where}")
        store = ChromaVectorStore(chroma_collection=collection)
        return VectorStoreIndex.from_vector_store(store, embed_model=embedder), collection.count()
    say(f"[baseline {dataset.name}] embedding (llama-index progress bars follow)")
    index, collection, took = llama_index_baseline(
        dataset.docs_dir, where / "chroma", embedder, exclude_hidden=False, show_progress=True
    )
    marker.write_text(json.dumps({"chunks": collection.count(), "seconds": round(took.wall, 1)}))
    say(f"[baseline {dataset.name}] {collection.count()} chunks in {clock(took.wall)}")
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
    raw: bool = False  # text and offsets are the file's own (the baseline reads files as they are)


def as_hit(passage: Any) -> Hit:
    """A retrieved passage (``assistant.retrieval.Passage``) as a Hit."""
    return Hit(passage.source, passage.text, passage.start_char, passage.end_char, passage.chunk_id, dict(passage.scores))


class Judge:
    """Decides whether a passage (or a citation) is gold evidence for a question."""

    def __init__(self, dataset: Dataset) -> None:
        self.texts = dataset.texts()
        self.raw_texts = dataset.raw_texts()
        self.unlocated = 0

    def span(self, hit: Hit) -> tuple[int, int] | None:
        """Where ``hit`` sits in its document: its own offsets when they check out, else found by text."""
        document = (self.raw_texts if hit.raw else self.texts).get(hit.source)
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
        if question.span is None:
            return contains_answer(question, hit.text)
        span = self.span(hit)
        gold = question.raw_span if hit.raw else question.span
        if span is None or gold is None:
            return False
        start, end = gold
        overlap = min(end, span[1]) - max(start, span[0])
        return overlap >= min(_MIN_OVERLAP, (end - start) / 2, (span[1] - span[0]) / 2)

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


def outcome(question: Question, answer: Any) -> str:
    """An answer judged as the question sets count it: "refused", "right" (it holds a gold answer) or "wrong"."""
    return judged(question, answer.refused, answer.text)


def judged(question: Question, refused: bool, text: str) -> str:
    """``text`` judged as an answer to ``question`` (``outcome``), or "refused"."""
    if refused:
        return "refused"
    return "right" if question.answers and contains_answer(question, text) else "wrong"


def outcome_cells(outcomes: Counter[str]) -> list[object]:
    """A table's cells for counted outcomes: right, wrong, refused, the wrong-answer rate, right - 2 x wrong."""
    right, wrong = outcomes["right"], outcomes["wrong"]
    return [right, wrong, outcomes["refused"], ratio(wrong, right + wrong), right - 2 * wrong]


def configurations(retriever: Any, baseline: Any, docs_dir: Path) -> dict[str, Search]:
    """The five retrieval configurations: the assistant's own retriever under four option sets, and the baseline."""
    root = docs_dir.resolve()
    plain = baseline.as_retriever(similarity_top_k=TOP)

    def ours(mode: str, rerank: bool) -> Search:
        options = replace(retriever.defaults, mode=mode, rerank=rerank)
        return lambda query: [as_hit(p) for p in retriever.search(query, options).passages]

    def baseline_search(query: str) -> list[Hit]:
        hits = []
        for found in plain.retrieve(query):
            node = found.node
            path = Path(str(node.metadata.get("file_path", ""))).resolve()
            source = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
            hits.append(
                Hit(
                    source,
                    node.get_content(),
                    node.start_char_idx,
                    node.end_char_idx,
                    node.node_id,
                    {"score": found.score},
                    raw=True,
                )
            )
        return hits

    configs = {"bm25": ours("keyword", False), "dense": ours("dense", False), HYBRID: ours("hybrid", False)}
    return configs | {RERANKED: ours("hybrid", True), BASELINE: baseline_search}


def evaluate_retrieval(name: str, search: Search, questions: list[Question], judge: Judge, label: str) -> list[Ranked]:
    search(questions[0].question)  # warm-up: first-call costs are not retrieval latency
    results = []
    began = time.perf_counter()
    for number, question in enumerate(questions, start=1):
        with stopwatch() as took:
            hits = search(question.question)
        gold = [judge.is_gold(question, hit) for hit in hits] if question.answerable else [False] * len(hits)
        rank = next((i for i, g in enumerate(gold[:TOP], start=1) if g), None)
        results.append(Ranked(question.question, question.answerable, rank, took.wall * 1000, hits, gold))
        if number % 25 == 0:
            say(f"[{label}] {name}: {number}/{len(questions)} questions, {clock(time.perf_counter() - began)}")
    return results


def retrieval_row(dataset: str, name: str, results: list[Ranked]) -> list[str]:
    """dataset, configuration, hit@1, hit@5, MRR@10 over the answerable questions; p50 and p95 ms over all."""
    scored = [r for r in results if r.answerable]
    n = max(1, len(scored))
    ms = [r.ms for r in results]
    return [
        dataset,
        name,
        pct(sum(r.rank == 1 for r in scored) / n),
        pct(sum(r.rank is not None and r.rank <= 5 for r in scored) / n),
        f"{sum(1 / r.rank for r in scored if r.rank) / n:.3f}",
        f"{percentile(ms, 50):.1f}",
        f"{percentile(ms, 95):.1f}",
    ]


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
    tentative: bool = False  # answered, with the warning that it may not say what was asked
    gold_closest: bool = False  # refused, and a gold passage is among the closest passages it offers


def evaluate_answers(assistant: Any, questions: list[Question], judge: Judge, label: str) -> list[Answered]:
    assistant.ask(questions[0].question).complete()  # warm-up
    results = []
    began = time.perf_counter()
    for number, question in enumerate(questions, start=1):
        with stopwatch() as took:
            answer = assistant.ask(question.question).complete()
        results.append(judge_answer(question, answer, took.wall * 1000, judge))
        if number % 25 == 0:
            say(f"[{label}] answers: {number}/{len(questions)} questions, {clock(time.perf_counter() - began)}")
    return results


def judge_answer(question: Question, answer: Any, ms: float, judge: Judge) -> Answered:
    """An assistant's answer, judged: its citations, whether it holds gold, where its own retrieval put gold evidence."""
    passages = {p.chunk_id: p for p in (answer.retrieval.passages if answer.retrieval else [])}
    citations = []
    for citation in answer.citations:
        passage = passages.get(citation.chunk_id)
        start, end = (passage.start_char, passage.end_char) if passage else (None, None)
        citations.append(Hit(citation.source, citation.text, start, end, citation.chunk_id))
    reranks = [score for p in passages.values() if (score := p.scores.get("rerank")) is not None]
    gold_rank, gold_kept = None, False
    if answer.retrieval is not None and question.answerable:
        gold_rank = next(
            (i for i, p in enumerate(answer.retrieval.passages, start=1) if judge.is_gold(question, as_hit(p))), None
        )
        gold_kept = any(judge.is_gold(question, as_hit(p)) for p in answer.retrieval.relevant)
    return Answered(
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
        tentative=answer.tentative,
        gold_closest=question.answerable and any(judge.is_gold(question, as_hit(p)) for p in answer.closest),
    )


def wrong_answers(answers: list[Answered], correct: Callable[[Answered], bool]) -> tuple[int, int]:
    """(wrong, given): answers given (not refused) that are not ``correct``; every answer to an unanswerable question is wrong."""
    given = [a for a in answers if not a.refused]
    return sum(not (a.answerable and correct(a)) for a in given), len(given)


# --------------------------------------------------------------------------- report


def pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def ratio(numerator: int, denominator: int) -> str:
    return f"{pct(numerator / denominator)} ({numerator}/{denominator})" if denominator else "n/a"


def clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def holds_gold(answer: Answered) -> bool:
    return answer.contains_gold


def cites_gold(answer: Answered) -> bool:
    return any(answer.cited_ok)


def answer_cells(answers: list[Answered], correct: Callable[[Answered], bool] = holds_gold) -> dict[str, str]:
    """Every answer metric of a group of answers, by column name; each table picks its columns."""
    answerable = [a for a in answers if a.answerable]
    unanswerable = [a for a in answers if not a.answerable]
    answered = [a for a in answerable if not a.refused]
    cited = [ok for a in answered for ok in a.cited_ok]
    strict = [ok for a in answered for ok in a.cited_strict]
    ms = [a.ms for a in answers]
    given = [a for a in answers if not a.refused]
    right = [a for a in given if a.answerable and correct(a)]
    wrong = [a for a in given if not (a.answerable and correct(a))]
    unmarked = [a for a in given if not a.tentative]
    return {
        "answer contains gold": ratio(sum(a.contains_gold for a in answerable), len(answerable)),
        "cites the gold section": ratio(sum(cites_gold(a) for a in answerable), len(answerable)),
        "false refusals": ratio(sum(a.refused for a in answerable), len(answerable)),
        "refusal accuracy (unanswerable)": ratio(sum(a.refused for a in unanswerable), len(unanswerable)),
        "citation precision": ratio(sum(cited), len(cited)),
        "strict citation precision": ratio(sum(strict), len(strict)),
        "wrong-answer rate": ratio(*wrong_answers(answers, correct)),
        "gold passage in top 5 candidates": ratio(
            sum(a.gold_rank is not None and a.gold_rank <= 5 for a in answerable), len(answerable)
        ),
        "gold passage kept (passed the cut-off)": ratio(sum(a.gold_kept for a in answerable), len(answerable)),
        "median ms": f"{median(ms):.0f}",
        "p95 ms": f"{percentile(ms, 95):.0f}",
        "answers marked tentative": ratio(sum(a.tentative for a in given), len(given)),
        "wrong answers marked": ratio(sum(a.tentative for a in wrong), len(wrong)),
        "right answers marked": ratio(sum(a.tentative for a in right), len(right)),
        "wrong-answer rate of the unmarked": ratio(*wrong_answers(unmarked, correct)),
        "false refusals offering a gold passage": ratio(
            sum(a.gold_closest for a in answerable if a.refused), sum(a.refused for a in answerable)
        ),
    }


SEEDS_ANSWERS = (
    "answer contains gold|false refusals|refusal accuracy (unanswerable)|citation precision|strict citation precision"
    "|wrong-answer rate|median ms|p95 ms".split("|"),
    "Citation precision: citations of answered answerable questions whose passage contains a gold answer "
    "or comes from a gold source; strict: whose passage contains a gold answer string. Wrong-answer rate: "
    "answers given (not refused) that lack the gold answer, answers to unanswerable questions included, "
    "over all answers given.",
)
FAQ_ANSWERS = (
    ["cites the gold section", "false refusals", "citation precision", "wrong-answer rate", "median ms", "p95 ms"],
    "Citation precision: citations whose passage belongs to the gold FAQ section (same overlap rule). "
    "Wrong-answer rate: answers given (not refused) that cite no passage of the gold section, over all answers given.",
)


def answer_section(dataset: Dataset, answers: list[Answered]) -> list[str]:
    """The answer table: seeds are judged by gold answer strings, the FAQ by the gold section cited."""
    (columns, note), correct = (SEEDS_ANSWERS, holds_gold) if dataset.name == "seeds" else (FAQ_ANSWERS, cites_gold)
    cells = answer_cells(answers, correct)
    return [
        markdown_table(["answerer", *columns], [["extractive, hybrid + rerank", *(cells[c] for c in columns)]], text=(0,)),
        "",
        note,
        "",
        markdown_table(["answerer", *TENTATIVE], [["extractive, hybrid + rerank", *(cells[c] for c in TENTATIVE)]], text=(0,)),
        "",
        "Tentative answers and closest passages, as in the development set's table (wrong and right as judged above).",
    ]


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


def sweep_section(results: dict[str, list[Ranked]], top_k: int, margin: float) -> list[str]:
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
        header = [setting, *names] + ([f"{name}, BM25-only passages dropped" for name in names] if len(variants) > 1 else [])
        cut = f"top_k={top_k}" + (f", rerank_margin={margin:g}" if stage == "rerank" else "")
        lines += [
            "",
            f"Cut-off sweep on the {config} retrieval ({stage} score, {cut}):",
            "",
            markdown_table(header, rows, text=(0,)),
        ]
        spread = []
        for label, group in (("answerable", answerable), ("unanswerable", unanswerable)):
            tops = [
                max(scores) for r in group if (scores := [float(v) for h in r.hits if (v := h.scores.get(stage)) is not None])
            ]
            if tops:
                spread.append(
                    f"{label} min/q1/median/q3/max {' / '.join(f'{percentile(tops, q):.2f}' for q in (0, 25, 50, 75, 100))}"
                )
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
    reranked = results.get(RERANKED, [])
    rows = []
    for i, run in enumerate(reranked):
        if not run.answerable or (run.rank is not None and run.rank <= 5):
            continue
        top = run.hits[0] if run.hits else None
        best = top.scores.get("rerank") if top else None
        ranks = [str(results[c][i].rank or "—") for c in results]
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
        lines.append(markdown_table(["question", *results, "top rerank", "top passage"], rows, text=(0, -1)))
    else:
        lines.append(f"{RERANKED} puts a gold passage in the top 5 for every answerable question.")
    if reranked and HYBRID in results:
        pairs = [(a.rank or 99, b.rank or 99) for a, b in zip(results[HYBRID], reranked, strict=True) if a.answerable]
        helped, hurt = sum(a > 5 >= b for a, b in pairs), sum(b > 5 >= a for a, b in pairs)
        lines += ["", f"Reranking moved gold into the top 5 for {helped} question(s) and out of it for {hurt}."]
    items = []
    for a in answers:
        rerank = f"(top rerank {fmt(a.top_rerank)})"
        if a.answerable and a.refused:
            items.append(f"- refused an answerable question: {a.question!r} {rerank}")
        elif not a.answerable and not a.refused:
            items.append(f"- answered an unanswerable question: {a.question!r} {rerank}: {clip(a.text, 160)}")
        elif a.answerable and dataset.name == "seeds" and not a.contains_gold:
            items.append(f"- answer lacks the gold answer: {a.question!r} {rerank}: {clip(a.text, 160)}")
        elif a.answerable and dataset.name != "seeds" and not any(a.cited_ok):
            where = ", ".join(sorted({c.source for c in a.citations}))
            items.append(f"- cites no passage of the gold section: {a.question!r} (cites {where}): {clip(a.text, 120)}")
        if a.answerable and not a.refused and any(a.cited_ok) and not all(a.cited_ok):
            bad = [c.source for c, ok in zip(a.citations, a.cited_ok, strict=True) if not ok]
            items.append(f"- {len(bad)} of {len(a.cited_ok)} citations off-target for {a.question!r}: {', '.join(bad)}")
    return lines + (["", "Answerer failures:", "", *items] if items else [])


def settings_line(settings: Any, names: str) -> str:
    return ", ".join(f"{name}={getattr(settings, name)}" for name in names.split())


@dataclass
class Run:
    """This invocation: its options, and for every report it writes, its command line and the machine at its start."""

    args: argparse.Namespace
    argv: list[str]
    machine: str = field(default_factory=machine_line)
    began: float = field(default_factory=time.perf_counter)

    def header(self, title: str) -> list[str]:
        """A report's title, the machine line and the command that produced it."""
        command = "HF_HUB_OFFLINE=1 .venv/bin/python bench/eval.py " + shlex.join(self.argv)
        return [f"# {title}", "", f"{self.machine}; load average at the end {load_average()}", "", f"`{command.strip()}`", ""]


def timing_lines(timings: Timings, began: float) -> list[str]:
    return [
        markdown_table(["phase", "seconds"], [[name, f"{seconds:.1f}"] for name, seconds in timings], text=(0,)),
        "",
        f"Total {clock(time.perf_counter() - began)}.",
    ]


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record, default=str, ensure_ascii=False) + "\n" for record in records)


# --------------------------------------------------------------------------- seeds and Python FAQ


@dataclass
class Evaluated:
    """One dataset's contribution to the report: retrieval table rows, its section, per-question records."""

    rows: list[list[str]]
    section: list[str]
    details: list[dict[str, Any]]


def evaluate_dataset(
    dataset: Dataset, citewise: Any, baseline: Any, baseline_chunks: int, limit: int | None, timings: Timings
) -> Evaluated:
    """Every retrieval configuration, then the default assistant's answers, over the dataset's questions."""
    questions = subsample(dataset.questions, limit)
    judge = Judge(dataset)
    retriever = citewise.assistant.retriever
    results: dict[str, list[Ranked]] = {}
    with phase(timings, f"{dataset.name}: retrieval, 5 configurations x {len(questions)} questions"):
        for name, search in configurations(retriever, baseline, dataset.docs_dir).items():
            say(f"[{dataset.name}] retrieval: {name} over {len(questions)} questions")
            results[name] = evaluate_retrieval(name, search, questions, judge, dataset.name)
    with phase(timings, f"{dataset.name}: answers, {len(questions)} questions"):
        say(f"[{dataset.name}] answers: default assistant over {len(questions)} questions")
        answers = evaluate_answers(citewise.assistant, questions, judge, dataset.name)
    answerable = sum(q.answerable for q in questions)
    sample = f" (sample of {len(dataset.questions)} with --limit {limit})" if len(questions) < len(dataset.questions) else ""
    section = [
        "",
        f"## {dataset.name}",
        "",
        f"{answerable} answerable and {len(questions) - answerable} unanswerable questions{sample}; "
        f"Citewise index: {citewise.indexer.store.count()} chunks, llama-index baseline: {baseline_chunks} chunks.",
        *[f"- {note}" for note in dataset.notes],
        "",
        "### Answers (default assistant: extractive, hybrid + rerank)",
        "",
        *answer_section(dataset, answers),
        *sweep_section(results, retriever.defaults.top_k, retriever.defaults.rerank_margin),
        *failure_section(dataset, results, answers),
    ]
    if judge.unlocated:
        section += ["", f"({judge.unlocated} passages could not be located in their document and were judged misses.)"]
    details: list[dict[str, Any]] = [
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
        for name, runs in results.items()
        for run in runs
    ]
    for answer in answers:
        citations = [{"source": c.source, "text": c.text[:300]} for c in answer.citations]
        details.append({"dataset": dataset.name, "config": "answer", **asdict(answer), "citations": citations})
    rows = [retrieval_row(dataset.name, name, runs) for name, runs in results.items()]
    return Evaluated(rows, section, details)


RETRIEVAL_NOTE = (
    "Scored on answerable questions over the ranked candidates (before the relevance cut-off); latency over all "
    "questions, one query at a time after a warm-up. A passage is gold for a seeds question when it comes from "
    "a gold source and contains a gold answer string (case- and whitespace-insensitive); for a FAQ question when "
    f"it comes from the gold FAQ page and shares at least min({_MIN_OVERLAP} chars, half the section, half the "
    "passage) with the gold section body. The llama-index baseline (SimpleDirectoryReader + default "
    "SentenceSplitter, 1024 tokens) embeds only each chunk's first 256 tokens (the model's window) and "
    "includes file_path metadata in the embedded text, as llama-index does by default."
)


def write_eval_report(run: Run, settings: Any, evaluated: list[Evaluated], timings: Timings) -> None:
    """bench/results/eval.md (and stdout) and eval_details.jsonl."""
    lines = [
        *run.header("Citewise evaluation"),
        f"Settings: {settings_line(settings, SETTINGS_SHOWN)}.",
        "",
        "## Retrieval",
        "",
        markdown_table(
            ["dataset", "configuration", "hit@1", "hit@5", "MRR@10", "p50 ms", "p95 ms"],
            [r for e in evaluated for r in e.rows],
            text=(0, 1),
        ),
        "",
        RETRIEVAL_NOTE,
        *[line for e in evaluated for line in e.section],
        "",
        "## Timings",
        "",
        *timing_lines(timings, run.began),
    ]
    print("\n".join(lines) + "\n")
    output = run.args.output
    write_lines(output, lines)
    details_path = output.with_name(output.stem + "_details.jsonl")
    write_jsonl(details_path, [record for e in evaluated for record in e.details])
    say(f"wrote {output} and {details_path}")


# --------------------------------------------------------------------------- development set (issue 11)

DevPair = tuple[Question, Answered]


def dev_correct(question: Question, answer: Answered) -> bool:
    """Answerable: the answer contains a gold answer. Unanswerable: it was refused."""
    return answer.contains_gold if question.answerable else answer.refused


DEV_CITATIONS = (
    "citation precision|strict citation precision|gold passage in top 5 candidates|gold passage kept (passed the cut-off)"
    "|median ms|p95 ms".split("|")
)


def dev_answer_row(label: str, pairs: list[DevPair]) -> list[str]:
    cells = answer_cells([a for _, a in pairs])
    unanswerable = [(q, a) for q, a in pairs if not q.answerable]
    near = [a for q, a in unanswerable if q.unanswerable == "near-topic"]
    off = [a for q, a in unanswerable if q.unanswerable == "off-topic"]
    return [
        label,
        f"{len(pairs) - len(unanswerable)}+{len(unanswerable)}",
        *(cells[c] for c in ("answer contains gold", "false refusals", "refusal accuracy (unanswerable)")),
        ratio(sum(a.refused for a in near), len(near)),
        ratio(sum(a.refused for a in off), len(off)),
        cells["wrong-answer rate"],
    ]


TENTATIVE = [
    "answers marked tentative",
    "wrong answers marked",
    "right answers marked",
    "wrong-answer rate of the unmarked",
    "false refusals offering a gold passage",
]


def dev_tables(results: dict[str, list[DevPair]], qs: QuestionSet) -> list[str]:
    """Per split, and per corpus within it: the answer table, the citation table, and a breakdown by question kind."""
    groups: list[tuple[str, list[DevPair]]] = []
    for split, pairs in results.items():
        groups.append((f"**{split}**, all corpora", pairs))
        if len(qs.corpora) > 1:
            groups += [(f"{split}, {c.name}", [(q, a) for q, a in pairs if q.corpus == c.name]) for c in qs.corpora]
    answer_header = ["split, corpus", "questions (ans.+unans.)", "answer contains gold", "false refusals"]
    answer_header += ["refusal accuracy (unanswerable)", "near-topic refused", "off-topic refused", "wrong-answer rate"]
    kind_rows = []
    for kind in sorted({q.kind for pairs in results.values() for q, _ in pairs}):
        row = [kind]
        for pairs in results.values():
            of_kind = [(q, a) for q, a in pairs if q.kind == kind]
            row.append(ratio(sum(a.contains_gold for q, a in of_kind if q.answerable), sum(q.answerable for q, _ in of_kind)))
            row.append(ratio(sum(a.refused for q, a in of_kind if not q.answerable), sum(not q.answerable for q, _ in of_kind)))
        kind_rows.append(row)
    kind_header = ["kind"] + [f"{split}: {what}" for split in results for what in ("contains gold", "unanswerable refused")]
    return [
        markdown_table(answer_header, [dev_answer_row(label, pairs) for label, pairs in groups], text=(0,)),
        "",
        "Answer contains gold: answerable questions whose answer holds a gold answer string (case- and "
        "whitespace-insensitive). Refusal accuracy: unanswerable questions refused, split into near-topic (the "
        "corpus has the subject but not the fact) and off-topic. Wrong-answer rate: answers given (not refused) "
        "that do not contain a gold answer, answers to unanswerable questions included, over all answers given.",
        "",
        markdown_table(
            ["split, corpus", *DEV_CITATIONS],
            [[label, *map(answer_cells([a for _, a in pairs]).get, DEV_CITATIONS)] for label, pairs in groups],
            text=(0,),
        ),
        "",
        "Citation precision: citations of answered answerable questions whose passage contains a gold answer or "
        "comes from a gold source (as for the seeds); strict: whose passage contains a gold answer. The two "
        "retrieval columns are diagnostics from the answer's own retrieval: a gold passage (from a gold source, "
        "holding a gold answer) among the first 5 ranked candidates, and among the passages kept for answering.",
        "",
        markdown_table(kind_header, kind_rows, text=(0,)),
        "",
        markdown_table(
            ["split, corpus", *TENTATIVE],
            [[label, *map(answer_cells([a for _, a in pairs]).get, TENTATIVE)] for label, pairs in groups],
            text=(0,),
        ),
        "",
        "Tentative: an answer whose best sentence passed the answer bar but not the sure bar (`sure_answer_score`), "
        "shown with a warning to check its source. Wrong answers include answers to unanswerable questions. A refusal "
        "offers the closest passages it found on the subject (`Answer.closest`, up to 3): the last column counts the "
        "false refusals among which a gold passage is offered.",
    ]


def dev_record(question: Question, answer: Answered, judge: Judge) -> dict[str, Any]:
    correct = dev_correct(question, answer)
    citations = [
        {
            "source": c.source,
            "ok": judge.citation_ok(question, c),
            "contains_gold": contains_answer(question, c.text),
            "text": c.text[:300],
        }
        for c in answer.citations
    ]
    return {
        **{key: getattr(question, key) for key in ("id", "split", "corpus", "kind", "answerable")},
        "unanswerable": question.unanswerable or None,
        "question": question.question,
        "gold": question.answers,
        "gold_sources": question.sources,
        "answer": answer.text,
        "refused": answer.refused,
        "correct": correct,
        "wrong_answer": not answer.refused and not correct,
        "tentative": answer.tentative,
        "gold_closest": answer.gold_closest,
        "citations": citations,
        "gold_rank": answer.gold_rank,
        "gold_kept": answer.gold_kept,
        "top_rerank": answer.top_rerank,
        "ms": round(answer.ms, 1),
    }


def dev_misses(results: dict[str, list[DevPair]], qs: QuestionSet) -> list[str]:
    """Every question not answered correctly, grouped by split and by what went wrong."""
    lines = [f"# {'Development' if qs.name == 'dev' else qs.name.capitalize()} set: misses", ""]
    for split, pairs in results.items():
        buckets: dict[str, list[str]] = {
            "answered an unanswerable question": [],
            "answer lacks the gold answer": [],
            "refused an answerable question": [],
        }
        for q, a in (pair for pair in pairs if not dev_correct(*pair)):
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

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    diff = git("diff", "--stat", "--", "index/loader.py")
    state = f"uncommitted changes ({diff.splitlines()[-1].strip()})" if diff else "no uncommitted changes"
    formats = git("status", "--short", "--", "index/formats")
    if formats:
        state += f"; index/formats/ not committed ({'; '.join(formats.splitlines())})"
    last = git("log", "-1", "--format=%h %ad", "--date=short", "--", "index/loader.py") or "unknown"
    return f"index/loader.py at commit {last}, {state}; reader source sha256 {loader_source_hash()[:12]}"


def run_dev(qs: QuestionSet, splits: tuple[str, ...], run: Run, embedder: Any) -> Any:
    """Index the set's corpora into one index, ask each split's questions; write <set>.md, _details.jsonl, _misses.md.

    Returns the embedder (created here if ``embedder`` is None), so later datasets can share it.
    """
    began = time.perf_counter()
    timings: Timings = []
    with phase(timings, "load corpora and models, sync the index (cached after the first build)"):
        dataset = load_dev(qs)  # every question: the index is the same for both splits
        settings = index_settings(dataset)
        citewise, embedder = open_assistant(settings, embedder)
        indexer = build_index(dataset, citewise.indexer)
    if run.args.prune_cache:
        prune_stale_indexes(dataset, settings.data_dir)
    if run.args.build_only:
        return embedder
    judge = Judge(dataset)
    results: dict[str, list[DevPair]] = {}
    for split in splits:
        questions = subsample([q for q in dataset.questions if q.split == split], run.args.limit)
        label = f"{qs.name}-{split}"
        with phase(timings, f"{label}: answers, {len(questions)} questions"):
            say(f"[{label}] answers: default assistant over {len(questions)} questions")
            results[split] = list(zip(questions, evaluate_answers(citewise.assistant, questions, judge, label), strict=True))
    stored = indexer.store.documents()
    corpus_rows = []
    for corpus in qs.corpora:
        docs = [d for source, d in stored.items() if source.startswith(corpus.name + "/")]
        n = sum(q.corpus == corpus.name for q in dataset.questions)
        corpus_rows.append(
            [corpus.name, corpus.package, str(len(docs)), str(sum(d.stored_chunks for d in docs)), str(n), corpus.kind]
        )
    lines = [
        *run.header(f"Citewise {'development' if qs.name == 'dev' else qs.name} set (bench/data/{qs.questions.name})"),
        f"Loader: {loader_version()}.",
        "",
        f"Settings: the default assistant, build_citewise(Settings()): {settings_line(settings, SETTINGS_SHOWN + ' llm')}.",
        "",
        f"One index over all corpora ({indexer.store.count()} chunks); a source is `<corpus>/<path>`.",
        "",
        markdown_table(["corpus", "Debian package", "files", "chunks", "questions", "kind"], corpus_rows, text=(0, 1, -1)),
        "",
        *dev_tables(results, qs),
        "",
        *timing_lines(timings, began),
    ]
    print("\n".join(lines) + "\n")
    folder = run.args.output.parent
    stem = qs.name
    write_lines(folder / f"{stem}.md", lines)
    write_lines(folder / f"{stem}_misses.md", dev_misses(results, qs))
    write_jsonl(folder / f"{stem}_details.jsonl", [dev_record(q, a, judge) for pairs in results.values() for q, a in pairs])
    say(f"wrote {folder / f'{stem}.md'}, {folder / f'{stem}_details.jsonl'} and {folder / f'{stem}_misses.md'}")
    return embedder


# --------------------------------------------------------------------------- main


def open_assistant(settings: Any, embedder: Any) -> tuple[Any, Any]:
    """The assistant exactly as wired by default (its retriever also runs the other configurations), sharing one embedder."""
    from assistant import build_citewise
    from index import Embedder

    embedder = embedder or Embedder(settings.embed_model, batch_size=settings.embed_batch_size)
    return build_citewise(settings, embedder), embedder


def synced_assistant(dataset: Dataset, embedder: Any = None) -> tuple[Any, Any]:
    """``open_assistant`` over the dataset's cached index, synced first: a cache made for other loader or chunking code
    is a new, empty folder, and a benchmark run on it would measure refusals, not answers."""
    citewise, embedder = open_assistant(index_settings(dataset), embedder)
    build_index(dataset, citewise.indexer)
    return citewise, embedder


def synced_question_sets(names: list[str]) -> Iterator[tuple[str, Dataset, Any]]:
    """Each named question set (``QUESTION_SETS``) with ``synced_assistant`` over its index; one embedding model for all."""
    embedder = None
    for name in names:
        dataset = load_dev(QUESTION_SETS[name])
        citewise, embedder = synced_assistant(dataset, embedder)
        yield name, dataset, citewise


def dev_assistant(split: str) -> tuple[Any, list[Question]]:
    """The default assistant over the cached development index, and the questions of one half ("tune", "heldout")."""
    dataset = load_dev()
    citewise, _ = synced_assistant(dataset)
    return citewise.assistant, [q for q in dataset.questions if q.split == split]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
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
    parser.add_argument(
        "--prune-cache", action="store_true", help="delete each dataset's cached indexes that other code or settings built"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "eval.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run = Run(args, sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
    names = ["seeds", "python-faq", "dev"] if args.dataset == "all" else [args.dataset]
    timings: Timings = []
    datasets = []
    for name in (n for n in names if n not in DEV_SPLITS):
        with phase(timings, f"{name}: load questions and corpus"):
            datasets.append(load_seeds() if name == "seeds" else build_faq(subset=args.docs_subset))
    embedder, settings, evaluated = None, None, []
    for dataset in datasets:
        settings = index_settings(dataset)
        with phase(timings, f"{dataset.name}: load models, build the assistant"):
            citewise, embedder = open_assistant(settings, embedder)
        with phase(timings, f"{dataset.name}: Citewise index (sync; cached after the first build)"):
            build_index(dataset, citewise.indexer)
        if args.prune_cache:
            prune_stale_indexes(dataset, settings.data_dir)
        with phase(timings, f"{dataset.name}: llama-index baseline index (cached after the first build)"):
            baseline, baseline_chunks = build_baseline(dataset, embedder)
        if not args.build_only:
            evaluated.append(evaluate_dataset(dataset, citewise, baseline, baseline_chunks, args.limit, timings))
    for name in (n for n in names if n in DEV_SPLITS):
        embedder = run_dev(*DEV_SPLITS[name], run, embedder)
    if args.build_only and timings:
        say("; ".join(f"{name}: {clock(seconds)}" for name, seconds in timings))
    elif evaluated:
        write_eval_report(run, settings, evaluated, timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
