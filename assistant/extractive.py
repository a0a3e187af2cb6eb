"""The default answerer: no LLM, only sentences copied from the retrieved passages, each cited."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assistant.citations import CitationBook
from assistant.rerank import Reranker
from assistant.retrieval import Passage
from assistant.shapes import shape_of
from index import Embedder
from index.sentences import split_sentences
from index.text import WORD, query_terms, question_names

_MIN_WORDS = 4  # a shorter "sentence" is a heading, a label or a fragment: it answers nothing on its own


@dataclass
class Candidate:
    """A sentence of a passage, scored against the question."""

    passage: Passage
    start: int
    end: int
    score: float = 0.0  # what ranks the sentences: fit, plus shared rare words and the passage's relevance
    fit: float = 0.0  # the scorer's own judgement of the (question, sentence) pair alone

    @property
    def text(self) -> str:
        """The sentence itself."""
        return self.passage.text[self.start : self.end]


@dataclass
class Extract:
    """A composed extractive answer: cited sentences in reading order."""

    sentences: list[tuple[str, int]]  # (sentence, citation number)
    book: CitationBook
    considered: list[Candidate] = field(default_factory=list)  # the sentences that fit the question's shape, best first

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
        min_fit: the cross-encoder logit of (question, best sentence) that answers on its own strength.
        sure_passage: below ``min_fit``, the best sentence still answers when its passage scores this much:
            a sentence of news prose ("the group included 10 specialists") can need its passage to say who
            "the group" is. Otherwise the answer is a refusal: a passage can be on topic while none of its
            sentences says what was asked. Both apply only with a reranker.
    """

    def __init__(
        self,
        embedder: Embedder,
        reranker: Reranker | None,
        max_sentences: int = 3,
        max_passages: int = 3,
        min_fit: float = 4.0,
        sure_passage: float = 6.0,
    ) -> None:
        self.embedder = embedder
        self.reranker = reranker
        self.max_sentences = max_sentences
        # Sentences come from the best few passages only: scoring each one costs a cross-encoder pass.
        self.max_passages = max_passages
        # Cross-encoder logits spread wider than cosines, so the bars follow the scorer: a further
        # sentence must score within ``margin`` of the best one and above ``floor`` on its own.
        self.margin, self.floor = (2.5, 0.0) if reranker is not None else (0.1, 0.45)
        self.context_weight = 0.3
        # Tuned on the tuning half of bench/data/dev_qa.jsonl (README, "Answers"); cosines have no such bar.
        self.min_fit, self.sure_passage = (min_fit, sure_passage) if reranker is not None else (-math.inf, -math.inf)

    def answer(self, question: str, passages: list[Passage], context: str = "") -> Extract:
        """Compose a short answer from ``passages`` (already judged relevant), best sentence first.

        ``context``: for a follow-up, the query with the conversation's words; a sentence scores the
        better of its match with the question and with it.
        """
        names = question_names(question)
        if not _mentions(" ".join(p.text for p in passages), names):
            # A question about a name no relevant passage mentions is not answered by them.
            return Extract([], CitationBook())
        shape = shape_of(question)
        passages = passages[: self.max_passages]
        if shape.wants_number:
            # A number is quoted only from a passage about what the question names: the count of
            # experts sent to Italy is not the count of workers sent everywhere.
            passages = [p for p in passages if _mentions(p.text, names)]
        # A number, date or money question is answered only by a sentence that states one; a "who"
        # or "which" question only by one that names someone or something the question does not.
        every = self._candidates(passages)
        loose = shape.loosened() if shape.kind == "name" and shape.counted else None
        # The kind of thing named is often not repeated in the answer ("which directory" -> "stored in
        # /etc/apparmor.d/"): a sentence holding an identifier may answer too, and the scores decide.
        # (Counts keep their counted noun: "40 conferences" must not answer "how many masks".)
        candidates = [c for c in every if shape.states(c.text) or (loose is not None and loose.states(c.text))]
        if not candidates:
            return Extract([], CitationBook())
        self._score(question, candidates, context)
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0]
        # The bar reads the question as asked; a follow-up ("what did he quote?") lacks its subject there,
        # so the cross-encoder's verdict on it says little, and it is not held to the bar.
        if not context and best.fit < self.min_fit and best.passage.score < self.sure_passage:
            return Extract([], CitationBook(), ranked)
        chosen = [best]
        for candidate in ranked[1:]:
            if len(chosen) >= self.max_sentences or candidate.score < max(best.score - self.margin, self.floor):
                break
            if shape.kind != "other" and candidate.passage.source != best.passage.source:
                # A question after one fact (a count, a date, a name) has one answer: a second document's
                # number or name beside it would only compete with it.
                continue
            chosen.append(candidate)
        # The best sentence leads; the rest follow in document order, grouped by passage.
        rank_of = {p.chunk_id: i for i, p in enumerate(passages)}
        rest = sorted(chosen[1:], key=lambda c: (rank_of[c.passage.chunk_id], c.start))
        book = CitationBook()
        sentences = [(c.text, book.cite(c.passage, (c.start, c.end))) for c in [best, *rest]]
        return Extract(sentences, book, ranked)

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

    def _score(self, question: str, candidates: list[Candidate], context: str = "") -> None:
        texts = [c.text for c in candidates]
        if self.reranker is not None:
            scores = np.array(self.reranker.score(question, texts))
            if context:
                scores = np.maximum(scores, self.reranker.score(context, texts))
            boost = 2.0
        else:
            queries = [question, context] if context else [question]
            vectors = self.embedder.encode([*queries, *texts])
            scores = (vectors[len(queries) :] @ vectors[: len(queries)].T).max(axis=1)
            boost = 0.08
        terms = set(query_terms(question))
        for candidate, score in zip(candidates, scores, strict=True):
            # A sentence that repeats the question's rare words is more likely on topic.
            words = set(query_terms(candidate.text))
            bonus = boost / 2 * len(terms & words) / len(terms) if terms else 0.0
            # The passage score carries the context a lone sentence lacks (who "they" are, which country).
            candidate.fit = float(score)
            candidate.score = float(score) + bonus + self.context_weight * candidate.passage.score


def _mentions(text: str, names: list[str]) -> bool:
    """Every name has a word in ``text``: "Wang Yi" is mentioned by a passage that says "Wang"."""
    words = set(WORD.findall(text.lower()))
    return all(any(word.lower() in words for word in name.split()) for name in names)
