"""The composition root: settings in, a ready Citewise (its assistant, indexer, documents library and saved chats) out."""

from __future__ import annotations

import threading

from assistant.chat import Assistant
from assistant.chats import ChatStore
from assistant.citewise import Citewise
from assistant.extractive import ExtractiveAnswerer
from assistant.generate import LLMAnswerer, build_llm
from assistant.prompts import render
from assistant.rerank import Reranker, load_reranker
from assistant.retrieval import Retriever, SearchOptions
from assistant.settings import Settings
from assistant.verify import Verifier
from index import Embedder, Library, build_indexer

CHATS_FILE = "chats.sqlite"


class ModelCache:
    """The models loaded in this process, one for each name and loading setting, so each loads once.

    Loading takes seconds (the embedding model, the ONNX cross-encoder), and a loaded model is
    read-only: one app already shares its models among every session. A process that builds
    several ``Citewise`` (the tests, the benchmarks) builds them all over the same models.
    """

    def __init__(self) -> None:
        self._embedders: dict[tuple[str, int], Embedder] = {}
        self._rerankers: dict[str, Reranker | None] = {}
        self._lock = threading.Lock()  # two threads building at once still load each model once

    def embedder(self, name: str, batch_size: int) -> Embedder:
        """The embedding model ``name``, loaded now (a missing model fails here, not at the first question)."""
        with self._lock:
            key = (name, batch_size)
            if key not in self._embedders:
                embedder = Embedder(name, batch_size=batch_size)
                embedder.load()
                self._embedders[key] = embedder
            return self._embedders[key]

    def reranker(self, name: str) -> Reranker | None:
        """The cross-encoder ``name`` (see ``load_reranker``); None when reranking is off."""
        with self._lock:
            if name not in self._rerankers:
                self._rerankers[name] = load_reranker(name)
            return self._rerankers[name]


# The one process-wide memo: every build_citewise that is not handed a cache of its own shares it.
MODELS = ModelCache()


def build_citewise(settings: Settings, embedder: Embedder | None = None, models: ModelCache = MODELS) -> Citewise:
    """Choose and build every component named by ``settings``; the only place that does.

    The embedding model (unless given one) and the reranker ``settings.reranker`` names come from
    ``models``, loaded there on first use.

    Example:
        >>> citewise = build_citewise(Settings(docs_dir=Path("seeds")))
        >>> citewise.sync().summary()["failed"]
        []
    """
    indexer = build_indexer(settings, embedder or models.embedder(settings.embed_model, settings.embed_batch_size))
    reranker = models.reranker(settings.reranker)
    defaults = SearchOptions.from_settings(settings, rerank=reranker is not None)
    retriever = Retriever(indexer.store, indexer.keywords, indexer.embedder, reranker, defaults, cache=indexer.cache)
    extractive = ExtractiveAnswerer(
        indexer.embedder,
        reranker,
        max_sentences=settings.answer_sentences,
        min_score=settings.min_answer_score,
        min_follow_up_score=settings.min_follow_up_score,
        sure_score=settings.sure_answer_score,
    )
    # Only configured backends are built, so no session can send documents to a server nobody chose.
    # Building a client connects to nothing; each is ready for a per-session switch.
    llm_models = {"ollama": settings.ollama_model, "openai": settings.openai_model}
    llms = {
        backend: LLMAnswerer(build_llm(backend, settings, url), backend, url, llm_models[backend], settings.llm_max_tokens)
        for backend, url in settings.llm_endpoints().items()
    }
    assistant = Assistant(
        retriever,
        extractive,
        refusal=render("refusal"),
        near_refusal=render("refusal_near"),
        words_refusal=render("refusal_words"),
        more_refusal=render("refusal_more"),
        nothing_more=render("refusal_nothing_more"),
        replies={kind: render(f"small_talk_{kind}") for kind in ("greeting", "thanks", "farewell")},
        suggestion=render("suggestion", suggestion="{suggestion}"),
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
