"""The composition root: settings in, a ready Assistant (and the Indexer behind it) out."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.chat import Assistant
from assistant.extractive import ExtractiveAnswerer
from assistant.generate import LLMAnswerer, build_llm
from assistant.library import Library
from assistant.prompts import render
from assistant.rerank import load_reranker
from assistant.retrieval import Retriever, SearchOptions
from assistant.settings import Settings
from assistant.verify import Verifier
from index import Embedder, Indexer, build_indexer


@dataclass
class Citewise:
    """The assistant, the indexer and the documents library, sharing one model and one store."""

    settings: Settings
    assistant: Assistant
    indexer: Indexer
    library: Library


def build_assistant(settings: Settings, embedder: Embedder | None = None) -> Citewise:
    """Choose and build every component named by ``settings``; the only place that does."""
    indexer = build_indexer(settings, embedder)
    reranker = load_reranker(settings.reranker)
    defaults = SearchOptions(
        mode=settings.retrieval,
        candidates=settings.candidates,
        top_k=settings.top_k,
        rerank=reranker is not None,
        min_rerank_score=settings.min_rerank_score,
        rerank_margin=settings.rerank_margin,
        min_similarity=settings.min_similarity,
    )
    retriever = Retriever(indexer.store, indexer.keywords, indexer.embedder, reranker, defaults)
    extractive = ExtractiveAnswerer(
        indexer.embedder,
        reranker,
        max_sentences=settings.answer_sentences,
        min_fit=settings.min_answer_score,
        sure_passage=settings.sure_passage_score,
    )
    # Only configured backends are built, so no session can send documents to a server nobody chose.
    # Building a client connects to nothing; each is ready for a per-session switch.
    models = {"ollama": settings.ollama_model, "openai": settings.openai_model}
    llms = {
        backend: LLMAnswerer(build_llm(backend, settings, url), backend, url, models[backend])
        for backend, url in settings.llm_endpoints().items()
    }
    assistant = Assistant(
        retriever,
        extractive,
        refusal=render("refusal"),
        llms=llms,
        backend=settings.llm,
        verifier=Verifier(indexer.embedder, reranker),
        history_tokens=settings.history_tokens,
        max_question_chars=settings.max_question_chars,
    )
    library = Library(settings.docs_dir, indexer, max_upload_bytes=settings.max_upload_mb * 1_000_000)
    return Citewise(settings=settings, assistant=assistant, indexer=indexer, library=library)
