"""Where a question becomes an answer: condense, retrieve, answer, cite."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.citations import Citation
from assistant.condense import condense
from assistant.extractive import ExtractiveAnswerer
from assistant.history import Turn, within_budget
from assistant.retrieval import Retrieval, Retriever

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\S+\s*")


@dataclass
class SentenceCheck:
    """One sentence of an answer, the sources it cites, and whether they support it."""

    text: str
    citations: list[int]
    supported: bool


@dataclass
class Answer:
    """An answer in the making: citations are fixed before the first token is streamed.

    ``tokens`` yields the answer text piece by piece; ``text`` holds what has been streamed.
    """

    question: str
    query: str
    refused: bool
    backend: str
    citations: list[Citation]
    retrieval: Retrieval | None
    sentences: list[SentenceCheck] = field(default_factory=list)
    text: str = ""
    seconds: float = 0.0
    _pieces: Iterator[str] = field(default_factory=lambda: iter(()), repr=False)

    def tokens(self) -> Iterator[str]:
        """Stream the answer; each piece is also appended to ``text``."""
        for piece in self._pieces:
            self.text += piece
            yield piece

    def complete(self) -> Answer:
        """Consume the whole stream and return self."""
        for _ in self.tokens():
            pass
        return self

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` contract."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "refused": self.refused,
            "backend": self.backend,
            "citations": [c.to_json() for c in self.citations],
            "sentences": [vars(s) for s in self.sentences],
        }


class Assistant:
    """Answers questions over the index, with citations, and refuses when nothing is relevant.

    Args:
        retriever: finds and ranks passages.
        answerer: composes an answer from relevant passages.
        refusal: the fixed reply when no passage is relevant.
        history_tokens: how much of the conversation is used to understand a follow-up.
    """

    def __init__(self, retriever: Retriever, answerer: ExtractiveAnswerer, refusal: str, history_tokens: int = 1500) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.refusal = refusal
        self.history_tokens = history_tokens

    def ask(self, question: str, history: Sequence[Turn] = (), sources: Sequence[str] = ()) -> Answer:
        """Answer ``question`` in the context of ``history``, optionally only from ``sources``.

        Returns an Answer whose citations are final; iterate ``answer.tokens()`` to stream it.

        Example:
            >>> answer = assistant.ask("How much did China donate to the WHO?")
            >>> "".join(answer.tokens())
            'In addition, the country has donated 20 million dollars to the WHO ... [1]'
            >>> answer.citations[0].source
            '003_8cf9f7c4be1979b2.txt'
        """
        began = time.perf_counter()
        question = question.strip()
        query = condense(question, within_budget(history, self.history_tokens))
        retrieval = self.retriever.search(query, sources)
        if not retrieval.relevant:
            return self._refuse(question, query, retrieval, began)
        # Passages were found with the conversation's context; sentences are judged against the
        # question as asked, which the cross-encoder reads better than a keyword-extended query.
        extract = self.answerer.answer(question, retrieval.relevant)
        if not extract.sentences:
            return self._refuse(question, query, retrieval, began)
        answer = Answer(
            question=question,
            query=query,
            refused=False,
            backend="extractive",
            citations=extract.book.citations(),
            retrieval=retrieval,
            # Every extracted sentence is a verbatim quote of the passage it cites.
            sentences=[SentenceCheck(sentence, [n], True) for sentence, n in extract.sentences],
            seconds=time.perf_counter() - began,
            _pieces=iter(_TOKEN.findall(extract.text)),
        )
        logger.info("answered %r from %d passages in %.3fs", query, len(retrieval.relevant), answer.seconds)
        return answer

    def search(self, query: str, sources: Sequence[str] = ()) -> Retrieval:
        """The ranked passages for ``query`` (the retrieval inspector's view)."""
        return self.retriever.search(query, sources)

    def _refuse(self, question: str, query: str, retrieval: Retrieval, began: float) -> Answer:
        return Answer(
            question=question,
            query=query,
            refused=True,
            backend="extractive",
            citations=[],
            retrieval=retrieval,
            seconds=time.perf_counter() - began,
            _pieces=iter(_TOKEN.findall(self.refusal)),
        )
