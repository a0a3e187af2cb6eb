"""Finding the passages that answer a query: dense + BM25, fused, reranked, cut off by relevance."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from llama_index.core import VectorStoreIndex
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

from assistant.rerank import Reranker
from assistant.settings import DEFAULTS, RetrievalMode, Settings
from index import Embedder, KeywordCache, KeywordIndex, Store
from index.keywords import MAX_QUERY_TERMS, KeywordHit
from index.text import WORD, asked_part, content_words, stem, written_options

logger = logging.getLogger(__name__)

_RRF_K = 60  # the constant from the reciprocal rank fusion paper
_T = TypeVar("_T")


@dataclass
class Passage:
    """One retrieved chunk with where it came from and how each stage scored it."""

    chunk_id: str
    source: str
    title: str
    text: str
    page: int | None
    start_char: int
    end_char: int
    section: str = ""  # the headings the chunk sits under, innermost last, joined by " > "; "" for none
    code: frozenset[str] = frozenset()  # the words its document marks as inline code ("atrm"), lower-cased
    # A record chunked alone (a table's row, "version: 8 | codename: Jessie | ..."): its section ("debian", the file's
    # name) is all that says what it is about, and the cross-encoder reads the passage under it.
    record: bool = False
    score: float = 0.0  # the score the relevance cut-off uses (rerank, else dense cosine, else fused)
    scores: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Retrieval:
    """The ranked passages for one query, those that passed the cut-off first."""

    query: str
    passages: list[Passage]
    relevant: list[Passage]
    timings: dict[str, float]

    @cached_property
    def holding_every_word(self) -> list[Passage]:
        """The passages found, in their order, that hold every content word of the query (met by ``stem``), whether they
        passed the cut-off or not: what a refusal offers when none did.

        The cross-encoder scores a few search terms low whatever the passages say ("masks", "Serbia", "WHO donation"
        all fall under the cut-off over the seeds, which hold those words in many passages), so "nothing in the
        documents" would be untrue; the passages that hold the words are offered to read, never quoted as an answer.
        """
        wanted = {stem(word) for word in content_words(self.query, MAX_QUERY_TERMS)}
        if not wanted:
            return []
        return [
            passage
            for passage in self.passages
            if wanted <= {stem(word) for word in WORD.findall(f"{passage.title} {passage.section} {passage.text}")}
        ]

    @classmethod
    def joined(cls, retrievals: Sequence[Retrieval]) -> Retrieval:
        """The searches of several questions asked in one message as one: their queries, and their passages in order,
        each once."""

        def once(passages: Iterable[Passage]) -> list[Passage]:
            kept: dict[str, Passage] = {}
            for passage in passages:
                kept.setdefault(passage.chunk_id, passage)
            return list(kept.values())

        timings: dict[str, float] = {}
        for retrieval in retrievals:
            for stage, seconds in retrieval.timings.items():
                timings[stage] = timings.get(stage, 0.0) + seconds
        return cls(
            query=" ".join(retrieval.query for retrieval in retrievals),
            passages=once(p for retrieval in retrievals for p in retrieval.passages),
            relevant=once(p for retrieval in retrievals for p in retrieval.relevant),
            timings=timings,
        )

    def to_json(self, top_k: int) -> dict[str, Any]:
        """The ``search --json`` contract (and ``/v1/search``): the first ``top_k`` passages with their stage scores."""
        relevant = {passage.chunk_id for passage in self.relevant}
        return {
            "query": self.query,
            "results": [
                {
                    "rank": rank,
                    "source": p.source,
                    "title": p.title,
                    "section": p.section,
                    "page": p.page,
                    "text": p.text,
                    "score": round(p.score, 4),
                    "relevant": p.chunk_id in relevant,
                    "scores": {k: (round(v, 4) if v is not None else None) for k, v in p.scores.items()},
                }
                for rank, p in enumerate(self.passages[:top_k], start=1)
            ],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class SearchOptions:
    """How one search runs; the settings give the defaults (see ``from_settings``) and a session may override them.

    Attributes:
        mode: "hybrid" (BM25 + dense, fused), "dense" or "keyword".
        candidates: passages taken from each retriever before fusion.
        top_k: at most this many relevant passages are kept.
        rerank: score candidates with the cross-encoder (when one is loaded).
        rerank_top: only the best this many fused candidates are reranked (its cost grows with each).
        min_rerank_score: cross-encoder logit a passage needs to count as relevant.
        rerank_margin: and it must score within this much of the best passage.
        rerank_fusion_weight: reranked passages are ordered by their logit minus this times the log of their fused rank.
        min_similarity: cosine a passage needs when not reranking.
        sources: only search these documents (empty: all).
    """

    mode: RetrievalMode = DEFAULTS["retrieval"]
    candidates: int = DEFAULTS["candidates"]
    top_k: int = DEFAULTS["top_k"]
    rerank: bool = True
    rerank_top: int = 12
    min_rerank_score: float = DEFAULTS["min_rerank_score"]
    rerank_margin: float = DEFAULTS["rerank_margin"]
    rerank_fusion_weight: float = DEFAULTS["rerank_fusion_weight"]
    min_similarity: float = DEFAULTS["min_similarity"]
    sources: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, *, rerank: bool) -> SearchOptions:
        """The configured options; ``rerank`` says whether a reranker was loaded to rerank with."""
        return cls(
            mode=settings.retrieval,
            candidates=settings.candidates,
            top_k=settings.top_k,
            rerank=rerank,
            min_rerank_score=settings.min_rerank_score,
            rerank_margin=settings.rerank_margin,
            rerank_fusion_weight=settings.rerank_fusion_weight,
            min_similarity=settings.min_similarity,
        )


class Retriever:
    """Hybrid retrieval over the store (through llama-index) and the keyword index.

    Args:
        store: the Chroma collection.
        keywords: the BM25 index over the same chunks.
        embedder: embeds the query; the same model that built the store.
        reranker: cross-encoder, or None to rank by fusion and cut off by cosine.
        defaults: the options a search uses unless it is given others.
        cache: keeps ``keywords`` in line with the store; refreshed before each keyword search, so
            documents another instance indexed are found by BM25 too (one lookup when nothing changed).
    """

    def __init__(
        self,
        store: Store,
        keywords: KeywordIndex,
        embedder: Embedder,
        reranker: Reranker | None,
        defaults: SearchOptions | None = None,
        cache: KeywordCache | None = None,
    ) -> None:
        self.store = store
        self.keywords = keywords
        self.embedder = embedder
        self.reranker = reranker
        self.defaults = defaults or SearchOptions()
        self.cache = cache
        self._index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="citewise-bm25")

    def search(self, query: str, options: SearchOptions | None = None) -> Retrieval:
        """Rank passages for ``query`` and keep the relevant ones.

        Example:
            >>> retrieval = retriever.search("WHO donation", SearchOptions(sources=("003.txt",)))
            >>> [(p.source, p.scores["bm25"] is not None) for p in retrieval.relevant]
            [('003.txt', True)]
        """
        options = options or self.defaults
        timings: dict[str, float] = {}
        by_id: dict[str, Passage] = {}
        rankings: list[list[str]] = []
        keyword_hits: Future[tuple[list[KeywordHit], float]] | None = None
        option_hits: Future[tuple[list[KeywordHit], float]] | None = None
        if options.mode in ("hybrid", "keyword"):
            self._refresh_keywords(timings)
            # BM25 runs in SQLite while the query is embedded and Chroma searched: both release the GIL.
            keyword_hits = self._pool.submit(
                _timed, self._keywords, self.keywords.search, query, options.candidates, options.sources
            )
            if written := written_options(query):
                # The chunks holding an option the query names, as written: a third ranking (``KeywordIndex.holding``).
                option_hits = self._pool.submit(
                    _timed, self._keywords, self.keywords.holding, written, query, options.candidates, options.sources
                )
        if options.mode in ("hybrid", "dense"):
            began = time.perf_counter()
            rankings.append(self._dense(query, options, by_id))
            timings["dense"] = time.perf_counter() - began
        if keyword_hits is not None:
            hits, timings["bm25"] = keyword_hits.result()
            began = time.perf_counter()
            rankings.append(self._keyword(hits, by_id))
            timings["bm25 fetch"] = time.perf_counter() - began
        if option_hits is not None:
            hits, timings["options"] = option_hits.result()
            rankings.append(self._keyword(hits, by_id))
        fused = _fuse(rankings)
        passages = [by_id[chunk_id] for chunk_id in fused]
        for chunk_id, passage in zip(fused, passages, strict=True):
            passage.scores["fused"] = fused[chunk_id]
        reranker = self.reranker if options.rerank else None
        if reranker is not None and passages:
            began = time.perf_counter()
            head, tail = passages[: options.rerank_top], passages[options.rerank_top :]
            # A table's row is read under its section, the only context it has: "What is Debian 15 going to be called?"
            # scores -11.0 against "version: 15 | codename: Duke | ..." alone, 2.0 under "debian". (Every passage read
            # under its section was measured and not adopted: prose carries its context.)
            texts = [f"{p.section}\n{p.text}" if p.record and p.section else p.text for p in head]
            scores = list(reranker.score(query, texts))
            if asked := asked_part(query):
                scores = [max(a, b) for a, b in zip(scores, reranker.score(asked, texts), strict=True)]
            for passage, score in zip(head, scores, strict=True):
                passage.scores["rerank"] = score
            # Ordered by the cross-encoder, the retrievers' order breaking near ties (``_reranked_order``); passages
            # past rerank_top keep their fused order, after the reranked ones.
            passages = _reranked_order(head, options.rerank_fusion_weight) + tail
            timings["rerank"] = time.perf_counter() - began
        for passage in passages:
            passage.score = _relevance(passage)
        best = max((p.score for p in passages), default=0.0)
        relevant = [p for p in passages if _is_relevant(p, best, options, reranked=reranker is not None)]
        return Retrieval(query=query, passages=passages, relevant=relevant[: options.top_k], timings=timings)

    def unknown_words(self, words: Sequence[str]) -> list[str]:
        """The words of ``words`` that no passage holds, as BM25 reads them (``KeywordIndex.unknown``)."""
        return self._keywords(self.keywords.unknown, words)

    def _keywords(self, method: Callable[..., _T], *args: Any) -> _T:
        """``method(*args)``, a call on the keyword index; one that finds the index damaged is made again once the index
        is filled from Chroma (``KeywordCache.healed``)."""
        if self.cache is None:
            return method(*args)
        return self.cache.healed(lambda: method(*args))

    def _refresh_keywords(self, timings: dict[str, float]) -> None:
        """Bring the keyword index up to what Chroma holds; on failure search it as it is."""
        if self.cache is None:
            return
        began = time.perf_counter()
        try:
            self.cache.refresh()
        except Exception as error:  # an unreachable server fails the dense search with its own message
            logger.warning("could not refresh the keyword index from Chroma: %s", error)
        timings["bm25 refresh"] = time.perf_counter() - began

    def following(self, passage: Passage) -> Passage | None:
        """The chunk that follows ``passage`` in its document, or None at the document's end: a document's chunk ids
        number its chunks in reading order (``index.nodes.make_node``: source, content hash, "#", chunk index)."""
        stem, _, index = passage.chunk_id.rpartition("#")
        if not stem or not index.isdigit():
            return None
        found = self.store.chunks([f"{stem}#{int(index) + 1}"])
        return _passage(found[0].chunk_id, found[0].text, found[0].metadata) if found else None

    def _dense(self, query: str, options: SearchOptions, by_id: dict[str, Passage]) -> list[str]:
        filters = None
        if options.sources:
            source_filter = MetadataFilter(key="source", value=list(options.sources), operator=FilterOperator.IN)
            filters = MetadataFilters(filters=[source_filter])
        retriever = self._index.as_retriever(similarity_top_k=options.candidates, filters=filters)
        ranking = []
        for hit in retriever.retrieve(query):
            passage = by_id.setdefault(hit.node.node_id, _passage(hit.node.node_id, hit.node.get_content(), hit.node.metadata))
            # The Chroma store reports exp(-cosine distance); turn it back into a cosine similarity.
            passage.scores["dense"] = 1.0 + math.log(hit.score) if hit.score else None
            ranking.append(hit.node.node_id)
        return ranking

    def _keyword(self, hits: list[KeywordHit], by_id: dict[str, Passage]) -> list[str]:
        """Rank the BM25 hits, fetching from Chroma the passages the dense search did not bring."""
        missing = [h.chunk_id for h in hits if h.chunk_id not in by_id]
        if missing:
            for chunk in self.store.chunks(missing):
                by_id[chunk.chunk_id] = _passage(chunk.chunk_id, chunk.text, chunk.metadata)
        ranking = []
        for hit in hits:
            if hit.chunk_id in by_id:  # a row the vector store no longer has is skipped
                scores = by_id[hit.chunk_id].scores
                if scores["bm25"] is None:  # the BM25 search's own score, when it found the chunk too
                    scores["bm25"] = hit.score
                ranking.append(hit.chunk_id)
        return ranking


def _reranked_order(passages: list[Passage], weight: float) -> list[Passage]:
    """``passages`` (in fused order, reranked) ordered by their cross-encoder logit minus ``weight`` times the log of their
    fused rank: two passages less than 0.35 apart in logit change places when the one behind was ranked first by fusion and the
    other second (0.5 * log 2). A small cross-encoder misjudges a passage now and then; BM25 and the dense search agreeing
    on another is evidence it lacks. Relevance is still judged on the logit alone (``_is_relevant``)."""

    def key(item: tuple[int, Passage]) -> float:
        rank, passage = item
        return (passage.scores["rerank"] or 0.0) - weight * math.log(rank)

    return [passage for _, passage in sorted(enumerate(passages, start=1), key=key, reverse=True)]


def _timed(function: Callable[..., _T], *args: Any) -> tuple[_T, float]:
    """``function(*args)`` and the seconds it took."""
    began = time.perf_counter()
    return function(*args), time.perf_counter() - began


def _relevance(passage: Passage) -> float:
    """The score the cut-off reads: rerank if run, else the dense cosine, else the fused rank score."""
    for stage in ("rerank", "dense", "fused"):
        value = passage.scores.get(stage)
        if value is not None:
            return float(value)
    return 0.0


def _is_relevant(passage: Passage, best: float, options: SearchOptions, *, reranked: bool) -> bool:
    """Above the absolute bar, and (when reranked) not far below the best passage."""
    if reranked:
        score = passage.scores.get("rerank")
        return score is not None and score >= max(options.min_rerank_score, best - options.rerank_margin)
    dense = passage.scores.get("dense")
    if dense is None:
        # Keyword-only search has no other evidence; in hybrid search a passage the dense
        # retriever did not find must not slip past the similarity bar on keywords alone.
        return options.mode == "keyword" and (passage.scores.get("bm25") or 0.0) > 0.0
    return dense >= options.min_similarity


def _passage(chunk_id: str, text: str, meta: dict[str, Any]) -> Passage:
    page = int(meta.get("page") or 0)
    return Passage(
        chunk_id=chunk_id,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        text=text,
        page=page or None,
        start_char=int(meta.get("start_char") or 0),
        end_char=int(meta.get("end_char") or 0),
        section=str(meta.get("section") or ""),
        code=frozenset(str(meta.get("code") or "").split()),
        record=bool(meta.get("record")),
        scores={"dense": None, "bm25": None, "rerank": None},
    )


def _fuse(rankings: list[list[str]]) -> dict[str, float]:
    """Reciprocal rank fusion: ids ordered by the sum of 1 / (k + rank) over the rankings."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (_RRF_K + rank)
    return dict(sorted(fused.items(), key=lambda item: item[1], reverse=True))
