"""The composition root: settings in, a ready Citewise (its assistant, indexer, documents library and saved chats) out."""

from __future__ import annotations

from assistant.chat import Assistant
from assistant.chats import ChatStore
from assistant.citewise import Citewise
from assistant.extractive import ExtractiveAnswerer
from assistant.generate import LLMAnswerer, build_llm
from assistant.prompts import render
from assistant.rerank import load_reranker
from assistant.retrieval import Retriever, SearchOptions
from assistant.settings import Settings
from assistant.verify import Verifier
from index import Embedder, Library, build_indexer

CHATS_FILE = "chats.sqlite"


def build_citewise(settings: Settings, embedder: Embedder | None = None) -> Citewise:
    """Choose and build every component named by ``settings``; the only place that does.

    Loads the embedding model unless given one, and the reranker ``settings.reranker`` names.

    Example:
        >>> citewise = build_citewise(Settings(docs_dir=Path("seeds")))
        >>> citewise.sync().summary()["failed"]
        []
    """
    indexer = build_indexer(settings, embedder)
    reranker = load_reranker(settings.reranker)
    defaults = SearchOptions.from_settings(settings, rerank=reranker is not None)
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
    # Beside the index, never inside it: a damaged or full chats file never touches the index, and the
    # file is created on the first question, so nothing is written by building.
    chat_store = ChatStore(settings.data_dir / CHATS_FILE)
    return Citewise(settings, assistant, indexer, library, chat_store)
