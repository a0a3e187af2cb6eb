"""The application façade: what every front end (the web UI, the CLI, an HTTP API) asks of Citewise."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from assistant.answer import Answer
from assistant.chat import Assistant
from assistant.chats import ChatNotFoundError, ChatStore, ChatStoreError, ChatSummary, SavedTurn, changed
from assistant.citations import Citation, SentenceCheck
from assistant.history import Turn
from assistant.retrieval import Passage, Retrieval, SearchOptions
from assistant.settings import RETRIEVAL_MODES, RetrievalMode, Settings
from index import (
    Indexer,
    IndexStatus,
    Library,
    ListedDocument,
    LoadError,
    OpenedDocument,
    Progress,
    SavedUpload,
    SyncReport,
)

logger = logging.getLogger(__name__)

CitationState = Literal["current", "changed", "deleted"]
"""How a saved citation stands now: its quote is still in the document, no longer is, or the document is gone."""
_CITATION_FIELDS = frozenset(f.name for f in fields(Citation))


@dataclass(frozen=True)
class Choices:
    """What a front end may offer: the answerers, the retrieval modes, the configured defaults and the limits."""

    backends: tuple[str, ...]  # "extractive", then each configured LLM server
    backend: str  # the configured answerer
    retrieval_modes: tuple[RetrievalMode, ...]
    search: SearchOptions  # the configured retrieval options, where a session's own start
    has_reranker: bool  # False: reranking cannot be switched on
    max_question_chars: int  # longer questions are refused
    max_upload_bytes: int  # larger uploads are refused (never more than sync indexes)


@dataclass(frozen=True)
class SavedAnswer:
    """One question of a reopened chat: its answer rebuilt exactly as given, and how each citation stands now."""

    answer: Answer  # text, citations and sentence checks as saved; nothing left to stream
    states: dict[int, CitationState]  # citation number -> its state, for every citation of the answer
    asked: float  # when it was answered (seconds since the epoch)


@dataclass(frozen=True)
class ReopenedChat:
    """A saved chat, ready to show again."""

    id: str
    title: str
    answers: list[SavedAnswer]  # oldest first


class Citewise:
    """Asking, searching, the documents folder and the index's state, behind one narrow surface.

    Front ends call these methods only; they never reach into the retriever, the store or Chroma.
    The components stay public for tests and benchmarks, which build and inspect them directly.

    Args:
        settings: the configuration everything was built from.
        assistant: answers and searches.
        indexer: the write path into the index.
        library: the documents folder, whose changes go through ``indexer``.
        chat_store: the saved chats. Every chat method is scoped to an ``owner``, the signed-in user
            ("" without a login), and raises ``ChatStoreError`` when the chats file cannot be used;
            the index is never touched by them.
    """

    def __init__(
        self, settings: Settings, assistant: Assistant, indexer: Indexer, library: Library, chat_store: ChatStore
    ) -> None:
        self.settings = settings
        self.assistant = assistant
        self.indexer = indexer
        self.library = library
        self.chat_store = chat_store

    def close(self) -> None:
        """Release the index (Chroma's files or its server session, the keyword index) and stop the idle readers.

        The app closes it when its server stops, each command when it ends; a test or a script that opens many closes
        each one it is done with. Use it as a context manager to close it on leaving the block.
        """
        self.indexer.close()

    def __enter__(self) -> Citewise:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        sources: Sequence[str] = (),
        options: SearchOptions | None = None,
        backend: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Answer:
        """Answer ``question`` with citations; iterate ``answer.tokens()`` to stream it (see ``Assistant.ask``).

        ``options`` and ``backend`` (one of ``choices().backends``) override the configured ones for
        this question; ``sources`` limits the search to those documents; ``max_tokens`` (never past the configured
        one) and ``temperature`` apply to an LLM's answer.

        Raises:
            QuestionError: the question is empty or over ``max_question_chars``; ``UnknownDocumentsError``, one, when
                ``sources`` names a document the index does not hold.

        Example:
            >>> answer = citewise.ask("How much has China donated to the WHO?")
            >>> [c.source for c in answer.citations], "".join(answer.tokens())[:40]
            (['003_8cf9f7c4be1979b2.txt'], 'In addition, the country has donated 20 ')
        """
        return self.assistant.ask(
            question, history, sources, options=options, backend=backend, max_tokens=max_tokens, temperature=temperature
        )

    def search(self, query: str, *, sources: Sequence[str] = (), options: SearchOptions | None = None) -> Retrieval:
        """The ranked passages for ``query`` with every stage's scores; raises ``QuestionError`` as ``ask`` does."""
        return self.assistant.search(query, sources, options)

    def choices(self) -> Choices:
        """The answerers, retrieval modes, defaults and limits a front end offers its users."""
        defaults = self.assistant.retriever.defaults
        return Choices(
            backends=tuple(self.assistant.backends),
            backend=self.assistant.backend,
            retrieval_modes=RETRIEVAL_MODES,
            search=defaults,
            has_reranker=self.assistant.retriever.reranker is not None,
            max_question_chars=self.assistant.max_question_chars,
            max_upload_bytes=self.library.upload_limit()[0],
        )

    def sources(self) -> list[str]:
        """The indexed documents, sorted: what a search can be limited to."""
        return sorted(self.indexer.store.documents())

    def documents(self) -> list[ListedDocument]:
        """Every document of the folder with its state, failed ones included, by source."""
        return self.library.documents()

    def documents_version(self) -> tuple[int, int]:
        """A token that changes whenever ``documents`` may have: poll it, and list again only when it moved."""
        return self.library.version()

    def save_upload(self, original_name: str, uploaded: Path, *, replace: bool = False) -> SavedUpload:
        """Copy an uploaded file into the documents folder under a safe name; raises ``UploadError`` (see ``Library``)."""
        return self.library.save_upload(original_name, uploaded, replace=replace)

    def delete_document(self, source: str) -> bool:
        """Remove a document from the folder and the index; whether either held it. Raises ``UploadError``,
        ``IndexBusyError`` or ``IndexWriteError``."""
        return self.library.delete(source)

    def open_document(self, source: str) -> OpenedDocument:
        """An indexed document read back for viewing; raises ``KeyError`` (not indexed) or ``LoadError``."""
        return self.library.open(source)

    def sync(self, progress: Progress | None = None, *, allow_mass_delete: bool = False) -> SyncReport:
        """Re-index the documents folder, one sync at a time.

        Raises ``UnsafeSyncError``, ``IndexBusyError`` or ``IndexWriteError`` (a full or read-only disk).
        """
        return self.library.sync(progress, allow_mass_delete=allow_mass_delete)

    def is_empty(self) -> bool:
        """True when the index holds no chunk yet (nothing was synced); cheaper than ``status``."""
        return self.indexer.store.count() == 0

    def status(self) -> IndexStatus:
        """How many documents and chunks the index holds, what built it and when it last synced."""
        return self.indexer.store.status()

    # ------------------------------------------------------------------------------------- saved chats

    def chats(self, owner: str) -> list[ChatSummary]:
        """The owner's saved chats, most recently used first."""
        return self.chat_store.list(owner)

    def start_chat(self, owner: str, title: str = "") -> str:
        """A new, empty chat of the owner's and its id; with no ``title``, its first question names it (a blank or
        over-long one is a ValueError)."""
        return self.chat_store.start(owner, title)

    def chats_recovered(self) -> str:
        """Once, what was done with a chats file found damaged since the last call ("" when nothing was).

        The file is set aside unchanged and what can be read of it is copied into a new one (``ChatStore``), so every
        call goes on working; this says so to the first caller after it, the log to everyone.
        """
        recovery = self.chat_store.take_recovery()
        return recovery.message if recovery else ""

    def record(self, owner: str, chat_id: str | None, answer: Answer) -> str:
        """Save a completed answer (its question, text and citations as given) and return its chat's id.

        With no ``chat_id``, or one the owner no longer has (deleted meanwhile in another window), a new
        chat is started, named after the question.

        Raises:
            ChatStoreError: the chats file cannot be written (the answer itself is unaffected).
            ValueError: the answer is too large to save.

        Example:
            >>> chat_id = citewise.record("", None, citewise.ask("How much has China donated to the WHO?").complete())
            >>> [chat.title for chat in citewise.chats("")]
            ['How much has China donated to the WHO?']
        """
        saved = answer.to_json()
        if chat_id is not None:
            try:
                self.chat_store.add_turn(owner, chat_id, answer.question, saved)
                return chat_id
            except ChatNotFoundError:
                logger.info("chat %s is gone: the answer starts a new one", chat_id)
        chat_id = self.chat_store.start(owner)
        self.chat_store.add_turn(owner, chat_id, answer.question, saved)
        return chat_id

    def open_chat(self, owner: str, chat_id: str) -> ReopenedChat | None:
        """The owner's chat with its answers as given, each citation checked against its document now; None if none."""
        chat = self.chat_store.get(owner, chat_id)
        if chat is None:
            return None
        current_text = self._current_texts()
        answers = []
        for number, turn in enumerate(chat.turns, start=1):
            try:
                answer = _rebuilt(turn)
            except (TypeError, ValueError, AttributeError) as error:  # valid JSON, but not the shape Citewise saved
                message = f"Saved chat {chat_id!r} cannot be shown: its answer {number} is damaged ({error})."
                raise ChatStoreError(message, path=self.chat_store.path, reason="corrupt") from error
            states: dict[int, CitationState] = {}
            for citation, saved in zip(answer.citations, turn.citations, strict=True):
                now = current_text(citation.source)
                states[citation.n] = "deleted" if now is None else "changed" if changed(saved, now) else "current"
            answers.append(SavedAnswer(answer, states, turn.created))
        return ReopenedChat(chat.id, chat.title, answers)

    def rename_chat(self, owner: str, chat_id: str, title: str) -> bool:
        """Retitle the owner's chat; False when there is none. A blank or over-long title is a ValueError."""
        return self.chat_store.rename(owner, chat_id, title)

    def delete_chat(self, owner: str, chat_id: str) -> bool:
        """Delete the owner's chat and its answers; False when there is none."""
        return self.chat_store.delete(owner, chat_id)

    def export_chat(self, owner: str, chat_id: str) -> str | None:
        """The owner's chat as Markdown with its numbered, quoted sources, changed ones marked; None when there is none."""
        return self.chat_store.export_markdown(owner, chat_id, current_text=self._current_texts())

    def _current_texts(self) -> Callable[[str], str | None]:
        """A document's text as it loads now (None once its file left the documents folder), each document read once per call."""
        texts: dict[str, str | None] = {}

        def current_text(source: str) -> str | None:
            if source not in texts:
                try:
                    opened = self.library.open(source)
                    # Shown from the index, the file is gone from the documents folder: deleted there since.
                    texts[source] = None if opened.from_index else opened.loaded.text
                except KeyError:
                    texts[source] = None
                except (LoadError, OSError) as error:
                    # Unreadable now: nothing it quoted can be found in it, so its citations read as changed.
                    logger.warning("cannot read %s to check its citations: %s", source, error)
                    texts[source] = ""
            return texts[source]

        return current_text


def _rebuilt(turn: SavedTurn) -> Answer:
    """The Answer a saved turn was given as: the same text, citations and sentence checks, nothing left to stream."""
    saved = turn.to_json()
    return Answer(
        question=turn.question,
        query=turn.query,  # "" for a reply that searched nothing ("Hi!")
        refused=turn.refused,
        tentative=turn.tentative,
        backend=turn.backend,
        citations=[_citation(data) for data in saved["citations"]],
        retrieval=None,
        sentences=[_sentence(data) for data in saved["sentences"]],
        text=turn.answer,
        error=turn.error,
        offered=[_passage(data) for data in turn.closest if isinstance(data, Mapping)],
    )


def _passage(data: Mapping[str, Any]) -> Passage:
    """A passage a saved refusal offered, from its ``closest_json`` dict: shown as it was, found by nothing now."""
    source, text, start = str(data.get("source") or ""), str(data.get("text") or ""), int(data.get("start_char") or 0)
    page = data.get("page")
    return Passage(
        chunk_id=f"{source}#{start}",
        source=source,
        title=str(data.get("title") or ""),
        text=text,
        page=page if isinstance(page, int) else None,
        start_char=start,
        end_char=start + len(text),
        section=str(data.get("section") or ""),
        score=float(data.get("score") or 0.0),
    )


def _citation(data: Mapping[str, Any]) -> Citation:
    """A Citation from its ``to_json()`` dict (highlights come back from JSON as lists)."""
    known = {key: value for key, value in data.items() if key in _CITATION_FIELDS}
    known["highlights"] = [(int(start), int(end)) for start, end in data.get("highlights") or []]
    return Citation(**known)


def _sentence(data: Mapping[str, Any]) -> SentenceCheck:
    """A SentenceCheck from its saved dict."""
    return SentenceCheck(str(data.get("text", "")), [int(n) for n in data.get("citations") or []], bool(data.get("supported")))
