"""Turning a follow-up question into a standalone search query, without an LLM."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.history import Turn
from index.text import (
    CONTINUATION,
    DETERMINERS,
    MARKER,
    POSSESSIVE,
    STOPWORDS,
    SUBJECTLESS,
    content_words,
    name_runs,
    name_words,
    points_back,
    query_terms,
)

# A follow-up that asks for more of what was just said, with no subject of its own: "Tell me more", "More details,
# please", "Go on", "Can you elaborate?", "What else?". Read as a question, its words ("more", "else") fit no sentence,
# and it was refused; it asks for the sentences that follow the last answer's in its document (``More``).
_MORE = re.compile(
    r"(?:(?:and|ok(?:ay)?|so|please)[\s,]+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:"
    r"(?:tell|show)\s+(?:me|us)\s+(?:a\s+(?:bit|little)\s+|some\s+)?more(?:\s+about\s+(?:it|that|this|them))?"
    r"|(?:give\s+(?:me|us)\s+)?(?:a\s+(?:bit|little)\s+|some\s+)?more(?:\s+(?:details?|info(?:rmation)?|context))?"
    r"(?:\s+(?:about|on)\s+(?:it|that|this|them))?"
    r"|go\s+on|continue|keep\s+going|elaborate(?:\s+on\s+(?:it|that|this))?|expand\s+on\s+(?:it|that|this)"
    r"|explain\s+(?:it|that|this\s+)?(?:more|further)|explain\s+(?:it|that|this)"
    r"|what\s+else(?:\s+(?:is\s+there|do\s+(?:they|you|the\s+documents?)\s+say))?|anything\s+else"
    r")(?:[\s,]+please)?[\s?.!]*",
    re.I,
)
_SHORT = 3  # content words at most for a question to count as elliptical ("and Italy?")
_WINDOW = 64  # characters read before a name for the preposition it stands after
_SIMILAR = 0.2  # the share of character trigrams two names hold in common for one to stand in for the other
# "And Elsa?" / "And Pauline?": a follow-up that names another subject after one that did is read back to the question
# they both stand for, at most this many questions back.
_CHAIN = 3


def is_follow_up(question: str) -> bool:
    """Whether ``question`` probably depends on the conversation before it."""
    return refers_back(question) or len(query_terms(question, _SHORT + 1)) <= _SHORT


def refers_back(question: str) -> bool:
    """Whether ``question`` points at something said before ("they", "that", "and Italy?"), not only short."""
    return bool(CONTINUATION.search(question)) or points_back(question)


def asks_in_own_words(question: str) -> bool:
    """Whether ``question`` says in its own words what it asks ("who led them?": led), unlike "and then?"."""
    return any(word.lower() not in SUBJECTLESS for word in query_terms(question))


def names_another_subject(question: str) -> bool:
    """Whether a follow-up only names another subject ("And DEC?", "What about the Pentium III?", "And in Great
    Britain?"): it continues the last question, and each of its words is part of a name, an identifier or a number.
    What it asks is the last question's ask, about that subject; its own words alone fit any sentence about it."""
    if not CONTINUATION.search(question):
        return False
    words = set(query_terms(question)) - {"s"}  # a possessive's "s" ("and Alaska's?") is no word of its own
    return bool(words) and words <= name_words(question)


def condense(question: str, history: Sequence[Turn]) -> str:
    """A standalone query: the question plus the subject words of the last user turn it leans on.

    A follow-up that only names another subject is the last question about it (``reasked``).

    Example:
        >>> condense("And how many did it send to Italy?", [Turn("user", "Which countries did China send medical teams to?")])
        'And how many did it send to Italy? countries China medical teams'
        >>> condense("And Elsa?", [Turn("user", "When did Einstein marry Mileva Marić?")])
        'When did Einstein marry Elsa?'
    """
    return _reasked(question, history, 0) if names_another_subject(question) else _carried(question, history, names=True)


def standing_alone(history: Sequence[Turn]) -> str | None:
    """The last question of ``history`` as a standalone query; None when no question was asked.

    A follow-up is read with the words of the last question before it that set a subject (``_sets_a_subject``):
    "Who announced it?" after "When was that announced?" after "How much did China donate to the WHO?" leans on the
    donation, which the question right before it never names.

    Example:
        >>> standing_alone([Turn("user", "How much did China donate to the WHO?"), Turn("assistant", "..."),
        ...                 Turn("user", "When was that announced?")])
        'When was that announced? China donate WHO'
    """
    at = _last_question_at(history)
    if at is None:
        return None
    previous = history[at].content
    if names_another_subject(previous):
        return _reasked(previous, history[:at], 1)
    if _sets_a_subject(previous):
        return previous
    topic = next((turn.content for turn in reversed(history[:at]) if turn.role == "user" and _sets_a_subject(turn.content)), None)
    return previous if topic is None else _with_words_of(previous, topic, names=True)


def _sets_a_subject(question: str) -> bool:
    """Whether ``question`` says what it is about in its own words, not opened as a follow-up ("And ..."): with more
    words than a short follow-up has, or naming something without pointing back. "How many specialists were in the
    group that went to Kyrgyzstan?" does, though its "that" may point back, and so does "Who founded Debian?"; "Who led
    them?" and "When did they return?" do not."""
    if CONTINUATION.match(question):
        return False
    return len(query_terms(question, _SHORT + 1)) > _SHORT or (bool(name_words(question)) and not refers_back(question))


def reasked(question: str, history: Sequence[Turn]) -> str:
    """What a follow-up that only names another subject asks: the last user turn with that subject in place of one of
    its names, or, when it names nothing, the question and that turn's words. Any other question is returned as it is.

    The name replaced is the one after the follow-up's own preposition ("And to Italy?" after "... donated to the
    WHO?"), else the one most alike in its letters ("and 10baseT?" after "... for 10base2 cabling?"), else the last.

    Example:
        >>> reasked("And on a Pentium II?", [Turn("user", "How many transistors were on Intel's 4004?")])
        'How many transistors were on Pentium II?'
    """
    return _reasked(question, history, 0)


def _reasked(question: str, history: Sequence[Turn], depth: int) -> str:
    """``reasked``, ``depth`` questions back in a chain of follow-ups: after "And Elsa?", "And Pauline?" is the question
    "And Elsa?" stood for, about Pauline."""
    at = _last_question_at(history)
    if at is None or not names_another_subject(question):
        return question
    previous = history[at].content
    if depth + 1 < _CHAIN and names_another_subject(previous):
        previous = _reasked(previous, history[:at], depth + 1)
    subject, lead = _subject(question)
    runs = name_runs(previous)
    if not subject or not runs:
        return _carried(question, history, names=False)
    start, end = _replaced(previous, runs, subject, lead)
    before = previous[:start]
    last = before.rsplit(None, 1)[-1:]
    if not DETERMINERS.intersection(lead) and last and last[0].lower() in DETERMINERS:
        before = before[: before.rstrip().rfind(" ") + 1]  # "to Italy" for "to the WHO", not "to the Italy"
    return before + subject + previous[end:]


def _last_question_at(history: Sequence[Turn]) -> int | None:
    """Where the last user turn of ``history`` that asked something is, the question a follow-up leans on (not "Tell me
    more", which asks nothing of its own); None when there is none."""
    return next(
        (at for at in range(len(history) - 1, -1, -1) if history[at].role == "user" and not asks_for_more(history[at].content)),
        None,
    )


def last_quotes(history: Sequence[Turn]) -> list[str]:
    """What the last answer of ``history`` quoted: its text before each citation marker, an extractive answer's sentences.

    Example:
        >>> last_quotes([Turn("user", "How much?"), Turn("assistant", "It gave 20 million dollars. [1] Then more. [2]")])
        ['It gave 20 million dollars.', 'Then more.']
    """
    answer = next((turn.content for turn in reversed(history) if turn.role == "assistant"), "")
    return [piece.strip() for piece in MARKER.split(answer)[::2] if piece.strip()]


def _subject(question: str) -> tuple[str, list[str]]:
    """The name a follow-up names and the lower-case words before it: "And on a Pentium II?" -> "Pentium II", [on, a]."""
    opening = CONTINUATION.match(question)
    words = question[opening.end() if opening else 0 :].strip().rstrip("?!. ").split()
    lead = []
    while words and words[0] == words[0].lower() and words[0] in STOPWORDS:  # "the AT": "AT" is no "at"
        lead.append(words.pop(0))
    return POSSESSIVE.sub("", " ".join(words)), lead


def _replaced(previous: str, runs: list[tuple[int, int]], subject: str, lead: list[str]) -> tuple[int, int]:
    """Which of ``previous``'s name ``runs`` the follow-up's ``subject`` stands in for (see ``reasked``)."""
    if prepositions := [word for word in lead if word not in DETERMINERS]:
        for start, end in runs:
            # The two words before the name, read from a bounded window: a long question has many names.
            before = previous[max(0, start - _WINDOW) : start].lower().split()[-2:]
            if [word for word in before if word not in DETERMINERS][-1:] == prepositions[-1:]:
                return start, end
    wanted = _trigrams(subject)  # once: a long name against many
    likeness = [(_alike(wanted, _trigrams(previous[start:end])), (start, end)) for start, end in runs]
    best, run = max(likeness)
    return run if best >= _SIMILAR else runs[-1]


def _alike(one: set[str], other: set[str]) -> float:
    """The share of character trigrams two names hold in common (Jaccard)."""
    shared = len(one & other)  # the smaller set is walked, never the whole of a long name's
    return shared / (len(one) + len(other) - shared)  # never 0 / 0: ``_trigrams`` pads every name


def _trigrams(name: str) -> set[str]:
    text = f"  {name.lower()} "
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _carried(question: str, history: Sequence[Turn], names: bool) -> str:
    """``question`` and the content words of the last user turn it does not hold, that turn read as a standalone query
    (``standing_alone``); without its names unless ``names``."""
    if not is_follow_up(question):
        return question
    previous = standing_alone(history)
    return question if previous is None else _with_words_of(question, previous, names)


def _with_words_of(question: str, previous: str, names: bool) -> str:
    """``question`` and the content words of ``previous`` it does not hold; without ``previous``'s names unless ``names``."""
    asked = set(query_terms(question))
    if not names:
        asked |= name_words(previous) | {"s"}  # nor a possessive's "s"
    carried = [word for word in content_words(previous) if word.lower() not in asked and word.lower() not in SUBJECTLESS]
    if not carried:
        return question
    return f"{question} {' '.join(carried)}"


def asks_for_more(question: str) -> bool:
    """Whether ``question`` only asks for more of what was just said ("Tell me more", "Go on", "What else?").

    Example:
        >>> asks_for_more("Tell me more, please"), asks_for_more("Can you elaborate?"), asks_for_more("More on Italy?")
        (True, True, False)
    """
    return _MORE.fullmatch(question.strip()) is not None


@dataclass
class More:
    """What a follow-up that asks for more continues (``more_of``): the last question that asked something, what the
    answer to it quoted (which finds its documents), and every sentence quoted since, none to be quoted again."""

    question: str
    answered: list[str]
    quoted: set[str] = field(default_factory=set)


def more_of(history: Sequence[Turn]) -> More | None:
    """The question "Tell me more" continues: the last user turn that asked something, with the answer to it and the
    sentences quoted since; None when there is none, or when its answer quoted nothing (a refusal has nothing more).

    Example:
        >>> history = [Turn("user", "How much?"), Turn("assistant", "It gave 20 million dollars. [1]"),
        ...            Turn("user", "Go on"), Turn("assistant", "It also sent masks. [1]")]
        >>> more = more_of(history); more.question, more.answered, sorted(more.quoted)
        ('How much?', ['It gave 20 million dollars.'], ['It also sent masks.', 'It gave 20 million dollars.'])
    """
    quoted: set[str] = set()
    answered: list[str] = []
    for at in range(len(history) - 1, -1, -1):
        turn = history[at]
        if turn.role == "assistant":
            answered = last_quotes([turn]) if MARKER.search(turn.content) else []  # a refusal quotes nothing
            quoted.update(answered)
        elif not asks_for_more(turn.content):
            return More(turn.content, answered, quoted) if answered else None
    return None
