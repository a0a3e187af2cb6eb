"""The Citewise core: settings, retrieval, answering and citations, wired in one place."""

from assistant.chat import Answer, Assistant, QuestionError
from assistant.citations import Citation, SentenceCheck
from assistant.history import Turn
from assistant.settings import Settings
from assistant.wiring import Citewise, build_assistant

__all__ = ["Answer", "Assistant", "Citation", "Citewise", "QuestionError", "SentenceCheck", "Settings", "Turn", "build_assistant"]
