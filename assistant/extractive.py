"""The default answerer: no LLM, only sentences copied from the retrieved passages, each cited."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.citations import CitationBook
from assistant.condense import asks_in_own_words, refers_back
from assistant.rerank import Reranker
from assistant.retrieval import Passage
from assistant.settings import DEFAULTS
from assistant.shapes import asking_words, shape_of
from index import Embedder
from index.nodes import SECTION_SEPARATOR
from index.sentences import Span, split_sentences
from index.text import (
    ANAPHORA,
    ANNOUNCING,
    CROSS_REFERENCE,
    MAN_REFERENCE,
    TERM,
    TRAILING,
    WORD,
    asked_part,
    asks,
    folded,
    mentions_code,
    name_forms,
    numbered_names,
    query_terms,
    question_code,
    question_names,
    question_years,
    singular,
    stem,
)

# A dot between two letters or digits, as an abbreviation writes it ("Ph.D.", "U.S.").
_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_MIN_WORDS = 3  # a shorter "sentence" is a heading, a label or a fragment: it answers nothing on its own
# A reference or an editorial note, wholly in square brackets: '["Ten Lectures on Wavelets", Ingrid Daubechies].' names
# people and years, and states nothing.
_REFERENCE = re.compile(r"\[[^\[\]]*\][.,;]?")
_ANNOUNCED_CHARS = 300  # the most of an announced block quoted with its sentence
# What joins the words of a file's path: "debian-reference/ch12.en.html" names "debian", "reference", "ch12". A dot
# between two digits is a version's, not a separator: "fhs-3.0.pdf.gz" names "fhs" in version "3.0".
_PATH_SEPARATORS = re.compile(r"(?:[/\\_\s-]|(?<!\d)\.|\.(?!\d))+")
# A heading's number, perhaps after its label: "11.1.2. ", "9.2 ", "Chapter 9. ", "A.1. ", "Table 2.6. ".
_HEADING_NUMBER = re.compile(
    r"^(?:(?:chapter|section|part|appendix|table|figure|example)\s+)?(?:\d+|[A-Z](?=\.))(?:\.\d+)*\.?\s+", re.I
)
# What goes on a sentence after a line set apart: a lower-case word, a closing bracket, a comma or a semicolon. And
# what starts one, after what closes the line before it: a capital, perhaps after an opening quote or bracket.
_GOES_ON = re.compile(r"[a-z]|[),;]")
_STARTS = re.compile(r"[)\]\s]*[\"'“‘(]?[A-Z]")
# A labelled field on one line: a capitalised word, a colon and a value ("Default: 'utf8'.", "Default: buf.length.").
_FIELD = re.compile(r"[A-Z][\w-]*:[ \t]+[^\n]+")
_TERM_CHARS = 120  # the longest line read as an API signature
_TERM_WORDS = 4  # the most words of a line of code read as the term a description defines ("-o pipefail")
# What a name's line may hold besides its words: "-o pipefail", "keys()", "[n]", "/etc/fstab". Not a prompt, a comment,
# quotes or an operator: "$ xeyes", "#!/bin/sh -e" and '"~Pterm" == "~Dprovides:term"' are lines of code, not names.
_NAME_MARKS = re.compile(r"[\s,()\[\]/=-]*")
# An option's synopsis in a list of options: the option, perhaps its value after "=", perhaps its default in brackets
# ("--trace-children=<yes|no> [default: no]", "--max-connect=INTEGER", "--log-file=<filename>").
_SYNOPSIS = re.compile(r"(-{1,2}[A-Za-z][\w-]*)(?:=\S+)?(?:\s+\[default:[^\]\n]*\])?")
# An API reference's signature: a dotted name and its parameters, perhaps after its kind and before its return type:
# "ZipFile.extractall(path=None, members=None)", "class timeit.Timer(stmt='pass')", "math.floor(x) -> int".
_SIGNATURE = re.compile(r"^\s*(?:[a-z]+\s+)?[A-Za-z_][\w.]*\(.*\)\s*(?:(?:->|\u2192)\s*\S.*)?$")


@dataclass
class Candidate:
    """A sentence of a passage, scored against the question."""

    passage: Passage
    start: int
    end: int
    before: str = ""  # the sentence before it in the passage, which its "it" or "they" may point back to
    rank: int = 0  # its passage's rank among those answered from (0: the best)
    score: float = 0.0  # what ranks the sentences: with a reranker, the answer model's log-odds that it answers
    fit: float = 0.0  # the scorer's judgement of the (question, sentence) pair, the sentence read in its place
    overlap: float = 0.0  # the share of the question's content words the sentence repeats (by their stems)
    alone: float = 0.0  # a follow-up's log-odds with the sentence judged against the question as asked only
    term: int = -1  # where the definition's term it describes starts (an API signature above it), else -1
    # For a later sentence of a description's paragraph, where the term it describes and the description's first
    # sentence stand in the passage ("autovacuum_naptime (integer) Specifies the minimum delay between autovacuum runs
    # ..." for "The default is one minute (1min)."): they say what it is about, and are quoted before it.
    described: Span | None = None
    # Whether that term is a name ("PIPESTATUS"), with which the sentence is judged to name what a question asks for:
    # a signature names a function and its parameters, and its description is judged alone.
    named: bool = False

    @property
    def quoted(self) -> Span:
        """What the answer quotes: the sentence, after the term it describes if any."""
        return Span(self.start if self.term < 0 else self.term, self.end)

    @property
    def text(self) -> str:
        """The sentence itself."""
        return self.passage.text[self.start : self.end]

    @property
    def judged(self) -> str:
        """What is judged to name what a question asks for: the sentence, after the name it defines if any."""
        return self.passage.text[self.term if self.named else self.start : self.end]

    @property
    def heading(self) -> str:
        """The innermost heading the sentence sits under, else its document's title."""
        return self.passage.section.rsplit(" > ", 1)[-1] or self.passage.title

    @property
    def subject(self) -> str:
        """The term and first sentence of the description the sentence goes on (``described``) as one line, else ""."""
        return "" if self.described is None else " ".join(self.passage.text[slice(*self.described)].split())

    @property
    def reading(self) -> str:
        """What the cross-encoder reads: the sentence in its place, under its heading, after the term its description
        paragraph describes if any, and after the sentence before it (which its "it" or "they" may point back to)."""
        # The first sentence under a heading follows the heading's own line, which is read once, as its heading.
        before = "" if self.before in self.subject or _bare(self.before) == _bare(self.heading) else self.before
        return " ".join(filter(None, (f"{self.heading}:" if self.heading else "", self.subject, before, self.text)))


_WORDED = re.compile(r"[^\W_]")  # a letter or a digit


@dataclass(frozen=True)
class AnswerModel:
    """The log-odds that a sentence answers the question, from the cross-encoder's judgements of it.

    A logistic regression fitted by ``bench/answer_model.py`` on the tuning half of bench/data/dev_qa.jsonl
    (a sentence is positive when it holds a gold answer of an answerable question), reported on the held-out
    half (README, "Answers on text nobody tuned for"). Each weight is a model signal, not a word list:

    - ``fit``: the cross-encoder's score of the question against the sentence read in its place: after its
      heading and the sentence before it ("PureOS: ... The social purpose company Purism guides its
      development."). A sentence alone loses what its "it" points to.
    - ``passage``: the score of the whole passage, which carries the context a sentence lacks.
    - ``overlap``: the share of the question's content words that the sentence repeats, met by their stems ("donate",
      "donated"), so that the tense a question is asked in does not decide whether it is answered.
    - ``rank``: the passage's rank; a lower passage answers less often at the same scores.
    """

    fit: float = 0.206
    passage: float = 0.064
    overlap: float = 1.615
    rank: float = -0.38
    bias: float = -2.75

    def log_odds(self, fit: float, passage: float, overlap: float, rank: int) -> float:
        """The model's log-odds that the sentence answers."""
        return self.bias + self.fit * fit + self.passage * passage + self.overlap * overlap + self.rank * rank


@dataclass
class Extract:
    """A composed extractive answer: cited sentences in reading order."""

    sentences: list[tuple[str, int]]  # (sentence, citation number)
    book: CitationBook
    considered: list[Candidate] = field(default_factory=list)  # the sentences that fit the question's shape, best first
    # The best sentence passed the answer bar but not the sure bar: on the subject, and perhaps not saying what was asked.
    tentative: bool = False

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
        min_score: with a reranker, the answer model's log-odds (see ``AnswerModel``) that the best sentence
            must reach, else the answer is a refusal: a passage can be on topic while none of its sentences
            says what was asked. Without one, sentences are ranked by cosine similarity and no bar applies.
        min_follow_up_score: the bar instead for a follow-up that points back ("who led them?"), on the best
            sentence's log-odds against the question as asked only (``Candidate.alone``).
        sure_score: with a reranker, an answer whose best sentence's log-odds is under this bar (and passed the answer
            bar) is tentative (``Extract.tentative``): shown with a warning to check its source. Without one, no
            answer is judged so.
        model: the answer model's weights.
    """

    def __init__(
        self,
        embedder: Embedder,
        reranker: Reranker | None,
        max_sentences: int = DEFAULTS["answer_sentences"],
        max_passages: int = 3,
        min_score: float = DEFAULTS["min_answer_score"],
        model: AnswerModel | None = None,
        min_follow_up_score: float = DEFAULTS["min_follow_up_score"],
        sure_score: float = DEFAULTS["sure_answer_score"],
    ) -> None:
        self.embedder = embedder
        self.reranker = reranker
        self.max_sentences = max_sentences
        # Sentences come from the best few passages only: scoring each one costs cross-encoder passes.
        self.max_passages = max_passages
        self.model = model or AnswerModel()
        # A further sentence must score within ``margin`` of the best one (and above ``floor``): log-odds
        # with a reranker, cosines without.
        self.margin, self.floor = (2.0, -math.inf) if reranker is not None else (0.1, 0.45)
        self.context_weight = 0.3
        self.min_score = min_score if reranker is not None else -math.inf
        self.min_follow_up_score = min_follow_up_score if reranker is not None else -math.inf
        self.sure_score = sure_score if reranker is not None else -math.inf

    def answer(self, question: str, passages: list[Passage], context: str = "") -> Extract:
        """Compose a short answer from ``passages`` (already judged relevant), best sentence first.

        ``context``: for a follow-up, the query with the conversation's words; a sentence scores the
        better of its match with the question and with it.
        """
        ranked = self.weigh(question, passages, context)
        if not ranked:
            return Extract([], CitationBook())
        best = ranked[0]
        # A follow-up that points back ("who led them?") lacks its subject as asked: read with the conversation's
        # words, any sentence about that subject fits it. What it asks (led, born, cost) is in its own words, so
        # its best sentence is held to a bar judged against the question as asked only. Any other question is held
        # to the answer model's bar, a follow-up's sentences also read against the condensed query: "who led the
        # team?" after a question about a donation is refused when no sentence names a leader. A follow-up with no
        # word of its own ("and then?") has nothing to judge alone, and is held to the answer model's bar.
        if context and refers_back(question) and asks_in_own_words(question):
            # The best of the sentences that pass it, among those about as likely to answer as the best one: two
            # sentences about the earlier subject may score alike read with the conversation's words, and only one of
            # them say what the follow-up asks.
            near = [c for c in ranked if c.score >= best.score - self.margin]
            passing = [c for c in near if c.alone >= self.min_follow_up_score]
            if not passing:
                return Extract([], CitationBook(), ranked)
            best = passing[0]
        elif best.score < self.min_score:
            return Extract([], CitationBook(), ranked)
        # Judged as the bar is, on the best sentence's log-odds (before a "how do I" puts its command first).
        tentative = best.score < self.sure_score
        shape = shape_of(question)
        close = [c for c in ranked if c.score >= max(best.score - self.margin, self.floor)]
        chosen: list[Candidate] = []
        if shape.procedure and not shape.gives_step(best.text, best.passage.code):
            pointed = next((c for c in close if _precedes(c, best)), None) if _points_back(best.text) else None
            if pointed is not None and shape.gives_step(pointed.text, pointed.passage.code):
                # "Thus, when reinstalling a package with this option, dpkg will ask the questions again": the option it
                # points back to is the step, named in the sentence right before ("The --force-confask option requires
                # dpkg to display the questions ..."). Both are quoted, that one first (below).
                chosen = [pointed]
            else:
                # "How do I lock a user account?": of the sentences about as likely to answer, the one that gives the
                # command leads ("... using the command passwd -l user"), not one that only describes the task.
                best = next((c for c in close if shape.gives_step(c.text, c.passage.code)), best)
        elif shape.classes and not shape.names_kind(best.text):
            # "Which countries did China send teams to?": of the sentences about as likely to answer, one that names
            # countries leads ("... to several countries, including Italy, Serbia, ..."), not one that counts them
            # ("... dispatched 38 teams to 34 countries").
            best = next((c for c in close if shape.names_kind(c.text)), best)
        elif shape.term and not shape.defines(best.text):
            # "What is a meta-package?": of the sentences about as likely to answer, the one that defines the term leads
            # ("Meta-packages are empty packages that only describe dependencies"), not one that only mentions it.
            best = next((c for c in close if shape.defines(c.text)), best)
        chosen = [best, *chosen]
        for candidate in close:
            if len(chosen) >= self.max_sentences:
                break
            if candidate is best or (shape.kind != "other" and candidate.passage.source != best.passage.source):
                # A question after one fact (a count, a date, a name) has one answer: a second document's
                # number or name beside it would only compete with it.
                continue
            if candidate.described is not None and candidate.described != best.described:
                # "The default is three." under another term of the list is about that one, and quoted without it.
                continue
            if any(_repeats(candidate, other) for other in chosen):
                # A list item already quoted with the sentence that announces it, or the same sentence in a second
                # copy of the document (a PDF beside its web page), is not quoted twice.
                continue
            chosen.append(candidate)
        # The best sentence leads; the rest follow in document order, grouped by passage. When the best one points
        # back ("these", "this", "its") and the sentence it points to is quoted too, that one is read first, as
        # written: "Some packages are marked as Essential. The package tools will refuse to remove these." (Not when
        # one fact is asked for, whose sentence must lead, nor when a command was chosen to lead a "how do I".)
        rest = sorted(chosen[1:], key=lambda c: (c.rank, c.start))
        points_back = shape.kind == "other" and best is ranked[0] and _points_back(best.text)
        lead = [c for c in rest if _precedes(c, best)] if points_back else []
        order = [*lead, best, *(c for c in rest if c not in lead)]
        quotes = [(c.passage, c.quoted) for c in order]
        if best.described is not None and not any(
            q.start <= best.described.start < q.end for p, q in quotes if p is best.passage
        ):
            # "The default is one minute (1min)." answers only after what it is the default of: the term and the first
            # sentence of its description ("autovacuum_naptime (integer) Specifies the minimum delay between autovacuum
            # runs ...") are quoted before it, and the quote stays within the sentences an answer holds.
            at = order.index(best)
            quotes = [*quotes[:at], (best.passage, best.described), *quotes[at:]][: self.max_sentences]
        book = CitationBook()
        sentences = [(p.text[slice(*q)], book.cite(p, (q.start, q.end))) for p, q in quotes]
        return Extract(sentences, book, ranked, tentative)

    def continued(self, passages: list[Passage], answered: list[str], quoted: set[str]) -> Extract:
        """For "Tell me more": the sentences that follow the last answer's, as the document reads on. ``passages``: the
        one that holds ``answered`` (its quotes), then the chunks that follow it; none of ``quoted`` (every sentence
        quoted so far) again, nor one the chunk before already held (chunks overlap). Empty when nothing follows.
        Verbatim and cited, as every answer is."""
        if not passages:
            return Extract([], CitationBook())
        ends = [passages[0].text.find(quote) + len(quote) for quote in answered if quote in passages[0].text]
        read: list[tuple[Passage, Span]] = []
        for at, passage in enumerate(passages):
            for span in split_sentences(passage.text):
                sentence = passage.text[slice(*span)]
                before = span.start < max(ends, default=0) if at == 0 else sentence in passages[at - 1].text
                # Nor a piece with no word in it (a stray "]" the splitter left alone), which says nothing.
                if not before and _WORDED.search(sentence) and not any(sentence in quote for quote in quoted):
                    read.append((passage, span))
        book = CitationBook()
        chosen = read[: self.max_sentences]
        return Extract([(p.text[slice(*span)], book.cite(p, (span.start, span.end))) for p, span in chosen], book)

    def weigh(self, question: str, passages: list[Passage], context: str = "") -> list[Candidate]:
        """The sentences of ``passages`` that have the shape of an answer to ``question``, scored, best first."""
        # The names of a question after its scene are those it asks about: "My LAN has a DHCP server. What do I add to
        # the installer's boot line?" is answered by a page that never says "LAN".
        asked = asked_part(question) or question
        names = question_names(asked)
        around = " ".join(map(_context, passages))
        if not _mentions(around, names) or not mentions_code(around, question_code(asked)):
            # A question about a name or an identifier ("kill -9", "http.createServer") no relevant passage mentions is
            # not answered by them.
            return []
        if versions := numbered_names(question):
            # Nor is a question about one version of a name ("Debian 12") by passages about the name alone.
            passages = [p for p in passages if _states_numbers(_context(p), versions)]
        if years := question_years(question):
            # Nor is a question dated by a year by passages about other years: "As of 2015, TAI is 36 seconds ahead"
            # does not say how far ahead it is since 2016. (The passage, not the sentence: "Namibia's 1999 defence
            # agreement" is named once, and the sentences after it say how it helped.)
            passages = [p for p in passages if any(_states_numbers(_context(p), [year]) for year in years)]
        shape = shape_of(question)
        passages = passages[: self.max_passages]
        # A number is quoted only from a passage about what the question names: the count of experts sent to Italy is
        # not the count of workers sent everywhere. A version only from a passage about the name it is asked of: "Which
        # GNOME version ships with Debian bookworm?" is not answered by "Now that Debian version 11 is out, ..." on a
        # page that never says GNOME.
        about = [*(names if shape.wants_number else []), *sorted(shape.owners)]
        if about:
            passages = [p for p in passages if _mentions(_context(p), about)]
        # A number, date or money question is answered only by a sentence that states one; a "who"
        # or "which" question only by one that names someone or something the question does not.
        # The kind of thing named is often not repeated in the answer ("which directory" -> "stored in
        # /etc/apparmor.d/"): a sentence holding an identifier may answer too, and the scores decide.
        # (Counts keep their counted noun: "40 conferences" must not answer "how many masks".)
        # A definition's description is judged with the name it defines: "PIPESTATUS" / "An array variable ...".
        candidates = [
            c
            for c in self._candidates(passages)
            if shape.states(c.judged, c.passage.code) or shape.answers_loosely(c.judged, c.passage.code)
        ]
        if candidates:
            self._score(question, candidates, context)
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def _candidates(self, passages: list[Passage]) -> list[Candidate]:
        seen: set[str] = set()
        candidates = []
        for rank, passage in enumerate(passages):
            before = ""
            described: Span | None = None  # a term and its description's first sentence, while its paragraph goes on
            # A heading is the passage's context (it is read with each sentence), never an answer itself.
            headings = {_bare(heading) for heading in passage.section.split(SECTION_SEPARATOR)}
            spans = split_sentences(passage.text)
            # The sentences that are an API signature, or a name a definition defines, above its description.
            signatures = {k for k in range(len(spans) - 1) if _signs(passage.text, spans[k], spans[k + 1], headings)}
            names = {
                k
                for k in range(len(spans) - 1)
                if _defines(passage.text, spans[k - 1] if k else None, spans[k], spans[k + 1], headings, passage.code)
            }
            signatures |= names
            for k, span in enumerate(spans):
                if asks(passage.text[span.start : span.end]):
                    # A question states nothing ("How can I find out what package produced a file?" in a FAQ):
                    # never an answer, but what the sentence after it answers, so it is read before that one.
                    before = passage.text[span.start : span.end]
                    continue
                if k in signatures:
                    # A signature is quoted with its description's first sentence, never alone, and read before it.
                    before = passage.text[span.start : span.end]
                    described = Span(span.start, spans[k + 1].end)
                    continue
                if described is not None and k - 1 not in signatures and "\n\n" in passage.text[spans[k - 1].end : span.start]:
                    described = None  # the description's paragraph has ended
                if k + 1 < len(spans) and _announces(passage.text, span, spans[k + 1]):
                    # "You can change it by the following." says nothing without the block it announces (a command,
                    # an example): the two are one candidate, read and quoted together.
                    span = Span(span.start, spans[k + 1].end)
                elif k + 2 < len(spans) and _interrupted(passage.text, span, spans[k + 1], spans[k + 2], headings):
                    # "... you could add" / "log /var/log/dpkg.log" / "to your /etc/dpkg/dpkg.cfg.": a sentence that
                    # runs on after a line set apart (a command, a file's line) is one sentence, read and quoted whole.
                    span = Span(span.start, spans[k + 2].end)
                elif k + 1 < len(spans) and _labels(passage.text, span, spans[k + 1]):
                    # "encoding {string} The character encoding to use. Default: 'utf8'.": a field after a sentence on
                    # its line is part of what that sentence says, and too short to say anything alone.
                    span = Span(span.start, spans[k + 1].end)
                sentence = passage.text[span.start : span.end]
                key = folded(sentence)
                # Overlapping chunks repeat sentences; quote each only once.
                stated = len(sentence.split()) >= _MIN_WORDS and not _REFERENCE.fullmatch(sentence)
                if stated and key not in seen and _bare(sentence) not in headings:
                    seen.add(key)
                    candidate = Candidate(passage, span.start, span.end, before, rank)
                    if described is not None and k - 1 not in signatures:
                        # "The default is one minute (1min)." says what it says of the term its paragraph describes.
                        candidate.described = described
                    if k - 1 in signatures:
                        # "Extract all members from the archive ..." describes the term above it and never repeats it:
                        # it is quoted after "ZipFile.extractall(path=None, members=None, pwd=None)" (and judged alone).
                        candidate.term, candidate.named = spans[k - 1].start, k - 1 in names
                    candidates.append(candidate)
                before = sentence
        return candidates

    def _score(self, question: str, candidates: list[Candidate], context: str = "") -> None:
        if self.reranker is None:
            self._score_by_cosine(question, candidates, context)
            return
        # Each sentence is read in its place. (Reading it alone and under its heading as well cost 39 % more time per
        # answer for one more right answer of 116 on the tuning half.)
        readings = [c.reading for c in candidates]
        # A follow-up ("how many did they train?") is also read as its condensed query, which names its subject. A
        # question after sentences that set its scene is also read as asked without them: "I read about the aid. Which
        # countries received experts?" is answered as "Which countries received experts?" is, the scene's words
        # being in no answer.
        asked = asked_part(question)
        queries = [question, *filter(None, (asked, context))]
        judged = [self.reranker.score(query, readings) for query in queries]
        scores = np.max(judged, axis=0)
        # Words are met by their stems: "How much did China donate?" repeats "has donated" as "Has China donated?" does.
        # The words that only say what kind of answer is asked ("how much", "what year") are no words a sentence repeats.
        term_sets = [{stem(term) for term in set(query_terms(text)) - asking_words(text)} for text in (question, asked) if text]
        for candidate, score, alone in zip(candidates, scores, judged[0], strict=True):
            # Overlap counts the question's own words: the condensed query's come from the previous question, and
            # would favour the sentences that answered it.
            # A later sentence of a description is about what its term and first sentence say ("The default is one
            # minute (1min)." of the delay between autovacuum runs), and a description's first sentence about the term
            # above it ("-e" for "Exit immediately if a pipeline ..."): their words count as its own.
            quoted = candidate.passage.text[slice(*candidate.quoted)]
            words = set(map(stem, query_terms(f"{candidate.subject} {quoted}")))
            candidate.overlap = max(len(terms & words) / len(terms) if terms else 0.0 for terms in term_sets)
            candidate.fit = float(score)
            # A follow-up's passages were ranked for its condensed query, which leans to the previous question's
            # subject, so their order says little about the new question: no passage is held back for its rank.
            rank = 0 if context else candidate.rank
            candidate.score = self.model.log_odds(candidate.fit, candidate.passage.score, candidate.overlap, rank)
            candidate.alone = self.model.log_odds(float(alone), candidate.passage.score, candidate.overlap, rank)

    def _score_by_cosine(self, question: str, candidates: list[Candidate], context: str) -> None:
        queries = [question, context] if context else [question]
        vectors = self.embedder.encode([*queries, *(c.text for c in candidates)])
        scores = (vectors[len(queries) :] @ vectors[: len(queries)].T).max(axis=1)
        terms = set(query_terms(question))
        for candidate, score in zip(candidates, scores, strict=True):
            # A sentence that repeats the question's rare words is more likely on topic.
            bonus = 0.04 * len(terms & set(query_terms(candidate.text))) / len(terms) if terms else 0.0
            # The passage score carries the context a lone sentence lacks (who "they" are, which country).
            candidate.fit = float(score)
            candidate.score = float(score) + bonus + self.context_weight * candidate.passage.score


def _announces(text: str, sentence: Span, following: Span) -> bool:
    """Whether ``sentence`` announces the block right after it ("... by the following.", "... as follows:", "... this
    command:"), and that block is short enough to quote with it (a command line, an example, a list's first item)."""
    lead = text[sentence.start : sentence.end].rstrip()
    starts_block = "\n" in text[sentence.end : following.start]
    short = following.end - following.start <= _ANNOUNCED_CHARS
    points = lead.endswith(":") or (bool(ANNOUNCING.search(lead)) and not CROSS_REFERENCE.search(lead))
    return starts_block and short and points


def _interrupted(text: str, sentence: Span, display: Span, rest: Span, headings: set[str]) -> bool:
    """Whether ``sentence`` stops unfinished before a short block set apart on its own lines (``display``) and goes on
    after it (``rest`` starts in lower case or with a closing mark): "If you'd like to log all your dpkg invocations,
    you could add" / "log /var/log/dpkg.log" / "to your /etc/dpkg/dpkg.cfg." """
    lead = text[sentence.start : sentence.end].rstrip()
    between = (text[sentence.end : display.start], text[display.end : rest.start])
    short = display.end - display.start <= _ANNOUNCED_CHARS
    # A sentence, stopped short: not a line set apart itself ("2005-12-30 18:10:35 status installed"), not a running
    # header in capitals, not a heading (which stops without a mark, and the block under it is no part of it).
    prose = bool(_STARTS.match(lead)) and any(char.islower() for char in lead) and _bare(lead) not in headings
    unfinished = prose and not TRAILING.search(lead)
    return unfinished and short and all("\n" in gap for gap in between) and bool(_GOES_ON.match(text, rest.start))


def _labels(text: str, sentence: Span, following: Span) -> bool:
    """Whether ``following`` is a labelled field that goes with ``sentence``: on its line, shorter than a sentence that
    answers anything, a capitalised label, a colon and a value ("Default: 'utf8'.", "Default: 0.")."""
    field = text[following.start : following.end]
    same_line = "\n" not in text[sentence.end : following.start]
    return same_line and len(field.split()) < _MIN_WORDS and bool(_FIELD.fullmatch(field))


def _signs(text: str, term: Span, sentence: Span, headings: set[str]) -> bool:
    """Whether ``term`` is an API reference's signature ("ZipFile.extractall(path=None)") alone on its line, not a
    heading, and ``sentence`` opens the description in the block below it."""
    return _signs_alone(text, term, sentence, headings) and bool(_SIGNATURE.match(text[term.start : term.end]))


def _signs_alone(text: str, term: Span, sentence: Span, headings: set[str]) -> bool:
    """Whether ``term`` is one short line without a closing mark, not a heading, with ``sentence`` in the block below."""
    line = text[term.start : term.end]
    if "\n" in line or len(line) > _TERM_CHARS or line.rstrip()[-1:] in ".!?:;," or "\n" not in text[term.end : sentence.start]:
        return False
    return _bare(line) not in headings


def _defines(text: str, previous: Span | None, term: Span, sentence: Span, headings: set[str], code: frozenset[str]) -> bool:
    """Whether ``term`` is the term of a list of definitions, a name the document marks as code alone on its line
    ("PIPESTATUS", "lastpipe", "/etc/fstab"), and ``sentence`` opens its description in the block below it: "An array
    variable containing a list of exit status values from the processes in the most-recently-executed foreground
    pipeline." never names the variable it describes.

    Not a line of code that a sentence announces ("Run this:" / "apt update") or that a sentence runs on past: the
    block before the term must be whole.
    """
    line, description = text[term.start : term.end], text[sentence.start : sentence.end]
    # A list of options gives each with its value and default: the option is the name its description defines.
    synopsis = _SYNOPSIS.fullmatch(stripped := line.strip())
    # A list of manual pages names each with its section ("git-blame(1)" / "Show what revision and author last modified
    # each line of a file."): the page's name is the term.
    cited = MAN_REFERENCE.fullmatch(stripped)
    words = TERM.findall(synopsis.group(1) if synopsis else cited.group(1) if cited else line)
    alone = previous is None or "\n" in text[previous.end : term.start]  # only space stands before the first sentence
    if not words or len(words) > _TERM_WORDS or not alone or not _signs_alone(text, term, sentence, headings):
        return False
    if not (synopsis or _NAME_MARKS.fullmatch(TERM.sub(" ", line))) or not _STARTS.match(description):
        return False  # a line of code, or a description that is not prose ("iterkeys()" / "keys()")
    if previous is not None and _bare(text[previous.start : previous.end]) not in headings:  # a heading is whole
        before = text[previous.start : previous.end].rstrip()
        if before.endswith((":", ",", ";")) or not TRAILING.search(before) or _announces(text, previous, term):
            return False
    return all(word.lower() in code for word in words)


def _points_back(sentence: str) -> bool:
    """Whether ``sentence`` has a word that points back ("it", "these", "his"); in a statement, "that", "there" and
    "such" mostly do not ("Note that ...", "there is ...", "such as ...")."""
    return any(match.group(1).lower() not in ("that", "there", "such") for match in ANAPHORA.finditer(sentence))


def _precedes(candidate: Candidate, other: Candidate) -> bool:
    """Whether ``candidate`` is the sentence right before ``other`` in the same passage (only space between)."""
    same = candidate.passage is other.passage
    return same and candidate.end <= other.quoted.start and not candidate.passage.text[candidate.end : other.quoted.start].strip()


def _repeats(candidate: Candidate, other: Candidate) -> bool:
    """Whether one of the two sentences, as quoted, holds the other whole."""
    one, two = (folded(c.passage.text[slice(*c.quoted)]) for c in (candidate, other))
    return one in two or two in one


def _mentions(text: str, names: list[str]) -> bool:
    """Every name has a word in ``text``: "Wang Yi" is mentioned by a passage that says "Wang", "DVDs" by one that
    says "DVD-ROMs" (plurals fold), "Russia" by one that says "the Russians" (a place's adjective folds)."""
    # An abbreviation's dots part no name: "Ph.D." mentions "PhD", "U.S." "US".
    found = set(WORD.findall(text)) | set(WORD.findall(_INNER_DOT.sub("", text)))
    words = {singular(word) for word in found}
    places = {form for word in found if word[:1].isupper() for form in name_forms(word)}
    return all(
        any(singular(word) in places or not name_forms(word).isdisjoint(words) for word in WORD.findall(name)) for name in names
    )


def _states_numbers(text: str, numbers: list[str]) -> bool:
    """Every number stands in ``text`` whole or as the start of a longer one ("12" in "Debian 12.4", not in "112")."""
    return all(re.search(rf"(?<![\w.]){re.escape(number)}(?!\w)", text) for number in numbers)


def _bare(text: str) -> str:
    """``text`` without the marks a heading may carry ("== History ==", "11.1.2.", "Chapter 9.") and its outer whitespace.

    The sentence splitter parts a heading's number from its words, and the words alone must still read as the heading.
    """
    return _HEADING_NUMBER.sub("", " ".join(text.strip(" \t\n=#").split()))


def _context(passage: Passage) -> str:
    """The passage with what it sits under: its document's folder and file name, title and headings.

    A passage need not repeat its subject: a section of a Debian manual is about Debian, said or not, and
    a page titled "Chapter 12. Programming" in a folder "debian-reference" is a page of a Debian manual.
    """
    return " ".join((_PATH_SEPARATORS.sub(" ", passage.source), passage.title, passage.section, passage.text))
