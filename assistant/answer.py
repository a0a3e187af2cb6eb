"""An answer as data: the citations fixed before the first token, then the text streamed piece by piece."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import InitVar, dataclass, field, replace
from typing import Any

from assistant.citations import Citation, SentenceCheck
from assistant.generate import LLMError, hang_up
from assistant.retrieval import Passage, Retrieval
from index.text import PIECE, direct_question, questions_in

CLOSEST_PASSAGES = 3  # a refusal offers at most this many of the passages it found on the subject


@dataclass
class Answer:
    """An answer in the making: citations are fixed before the first token is streamed.

    ``tokens`` yields the answer text piece by piece; ``text`` holds what has been streamed.

    Args:
        pieces: the answer text to stream, piece by piece; an ``LLMError`` raised while they are read
            ends the stream with its message and sets ``error``.
        finish: called with the answer once the stream is over (a generated answer's verification).
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
    error: str = ""
    # Its reader stopped reading before the end (Stop in the chat, an API client that hung up): a generated answer's
    # server was hung up on, and what was streamed was neither checked nor saved.
    stopped: bool = False
    # The extractive answerer's best sentence passed its bar but not the sure one: it may be on the subject without
    # saying what was asked. Always False for a refusal and for an LLM's answer (verified sentence by sentence instead).
    tentative: bool = False
    # A refusal's question respelled with the words the passages found hold a slip away from words no chunk holds
    # ("Chian" -> "China"): offered, never answered unasked. "" when there is none.
    suggestion: str = ""
    # What ``closest`` offers instead of what the search found: for a message of several questions (``joined``), the
    # passages its refused questions found, beside the citations of those answered. None: found by the search.
    offered: list[Passage] | None = None
    pieces: InitVar[Iterable[str]] = ()
    finish: InitVar[Callable[[Answer], None] | None] = None
    _pieces: Iterator[str] = field(init=False, repr=False, compare=False)
    _finish: Callable[[Answer], None] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self, pieces: Iterable[str], finish: Callable[[Answer], None] | None) -> None:
        self._pieces = iter(pieces)
        self._finish = finish

    @property
    def closest(self) -> list[Passage]:
        """For an answer that cites nothing: the best passages found on the subject, none of whose sentences said what
        was asked, for the user to judge; when none passed the relevance cut-off, those that hold every word of the
        query (``Retrieval.holding_every_word``); empty when there are none of either. For a message of several
        questions, those its refused questions found (``offered``)."""
        if self.offered is not None:
            return self.offered
        if self.citations or self.retrieval is None:
            return []
        return (self.retrieval.relevant or self.retrieval.holding_every_word)[:CLOSEST_PASSAGES]

    def tokens(self) -> Generator[str]:
        """Stream the answer; each piece is also appended to ``text``.

        When the stream ends, a generated answer is verified: ``text``, ``sentences`` and
        ``citations`` then hold the checked version (markers corrected, uncited sources dropped).
        """
        try:
            for piece in self._pieces:
                self.text += piece
                yield piece
        except LLMError as error:
            # The server failed mid-answer: what was streamed stays, followed by what to do about it.
            self.error = str(error)
            piece = ("\n\n" if self.text else "") + str(error)
            self.text += piece
            yield piece
        except GeneratorExit:
            # Closed before its end: nobody reads on, so the LLM server (if any) is told at once, not after its last
            # word; the answer is left unchecked.
            self.stopped = True
            hang_up(self._pieces)
            raise
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish(self)

    def tokens_until(self, stop: threading.Event, every: float = 0.1) -> Generator[str]:
        """``tokens``, read in a thread of their own so that ``stop`` is seen within ``every`` seconds even while no
        piece comes: an LLM server may read a long prompt for a minute before its first word.

        Once ``stop`` is set, or this generator is closed (a page closed, a client gone), this ends at once and the
        answer is ``stopped`` unless its end had been read; the thread closes ``tokens`` at their next piece, which
        hangs up on the LLM server. A generated answer's check (``finish``) runs in that thread too.
        """
        if stop.is_set():  # stopped before it began: no LLM server is asked
            self.stopped = True
            return
        handed: queue.Queue[tuple[str | None, BaseException | None]] = queue.Queue()  # (None, None): the end
        left = threading.Event()

        def read() -> None:
            pieces = self.tokens()
            try:
                for piece in pieces:
                    if left.is_set():
                        pieces.close()
                        return
                    handed.put((piece, None))
            except BaseException as error:  # raised to the reader, as ``tokens`` would have
                handed.put((None, error))
                return
            handed.put((None, None))

        threading.Thread(target=read, name="answer-reader", daemon=True).start()
        ended = False
        try:
            while not stop.is_set():
                try:
                    piece, error = handed.get(timeout=every)
                except queue.Empty:
                    continue
                if error is not None:
                    ended = True
                    raise error
                if piece is None:
                    ended = True
                    return
                yield piece
        finally:
            left.set()
            self.stopped = self.stopped or not ended

    def complete(self) -> Answer:
        """Consume the whole stream and return self."""
        for _ in self.tokens():
            pass
        return self

    def sections(self) -> list[tuple[str, str]]:
        """Each question of a message that asked several (``joined``) with the text that answers it; one ``("", text)``
        for any other answer. Read from the question and the text alone, so a saved answer reads the same."""
        return sections(self.question, self.text)

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` contract."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "refused": self.refused,
            "tentative": self.tentative,
            "backend": self.backend,
            "citations": [c.to_json() for c in self.citations],
            "sentences": [vars(s) for s in self.sentences],
            "closest": [closest_json(p) for p in self.closest],
            "suggestion": self.suggestion or None,
            "error": self.error or None,
        }


def closest_json(passage: Passage) -> dict[str, Any]:
    """A passage a refusal offers, as ``ask --json`` and the HTTP API give it: where it is and its text, no marker."""
    return {
        "source": passage.source,
        "title": passage.title,
        "section": passage.section,
        "page": passage.page,
        "text": passage.text,
        "score": passage.score,
        "start_char": passage.start_char,
    }


def sections(question: str, text: str) -> list[tuple[str, str]]:
    """Each question of ``question``, a message that asked several, with the part of ``text``, its joined answer
    (``joined``), that answers it; ``[("", text)]`` for any other question and answer.

    Example:
        >>> sections("How much? And to Italy?", "**How much?** 20 million. [1]\\n\\n**And to Italy?** Not found ...")
        [('How much?', '20 million. [1]'), ('And to Italy?', 'Not found ...')]
    """
    parts = questions_in(direct_question(question))
    if len(parts) < 2 or not text.startswith(f"**{parts[0]}** "):
        return [("", text)]
    found, rest = [], text
    for part, after in zip(parts, [*parts[1:], None], strict=True):
        rest = rest.removeprefix(f"**{part}** ")
        said, _, rest = rest.partition(f"\n\n**{after}** ") if after is not None else (rest, "", "")
        found.append((part, said))
    return found


def joined(question: str, parts: Sequence[tuple[str, Answer]], seconds: float) -> Answer:
    """One answer to a message that asked several questions (``questions_in``), from each question's own: the question
    in bold, then its answer or its refusal. Citations are numbered across them in order of first use, and a passage two
    of them cite is one source quoting the sentences of both. Refused only when every question was; the closest
    passages its refused questions found are offered beside the citations (``closest``)."""
    by_chunk: dict[str, Citation] = {}
    texts: list[str] = []
    sentences: list[SentenceCheck] = []
    for asked, answer in parts:
        numbering: dict[int, int] = {}
        for citation in answer.citations:
            kept = by_chunk.get(citation.chunk_id)
            if kept is None:
                kept = by_chunk[citation.chunk_id] = replace(citation, n=len(by_chunk) + 1, highlights=[*citation.highlights])
            else:
                kept.highlights = sorted({*kept.highlights, *citation.highlights})
                kept.quote = " ".join(kept.text[start:end] for start, end in kept.highlights)
            numbering[citation.n] = kept.n
        renumbered = [replace(s, citations=[numbering[n] for n in s.citations if n in numbering]) for s in answer.sentences]
        # Each quoted sentence followed by its markers, as the extractive answerer writes them: the text's own
        # brackets ("heap[0]") are no markers and stay; a refusal has none.
        said = " ".join(" ".join([s.text, *(f"[{n}]" for n in s.citations)]) for s in renumbered) or answer.text
        texts.append(f"**{asked}** {said}")
        sentences += renumbered
    answered = [answer for _, answer in parts if not answer.refused]
    offered = {p.chunk_id: p for _, answer in parts if answer.refused for p in answer.closest}
    text = "\n\n".join(texts)
    retrievals = [answer.retrieval for _, answer in parts if answer.retrieval is not None]
    return Answer(
        question=question,
        query=" ".join(answer.query for _, answer in parts),
        refused=not answered,
        backend=parts[0][1].backend,
        citations=sorted(by_chunk.values(), key=lambda citation: citation.n),
        retrieval=Retrieval.joined(retrievals) if retrievals else None,
        sentences=sentences,
        seconds=seconds,
        tentative=any(answer.tentative for answer in answered),
        suggestion=next((answer.suggestion for _, answer in parts if answer.suggestion), ""),
        offered=list(offered.values()),
        pieces=PIECE.findall(text),
    )
