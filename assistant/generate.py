"""Answers written by an LLM (Ollama or any OpenAI-compatible server) from numbered sources."""

from __future__ import annotations

import gc
import html
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM

from assistant.history import Turn
from assistant.prompts import render
from assistant.retrieval import Passage
from assistant.settings import DEFAULTS
from index.text import whole_characters

logger = logging.getLogger(__name__)


# What the prompt tells the model to say when the sources lack the answer.
NO_ANSWER = "The sources do not contain the answer."


class LLMError(RuntimeError):
    """The LLM server could not answer; the message says what to do about it."""


def build_llm(backend: str, settings: Any, url: str) -> LLM:
    """The llama-index LLM for ``backend`` ("ollama" or "openai") at ``url``, configured from settings."""
    match backend:
        case "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=settings.ollama_model,
                base_url=url,
                temperature=settings.temperature,
                request_timeout=settings.request_timeout,
                # Known up front, so no model-info request precedes every answer.
                context_window=settings.llm_context_window,
                additional_kwargs={"num_predict": settings.llm_max_tokens},
            )
        case "openai":
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                model=settings.openai_model,
                api_base=url,
                api_key=settings.openai_api_key or "not-needed",
                temperature=settings.temperature,
                is_chat_model=True,
                context_window=settings.llm_context_window,
                timeout=settings.request_timeout,
                max_retries=0,
                max_tokens=settings.llm_max_tokens,
            )
        case _:
            raise ValueError(f"unknown LLM backend {backend!r}: use extractive, ollama or openai")


class LLMAnswerer:
    """Streams an answer from an LLM given numbered sources and the recent conversation.

    Args:
        llm: a llama-index LLM (never the global default).
        backend: "ollama" or "openai", for messages.
        where: the server's address, for messages.
        model: the model's name, for messages.
        max_tokens: the answer's length at most, which the server is asked to keep to (``build_llm``); a server that
            writes on past ``MAX_TOKEN_CHARS`` characters a token is hung up on, and the answer ends with a message.
    """

    def __init__(
        self,
        llm: LLM,
        backend: str,
        where: str,
        model: str,
        max_tokens: int = DEFAULTS["llm_max_tokens"],
        limit_from: str = "CITEWISE_LLM_MAX_TOKENS",
    ) -> None:
        self.llm = llm
        self.backend = backend
        self.where = where
        self.model = model
        self.max_tokens = max_tokens
        self.limit_from = limit_from  # what set ``max_tokens``, for the message when a server writes past it

    def adjusted(self, max_tokens: int | None = None, temperature: float | None = None) -> LLMAnswerer:
        """This answerer for one request that asks for a shorter answer or another temperature (an OpenAI client's
        ``max_tokens`` and ``temperature``): a copy, so that no other request's answer changes. A longer answer than
        the configured ``max_tokens`` is not granted."""
        shorter = max_tokens is not None and max_tokens < self.max_tokens
        if not shorter and temperature is None:
            return self
        tokens = max_tokens if shorter and max_tokens is not None else self.max_tokens
        update: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
        if shorter and self.backend == "ollama":
            update["additional_kwargs"] = {**getattr(self.llm, "additional_kwargs", {}), "num_predict": tokens}
        elif shorter:
            update["max_tokens"] = tokens
        limit_from = "the request's max_tokens" if shorter else self.limit_from
        return LLMAnswerer(self.llm.model_copy(update=update), self.backend, self.where, self.model, tokens, limit_from)

    def stream(self, question: str, passages: Sequence[Passage], history: Sequence[Turn]) -> Iterator[str]:
        """Yield answer text as it arrives; server failures raise LLMError with a way out."""
        system = render("answer", sources="\n\n".join(_source_block(n, p) for n, p in enumerate(passages, start=1)))
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=system)]
        for turn in history:
            role = MessageRole.USER if turn.role == "user" else MessageRole.ASSISTANT
            messages.append(ChatMessage(role=role, content=turn.content))
        messages.append(ChatMessage(role=MessageRole.USER, content=question))
        written, most = 0, self.max_tokens * MAX_TOKEN_CHARS
        try:
            replies = self.llm.stream_chat(messages)
            for piece in _joined_deltas(chunk.delta for chunk in replies if chunk.delta):
                written += len(piece)
                if written > most:
                    break
                yield piece
            else:
                return
        except Exception as error:  # every client library raises its own types; all become one clear message
            raise LLMError(self._explain(error)) from error
        hang_up(replies)
        raise LLMError(
            f"The {self.backend} server at {self.where} wrote on past {self.max_tokens:,} tokens and was stopped there "
            f"({self.limit_from}); the model may be repeating itself."
        )

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Ask the model for a standalone search query for a follow-up question."""
        conversation = "\n".join(f"{turn.role}: {turn.content}" for turn in history)
        prompt = render("condense", conversation=conversation, question=question)
        try:
            reply = self.llm.complete(prompt)
        except Exception as error:
            raise LLMError(self._explain(error)) from error
        text = whole_characters(str(reply.text)).strip()
        return text.strip('"').splitlines()[0] if text else ""

    def _explain(self, error: Exception) -> str:
        text = str(error)
        lowered = f"{type(error).__name__} {text}".lower()
        if "not found" in lowered or "404" in lowered:
            hint = f"`ollama pull {self.model}`" if self.backend == "ollama" else "check CITEWISE_OPENAI_MODEL"
            return f"The model {self.model!r} was not found on {self.where} ({hint})."
        if any(word in lowered for word in ("connect", "refused", "unreachable", "timed out", "timeout")):
            hint = "start it with `ollama serve`" if self.backend == "ollama" else "check CITEWISE_OPENAI_BASE_URL"
            return f"The {self.backend} server at {self.where} is unreachable ({hint}), or set CITEWISE_LLM=extractive."
        if "401" in lowered or "unauthori" in lowered or "api key" in lowered:
            return f"The {self.backend} server at {self.where} refused the API key (set CITEWISE_OPENAI_API_KEY)."
        return f"The {self.backend} server at {self.where} failed: {text[:300]}"


# Characters a token may take at most, for the answer's own length check: about four in English prose, more in code
# or a long word; a server past eight times its token limit is not keeping to it.
MAX_TOKEN_CHARS = 8


def hang_up(stream: Iterator[object]) -> None:
    """Close an answer's ``stream`` that its reader left before the end, and with it any connection to an LLM server.

    A generated answer's stream is a generator over the server's HTTP response; a list's iterator (an extractive
    answer) has nothing to close. Closing it does not close the response: the OpenAI client's ``Stream`` and the
    generator that reads it refer to each other, and only that generator's ``finally`` closes the response, when the
    cycle collector frees the pair. Collected now, the response is closed now, and the server stops writing an answer
    nobody reads (seen with a real OpenAI-compatible stream: closed within 0.22 s, where without the collection it
    wrote on to its end). The app freezes its start-up objects (``app.settle_memory``), so this walks only the rest.
    """
    close = getattr(stream, "close", None)
    if close is None:
        return
    close()
    gc.collect()


def _joined_deltas(deltas: Iterable[str]) -> Iterator[str]:
    """The streamed ``deltas`` as valid Unicode (``whole_characters``), a character whose two surrogate halves come
    in two deltas joined: a server's JSON may send an emoji as "\\ud83d" in one chunk and "\\ude00" in the next.
    Text with a lone half could be neither verified, shown nor saved."""
    held = ""
    for delta in deltas:
        text, held = held + delta, ""
        if "\ud800" <= text[-1] <= "\udbff":  # a first half: its second may open the next delta
            text, held = text[:-1], text[-1]
        if text:
            yield whole_characters(text)
    if held:
        yield "\ufffd"


# What a document could use to write a <source> or </source> tag of its own: any angle bracket
# (fullwidth, small, single guillemet, CJK), any slash, and letters that look like Latin ones.
_TAG = re.compile(r"[<‹〈⟨](?:[/∕⁄⧸])?source", re.IGNORECASE)
_LOOK_ALIKES = str.maketrans({"ѕ": "s", "ο": "o", "о": "o", "օ": "o", "ս": "u", "υ": "u", "г": "r", "с": "c", "ϲ": "c", "е": "e"})


def _source_block(n: int, passage: Passage) -> str:
    page = f' page="{passage.page}"' if passage.page else ""
    return render("source", n=str(n), source=html.escape(passage.source, quote=True), page=page, text=defang(passage.text))


def defang(text: str) -> str:
    """``text`` with every would-be ``<source>`` or ``</source>`` tag opened by ``&lt;`` instead of a bracket.

    A delimiter inside a document must not close its block early, however it is disguised:
    invisible characters between the letters (``<\u200b/source>``), fullwidth or look-alike
    brackets, slashes and letters. Tags are looked for in a folded copy of the text (format
    characters and spaces dropped, NFKC, case-folded, look-alikes mapped) and escaped in the
    original, so ordinary text passes through unchanged. Linear in the text's length.

    Example:
        >>> defang("ok </source> <\u200b/source> 1 < 2")
        'ok &lt;/source> &lt;\u200b/source> 1 < 2'
    """
    folded: list[str] = []
    origin: list[int] = []  # the index in ``text`` each folded character came from
    for index, char in enumerate(text):
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        for piece in unicodedata.normalize("NFKC", char).casefold().translate(_LOOK_ALIKES):
            folded.append(piece)
            origin.append(index)
    brackets = {origin[match.start()] for match in _TAG.finditer("".join(folded))}
    if not brackets:
        return text
    return "".join("&lt;" if index in brackets else char for index, char in enumerate(text))
