"""The default answerer: no LLM, only sentences copied from the retrieved passages, each cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.citations import CitationBook
from assistant.rerank import Reranker
from assistant.retrieval import Passage
from index import Embedder
from index.keywords import query_terms
from index.sentences import split_sentences

_MIN_WORDS = 4
# A quantity: digits not glued to letters or hyphens ("10", "2.2", "30,000", not "COVID-19" or "24.kg"),
# or a number word.
_NUMBER = re.compile(
    r"(?<![\w-])\d+(?:[.,]\d+)*(?![\w-]|\.\w)|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow (?:many|much)\s+((?:\w+\s+){0,3}\w+)", re.I)
_NEAR = 4  # words between a number and the thing it counts
_NAME = re.compile(r"(?<![.!?]\s)\b[A-Z][a-z]+")
# Question openings that ask for a number or date, and those that ask for a name.
_WANTS_NUMBER = re.compile(r"^\s*(how (much|many|long|old|often|far)|when|what (year|date|day|time|percentage|number))\b", re.I)
_WANTS_NAME = re.compile(r"^\s*(who|whom|whose|which (country|countries|person|people|organi[sz]ation|city|cities))\b", re.I)


@dataclass
class Candidate:
    """A sentence of a passage, scored against the question."""

    passage: Passage
    start: int
    end: int
    score: float = 0.0

    @property
    def text(self) -> str:
        """The sentence itself."""
        return self.passage.text[self.start : self.end]


@dataclass
class Extract:
    """A composed extractive answer: cited sentences in reading order."""

    sentences: list[tuple[str, int]]  # (sentence, citation number)
    book: CitationBook

    @property
    def text(self) -> str:
        """The answer with a ``[n]`` marker after every sentence."""
        return " ".join(f"{sentence} [{n}]" for sentence, n in self.sentences)


class ExtractiveAnswerer:
    """Picks the sentences that best answer the question and cites each one.

    It never writes a word of its own: every sentence of the answer is copied verbatim
    from a passage that passed the relevance cut-off, and carries that passage's marker.

    Args:
        embedder: scores sentences when there is no reranker (cosine similarity).
        reranker: scores sentences as (question, sentence) pairs when available.
        max_sentences: the answer's length at most.
        max_passages: sentences are taken from this many of the best passages.
    """

    def __init__(self, embedder: Embedder, reranker: Reranker | None, max_sentences: int = 3, max_passages: int = 3) -> None:
        self.embedder = embedder
        self.reranker = reranker
        self.max_sentences = max_sentences
        # Sentences come from the best few passages only: scoring each one costs a cross-encoder pass.
        self.max_passages = max_passages
        # Cross-encoder logits spread wider than cosines, so the bars follow the scorer: a further
        # sentence must score within ``margin`` of the best one and above ``floor`` on its own.
        self.margin, self.floor = (2.5, 0.0) if reranker is not None else (0.1, 0.45)
        self.context_weight = 0.3

    def answer(self, question: str, passages: list[Passage]) -> Extract:
        """Compose a short answer from ``passages`` (already judged relevant), best sentence first."""
        if not _names_covered(question, passages):
            # A question about a name no relevant passage mentions is not answered by them.
            return Extract([], CitationBook())
        passages = passages[: self.max_passages]
        candidates = self._candidates(passages)
        if not candidates:
            return Extract([], CitationBook())
        self._score(question, candidates)
        if _WANTS_NUMBER.search(question):
            # A number or date question is answered only by a sentence that states one.
            candidates = [c for c in candidates if _NUMBER.search(c.text)]
            if not candidates:
                return Extract([], CitationBook())
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0]
        chosen = [best]
        for candidate in ranked[1:]:
            if len(chosen) >= self.max_sentences or candidate.score < max(best.score - self.margin, self.floor):
                break
            chosen.append(candidate)
        # The best sentence leads; the rest follow in document order, grouped by passage.
        rank_of = {p.chunk_id: i for i, p in enumerate(passages)}
        rest = sorted(chosen[1:], key=lambda c: (rank_of[c.passage.chunk_id], c.start))
        book = CitationBook()
        sentences = [(c.text, book.cite(c.passage, (c.start, c.end))) for c in [best, *rest]]
        return Extract(sentences, book)

    def _candidates(self, passages: list[Passage]) -> list[Candidate]:
        seen: set[str] = set()
        candidates = []
        for passage in passages:
            for span in split_sentences(passage.text):
                sentence = passage.text[span.start : span.end]
                key = " ".join(sentence.lower().split())
                # Overlapping chunks repeat sentences; quote each only once.
                if len(sentence.split()) < _MIN_WORDS or key in seen:
                    continue
                seen.add(key)
                candidates.append(Candidate(passage, span.start, span.end))
        return candidates

    def _score(self, question: str, candidates: list[Candidate]) -> None:
        texts = [c.text for c in candidates]
        if self.reranker is not None:
            scores = np.array(self.reranker.score(question, texts))
            boost = 2.0
        else:
            vectors = self.embedder.encode([question, *texts])
            scores = vectors[1:] @ vectors[0]
            boost = 0.08
        terms = set(query_terms(question))
        counted = _counted_things(question)
        for candidate, score in zip(candidates, scores, strict=True):
            bonus = 0.0
            if _WANTS_NUMBER.search(question) and _NUMBER.search(candidate.text):
                bonus += boost
                if counted and _counts(candidate.text, counted):
                    # "how many specialists" -> "10 specialists": the answer's own shape.
                    bonus += 2 * boost
            elif _WANTS_NAME.search(question) and _NAME.search(candidate.text):
                bonus += boost / 2
            # A sentence that repeats the question's rare words is more likely on topic.
            words = set(query_terms(candidate.text))
            if terms:
                bonus += boost / 2 * len(terms & words) / len(terms)
            # The passage score carries the context a lone sentence lacks (who "they" are, which country).
            candidate.score = float(score) + bonus + self.context_weight * candidate.passage.score


_PROPER = re.compile(r"(?<=\s)([A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)*)")


def _names_covered(question: str, passages: list[Passage]) -> bool:
    """Every name inside the question (a run of capitalised words, not the first word) has a word in some passage.

    "Wang Yi" is covered by a passage that says "Wang"; "Nigeria" is not covered by passages that never name it.
    """
    words = set(re.findall(r"\w+", " ".join(p.text for p in passages).lower()))
    return all(any(word.lower() in words for word in name.split()) for name in _PROPER.findall(question))


def _stem(word: str) -> str:
    return word.lower()[:5]


def _counted_things(question: str) -> set[str]:
    """The content words right after "how many" / "how much": what the question counts."""
    match = _HOW_MANY.search(question)
    return {_stem(w) for w in query_terms(match.group(1))} if match else set()


def _counts(sentence: str, things: set[str]) -> bool:
    """Whether a number in ``sentence`` is followed closely by one of the counted ``things``."""
    for match in _NUMBER.finditer(sentence):
        following = sentence[match.end() :].split()[:_NEAR]
        if any(_stem(word.strip(".,;:()")) in things for word in following):
            return True
    return False
