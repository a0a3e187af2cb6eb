"""The Citewise core: settings, retrieval, answering and citations, behind one façade (``Citewise``)."""

from assistant.answer import Answer
from assistant.chat import Assistant, QuestionError, UnknownDocumentsError
from assistant.chats import ChatNotFoundError, ChatStore, ChatStoreError, ChatSummary
from assistant.citations import Citation, SentenceCheck
from assistant.citewise import Choices, CitationState, Citewise, ReopenedChat, SavedAnswer
from assistant.history import Turn
from assistant.retrieval import Passage, Retrieval, SearchOptions
from assistant.settings import RETRIEVAL_MODES, RetrievalMode, Settings
from assistant.wiring import build_citewise

__all__ = [
    "RETRIEVAL_MODES",
    "Answer",
    "Assistant",
    "ChatNotFoundError",
    "ChatStore",
    "ChatStoreError",
    "ChatSummary",
    "Choices",
    "Citation",
    "CitationState",
    "Citewise",
    "Passage",
    "QuestionError",
    "ReopenedChat",
    "Retrieval",
    "RetrievalMode",
    "SavedAnswer",
    "SearchOptions",
    "SentenceCheck",
    "Settings",
    "Turn",
    "UnknownDocumentsError",
    "build_citewise",
]
