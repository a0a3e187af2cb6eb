"""Where a question becomes an answer: condense, retrieve, answer, cite."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant.answer import Answer, joined, sections
from assistant.citations import CitationBook, SentenceCheck, keep_cited, renumber_markers
from assistant.condense import (
    More,
    asks_for_more,
    condense,
    is_follow_up,
    last_quotes,
    more_of,
    names_another_subject,
    refers_back,
    standing_alone,
)
from assistant.extractive import Extract, ExtractiveAnswerer
from assistant.generate import NO_ANSWER, LLMAnswerer, LLMError
from assistant.history import Turn, within_budget
from assistant.retrieval import Retrieval, Retriever, SearchOptions
from assistant.verify import Verifier
from index.keywords import MAX_QUERY_TERMS
from index.text import (
    MIN_SPELLED,
    WORD,
    content_words,
    direct_question,
    nearest_spelling,
    plainly_typed,
    questions_in,
    requested_subject,
    small_talk,
    unshouted,
    whole_characters,
    without_pictographs,
)
from index.text import PIECE as _TOKEN

logger = logging.getLogger(__name__)
# "Tell me more" reads on through the passage the last answer quoted and the chunks after it: this many, and one more
# for each sentence quoted so far (what earlier "Go on"s read): a bounded number of store reads.
_READ_ON = 2


class QuestionError(ValueError):
    """A question that cannot be asked as written (empty, or over the length limit); the message says why."""


class UnknownDocumentsError(QuestionError):
    """A question or search limited to documents the index does not hold (mistyped, deleted or renamed). Said, rather
    than searched: searched, it found nothing and read as "Not found in your documents"."""

    def __init__(self, unknown: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        super().__init__(f"No indexed document named {', '.join(map(repr, self.unknown))}.")


class Assistant:
    """Answers questions over the index, with citations, and refuses when nothing is relevant.

    Args:
        retriever: finds and ranks passages.
        extractive: composes answers from passage sentences (the default, no LLM).
        refusal: the fixed reply when no passage is relevant.
        near_refusal: the reply instead when passages on the subject were found and none answers (``Answer.closest``
            lists them); the refusal when not given.
        words_refusal: the reply instead when no passage passed the relevance cut-off but some hold every word of the
            query (``Retrieval.holding_every_word``; ``Answer.closest`` lists them); the refusal when not given.
        more_refusal: the reply to "Tell me more" when the document the last answer quoted says nothing after it; the
            near refusal when not given.
        nothing_more: the reply to "Tell me more" when the last question got no answer to read on from; the refusal when
            not given.
        replies: the reply to a message that only greets, thanks or takes leave, by its kind (``small_talk``: "greeting",
            "thanks", "farewell"); such a message is searched as a question when its kind has none.
        suggestion: what a refusal adds when the question holds a word no indexed chunk holds and the passages found hold
            one a slip away ("Chian" / "China"): ``{suggestion}`` is the question spelled so (``Answer.suggestion``).
        llms: LLM answerers by backend name ("ollama", "openai"); their sentences are verified.
        backend: the default backend: "extractive" or a key of ``llms``.
        verifier: checks generated sentences against the sources they cite.
        history_tokens: how much of the conversation is used for follow-ups and the LLM prompt.
        max_question_chars: longer questions are refused with a QuestionError before any model runs.
    """

    def __init__(
        self,
        retriever: Retriever,
        extractive: ExtractiveAnswerer,
        refusal: str,
        *,
        near_refusal: str = "",
        words_refusal: str = "",
        more_refusal: str = "",
        nothing_more: str = "",
        replies: Mapping[str, str] | None = None,
        suggestion: str = 'Did you mean: "{suggestion}"',
        llms: Mapping[str, LLMAnswerer] | None = None,
        backend: str = "extractive",
        verifier: Verifier | None = None,
        history_tokens: int = 1500,
        max_question_chars: int = 2000,
    ) -> None:
        self.retriever = retriever
        self.extractive = extractive
        self.refusal = refusal
        self.near_refusal = near_refusal or refusal
        self.words_refusal = words_refusal or refusal
        self.more_refusal = more_refusal or self.near_refusal
        self.nothing_more = nothing_more or refusal
        self.replies = dict(replies or {})
        self.suggestion = suggestion
        self.llms = dict(llms or {})
        self.backend = backend
        self.verifier = verifier
        self.history_tokens = history_tokens
        self.max_question_chars = max_question_chars
        if backend != "extractive" and backend not in self.llms:
            raise ValueError(f"unknown answer backend {backend!r}: use extractive, {', '.join(self.llms)}")

    @property
    def backends(self) -> list[str]:
        """Every answerer a question can be sent to."""
        return ["extractive", *self.llms]

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        sources: Sequence[str] = (),
        *,
        options: SearchOptions | None = None,
        backend: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Answer:
        """Answer ``question`` in the context of ``history``, optionally only from ``sources``.

        ``options`` and ``backend`` override the configured retrieval settings and answerer for
        this call only (the UI's per-session settings). ``max_tokens`` (at most the configured one) and
        ``temperature`` do so for an LLM's answer (an API client's); an extractive answer quotes whole sentences.

        Returns an Answer whose citations are known before its first token; iterate
        ``answer.tokens()`` to stream it.

        Raises:
            QuestionError: the question is empty or longer than ``max_question_chars``; an ``UnknownDocumentsError``
                when ``sources`` (or ``options.sources``) names a document the index does not hold.

        Example:
            >>> answer = assistant.ask("How much has China donated to the WHO?")
            >>> "".join(answer.tokens())
            'In addition, the country has donated 20 million dollars to the WHO ... [1]'
            >>> answer.citations[0].source
            '003_8cf9f7c4be1979b2.txt'
        """
        began = time.perf_counter()
        question = self.checked(question)
        options = self.scoped(options or self.retriever.defaults, sources)
        llm = self.llms.get(backend or self.backend)
        if llm is not None:
            llm = llm.adjusted(max_tokens, temperature)
        if reply := self.replies.get(small_talk(question)):
            # "Hi", "thanks", "bye": nothing is asked of the documents, so nothing is searched (any backend).
            return self._replied(question, reply, llm, began)
        # Earlier turns come from the same clients as the question: valid Unicode, as ``checked`` makes it.
        recent = [Turn(turn.role, whole_characters(turn.content)) for turn in within_budget(history, self.history_tokens)]
        recent = without_small_talk(recent)
        # The extractive answerer searches and judges the question as asked directly: "Can you tell me how much ...?"
        # asks "How much ...?", and the opening's words are in no answer (``direct_question``); a request ("Tell me
        # about the masks China sent") asks for its subject, read as a search query (``requested_subject``). An LLM
        # reads it as the user wrote it. The answer keeps the question as written.
        asked = question
        if llm is None:
            if len(parts := questions_in(direct_question(question))) > 1:
                return self._several(question, parts, history, options, began)  # each answered in turn
            asked = _as_asked(question, first=not recent)
            recent = [Turn(turn.role, _as_asked(turn.content)) if turn.role == "user" else turn for turn in one_by_one(recent)]
            if asks_for_more(asked):
                more = more_of(recent)
                return (
                    self._more(question, more, options, began)
                    if more
                    else self._replied(question, self.nothing_more, None, began)
                )
        condensed = self._condense(llm, asked, recent)
        query, retrieval = self._search(asked, condensed, options)
        if not retrieval.relevant:
            # Nothing relevant: refuse without spending an LLM call on it.
            return self._refuse(question, query, retrieval, began, llm)
        if llm is not None:
            return self._generate(llm, question, query, retrieval, recent, began)
        # Sentences are judged against the question as asked, which the cross-encoder reads better than a
        # keyword-extended query, and for a follow-up also against the query with the conversation's words:
        # "To how many countries?" alone fits every count of countries equally.
        if names_another_subject(asked) and condensed != asked:
            # "And on a Pentium II?" is the last question asked about the Pentium II (``reasked``): read alone, any sentence
            # on it would fit, and read with the last question's names, the sentences on the earlier subject.
            extract = self.extractive.answer(condensed, retrieval.relevant)
        else:
            extract = self.extractive.answer(asked, retrieval.relevant, context=query if query != asked else "")
        if not extract.sentences or self._leaves_the_subject(asked, condensed, recent, extract, options):
            return self._refuse(question, query, retrieval, began, llm)
        return self._quoted(question, query, retrieval, extract, began)

    def _several(
        self, question: str, parts: Sequence[str], history: Sequence[Turn], options: SearchOptions, began: float
    ) -> Answer:
        """A message that asks several questions (``questions_in``), each answered as if asked in turn, the later ones
        as follow-ups of the earlier ("How many experts went to Italy? And to Serbia?"), in one answer (``joined``).

        Read as one question, no sentence answers both, and the answerer refused them all.
        """
        answers: list[tuple[str, Answer]] = []
        turns = list(history)
        for part in parts:
            answer = self.ask(part, turns, options=options, backend="extractive").complete()
            answers.append((part, answer))
            turns += [Turn("user", part), Turn("assistant", answer.text)]
        answer = joined(question, answers, time.perf_counter() - began)
        logger.info("answered %d questions of one message in %.3fs", len(parts), answer.seconds)
        return answer

    def _quoted(self, question: str, query: str, retrieval: Retrieval, extract: Extract, began: float) -> Answer:
        """The extractive answer: every sentence a verbatim quote of the passage it cites."""
        answer = Answer(
            question=question,
            query=query,
            refused=False,
            tentative=extract.tentative,
            backend="extractive",
            citations=extract.book.citations(),
            retrieval=retrieval,
            # Every extracted sentence is a verbatim quote of the passage it cites.
            sentences=[SentenceCheck(sentence, [n], True) for sentence, n in extract.sentences],
            seconds=time.perf_counter() - began,
            pieces=_TOKEN.findall(extract.text),
        )
        logger.info("answered %r from %d passages in %.3fs", query, len(retrieval.relevant), answer.seconds)
        return answer

    def search(self, query: str, sources: Sequence[str] = (), options: SearchOptions | None = None) -> Retrieval:
        """The ranked passages for ``query`` (the retrieval inspector's view); raises QuestionError as ``ask`` does."""
        query = self.checked(query)
        return self.retriever.search(query, self.scoped(options or self.retriever.defaults, sources))

    def scoped(self, options: SearchOptions, sources: Sequence[str] = ()) -> SearchOptions:
        """``options``, limited to ``sources`` when given; an ``UnknownDocumentsError`` names those the index lacks."""
        if sources:
            options = replace(options, sources=tuple(sources))
        if unknown := [source for source in dict.fromkeys(options.sources) if not self.retriever.store.holds(source)]:
            raise UnknownDocumentsError(unknown)
        return options

    def checked(self, question: str) -> str:
        """``question`` stripped, as valid Unicode, or a QuestionError saying why it cannot be asked.

        A JSON client may send half of an emoji ("\\ud83d"), which no model, index or writer can read: each lone
        surrogate becomes U+FFFD, and a pair is joined (``whole_characters``). Emoji and other pictographs, which no
        model reads, are left out of what is asked (``without_pictographs``), and so are invisible characters, while
        full-width ASCII is read as ASCII (``plainly_typed``); a question with no letter or digit left is refused.
        """
        question = plainly_typed(whole_characters(question)).strip()
        if not question:
            raise QuestionError("The question is empty.")
        if len(question) > self.max_question_chars:
            # Every stage's cost grows with the question (embedding, BM25 terms, reranking, sentence
            # scoring), and no model reads more than a few hundred tokens of it anyway.
            raise QuestionError(
                f"The question is {len(question):,} characters long; the limit is {self.max_question_chars:,} "
                "(CITEWISE_MAX_QUESTION_CHARS). Ask it in fewer words."
            )
        words = without_pictographs(question)
        if not any(character.isalnum() for character in words):
            # "???", "...", control characters: nothing to search for. Searched, such a question was refused as if it
            # asked something the passages did not say ("some passages are on this subject ...").
            raise QuestionError("The question has no words, only symbols.")
        return words

    def _search(self, question: str, query: str, options: SearchOptions) -> tuple[str, Retrieval]:
        """Search ``query``; for a condensed follow-up, also the question as asked, and keep what found better evidence.

        Condensing must never make a standalone question worse: "What is the capital of France?" is
        short, not a follow-up, and the previous question's words would only pull in its passages. A
        question that points back ("how many did they train?") keeps the conversation's words unless
        its own find clearly better passages; any other keeps its own words unless the conversation's
        find clearly better ones.
        """
        retrieval = self.retriever.search(query, options)
        if query == question:
            return query, retrieval
        plain = self.retriever.search(question, options)
        if refers_back(question):
            return (question, plain) if _clearly_better(plain, retrieval) else (query, retrieval)
        return (query, retrieval) if _clearly_better(retrieval, plain) else (question, plain)

    def _more(self, question: str, more: More, options: SearchOptions, began: float) -> Answer:
        """For "Tell me more": the sentences that follow the last answer's, as its document reads on from the passage it
        quoted into the chunks after it (``ExtractiveAnswerer.continued``); a refusal that says so at the document's end.

        Read as a question, "Tell me more" has no word any sentence could answer; and the last question's words fit
        only the sentence already quoted. What the user asks for is the text that follows it.
        """
        # The last answer's passage, found as it was found: its question searched again.
        retrieval = self.retriever.search(more.question, options)
        holding = next((p for p in retrieval.relevant if any(q in p.text for q in more.answered)), None)
        chain = [holding] if holding is not None else []
        # Each sentence quoted so far may have taken a chunk's last: read on at most that many chunks further.
        reach = _READ_ON + len(more.quoted)
        while chain and len(chain) < reach and (following := self.retriever.following(chain[-1])) is not None:
            chain.append(following)
        extract = self.extractive.continued(chain, more.answered, more.quoted)
        if not extract.sentences:
            return self._refuse(question, more.question, retrieval, began, None, self.more_refusal)
        return self._quoted(question, more.question, retrieval, extract, began)

    def _leaves_the_subject(
        self, question: str, condensed: str, history: Sequence[Turn], extract: Extract, options: SearchOptions
    ) -> bool:
        """Whether a follow-up that points back ("Where does it keep them?", "And its population?") is answered from none
        of the documents the last answer quoted, and so, most likely, about something else.

        Over the follow-up sets' tuning halves, such answers from another document were wrong 7 times in 10, and from
        one the last answer quoted, 6 times in 36 (bench/HISTORY.md). A follow-up that names another subject ("And on
        a Pentium II?") is asked as a question of its own, and may be answered from anywhere.
        """
        if condensed == question or not refers_back(question) or names_another_subject(question):
            return False
        # The last question as its answer's passages were searched for: a follow-up itself, with its conversation's words.
        quotes, previous = last_quotes(history), standing_alone(history)
        if not quotes or previous is None:
            return False  # no answer quoted anything (a refusal): nothing to stay with
        # The last answer's passages, found as it found them: its question searched again.
        quoted = {p.source for p in self.retriever.search(previous, options).relevant if any(q in p.text for q in quotes)}
        return bool(quoted) and quoted.isdisjoint(citation.source for citation in extract.book.citations())

    def _condense(self, llm: LLMAnswerer | None, question: str, history: Sequence[Turn]) -> str:
        if llm is None or not history or not is_follow_up(question):
            return condense(question, history)
        try:
            return llm.condense(question, history) or condense(question, history)
        except LLMError as error:
            logger.warning("condensing with the LLM failed, falling back to keywords: %s", error)
            return condense(question, history)

    def _generate(
        self, llm: LLMAnswerer, question: str, query: str, retrieval: Retrieval, history: Sequence[Turn], began: float
    ) -> Answer:
        book = CitationBook()
        for passage in retrieval.relevant:
            book.cite(passage)
        return Answer(
            question=question,
            query=query,
            refused=False,
            backend=llm.backend,
            citations=book.citations(),
            retrieval=retrieval,
            seconds=time.perf_counter() - began,
            pieces=llm.stream(question, retrieval.relevant, history),
            finish=self._verify,
        )

    def _verify(self, answer: Answer) -> None:
        """Check the finished text: fix or drop markers, flag unsupported sentences, keep only cited sources."""
        if answer.error:
            answer.citations, answer.sentences = [], []
            return
        if NO_ANSWER in answer.text or self.verifier is None:
            answer.refused = NO_ANSWER in answer.text
            answer.citations = [] if answer.refused else answer.citations
            return
        text, sentences = self.verifier.check(answer.text, answer.citations)
        answer.citations, answer.sentences, numbering = keep_cited(answer.citations, sentences, self.verifier.highlights)
        answer.text = renumber_markers(text, numbering)

    def _refuse(
        self, question: str, query: str, retrieval: Retrieval, began: float, llm: LLMAnswerer | None, text: str = ""
    ) -> Answer:
        text = text or self._refusal(retrieval)
        if respelled := self._respelled(question, retrieval):
            text += " " + self.suggestion.replace("{suggestion}", respelled)
        return Answer(
            question=question,
            query=query,
            refused=True,
            backend=llm.backend if llm is not None else "extractive",
            citations=[],
            retrieval=retrieval,
            seconds=time.perf_counter() - began,
            suggestion=respelled,
            pieces=_TOKEN.findall(text),
        )

    def _replied(self, question: str, text: str, llm: LLMAnswerer | None, began: float) -> Answer:
        """A reply that searched nothing and quotes nothing: to small talk, or to "Tell me more" with nothing to read on
        from. Refused, as any answer the documents did not give."""
        return Answer(
            question=question,
            query="",
            refused=True,
            backend=llm.backend if llm is not None else "extractive",
            citations=[],
            retrieval=None,
            seconds=time.perf_counter() - began,
            pieces=_TOKEN.findall(text),
        )

    def _refusal(self, retrieval: Retrieval) -> str:
        """The refusal that says what the search found: passages on the subject, passages that hold every word of the
        query, or nothing (``Answer.closest`` lists what there is)."""
        if retrieval.relevant:
            return self.near_refusal
        return self.words_refusal if retrieval.holding_every_word else self.refusal

    def _respelled(self, question: str, retrieval: Retrieval) -> str:
        """``question`` with each of its words that no indexed chunk holds spelled as the nearest word of the passages
        the search found (``nearest_spelling``); "" when no word changes. A word the embedding model's tokenizer reads
        whole is a common word spelled right (``Embedder.words``), and one typed in capitals an acronym: neither is read
        as a slip.

        Only a refusal asks: a question answered as typed needs no other spelling, and a word the documents lack may be
        a word the user meant (a name they do not hold), so the question is never answered as respelled unasked. The
        words looked up are those keyword search reads (its first ``MAX_QUERY_TERMS``), at most ``_MOST_RESPELLED``.
        """
        common = self.retriever.embedder.words()
        typed = [
            word
            for word in content_words(question, MAX_QUERY_TERMS)
            # Not a common word the documents happen to lack ("came"), nor an acronym, typed as meant ("BOSH").
            if word.isalpha() and len(word) >= MIN_SPELLED and not word.isupper() and word.lower() not in common
        ]
        unknown = self.retriever.unknown_words(typed)[:_MOST_RESPELLED] if typed else []
        if not unknown:
            return ""
        found = [word for p in retrieval.passages for word in WORD.findall(f"{p.title} {p.section} {p.text}")]
        respelled = question
        for word in unknown:
            if (nearest := nearest_spelling(word, found)) is not None:
                respelled = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", nearest, respelled, flags=re.IGNORECASE)
        return respelled if respelled != question else ""


def one_by_one(history: Sequence[Turn]) -> list[Turn]:
    """``history`` with each message of several questions and its joined answer (``joined``) as the turns they stand
    for, a question and its answer each: a follow-up, or "Tell me more", continues the last of them, as it would after
    they were asked one by one."""
    turns: list[Turn] = []
    at = 0
    while at < len(history):
        turn, answer = history[at], history[at + 1] if at + 1 < len(history) else None
        split = sections(turn.content, answer.content) if turn.role == "user" and answer and answer.role == "assistant" else []
        if len(split) > 1:
            turns += [part for asked, said in split for part in (Turn("user", asked), Turn("assistant", said))]
            at += 2
        else:
            turns.append(turn)
            at += 1
    return turns


def without_small_talk(history: Sequence[Turn]) -> list[Turn]:
    """``history`` without the messages that asked nothing ("thanks", "hi": ``small_talk``) and the replies to them: a
    follow-up, or "Tell me more", after "Thanks!" continues the question before it."""
    turns: list[Turn] = []
    reply_to_drop = False
    for turn in history:
        if turn.role == "user" and small_talk(turn.content):
            reply_to_drop = True
        elif reply_to_drop and turn.role == "assistant":
            reply_to_drop = False
        else:
            reply_to_drop = False
            turns.append(turn)
    return turns


def _as_asked(text: str, first: bool = False) -> str:
    """What a user's turn asks, read as the extractive answerer reads it: the subject of a request ("Tell me about
    the masks China sent" -> "the masks China sent"; "What about ...?" only as a ``first`` question), else the
    question asked directly ("Can you tell me how much ...?" -> "How much ...?"); typed in capitals, in lower case
    (``unshouted``)."""
    direct = direct_question(unshouted(text))
    if asks_for_more(direct):
        return direct  # "Tell me more about it" continues the last answer: no request about "it"
    return requested_subject(direct, first) or direct


def _clearly_better(first: Retrieval, second: Retrieval) -> bool:
    """Whether ``first``'s best relevant passage beats ``second``'s by a clear margin (any beats none)."""
    if not first.relevant:
        return False
    if not second.relevant:
        return True
    # The best by score: the first passage is the first in order, which the retrievers' ranks also decide.
    best, other = (max(retrieval.relevant, key=lambda p: p.score) for retrieval in (first, second))
    # Cross-encoder logits of an answering passage sit several points above a near miss; cosines
    # (reranking off) are packed within a few hundredths.
    margin = _RERANK_MARGIN if best.scores.get("rerank") is not None else _COSINE_MARGIN
    return best.score > other.score + margin


_RERANK_MARGIN = 1.0
_COSINE_MARGIN = 0.05
# The most words of a refused question respelled: a question is a few words, and a pasted text would cost a search of
# the passages' words per unknown word.
_MOST_RESPELLED = 8
