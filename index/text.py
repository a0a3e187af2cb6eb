"""Text rules in one place: tokens, content words, numbers, dates, names, citation markers and stems.

Answering, verification, condensation and keyword search read text through these rules, so two
modules never read the same text two ways by accident. Where two rules look alike but differ (digits
or number words too, four- or five-letter stems, three readings of "a name"), each is kept under its
own name with the reason it exists: merging them would change what the answerer says. The module
sits in ``index/`` because keyword search needs it and ``index/`` never imports ``assistant/``.

The patterns stay linear in the length of the text, whatever its shape (possessive quantifiers, and
look-behinds so that a match starts only where a run starts): tests/test_linear_time.py runs the
functions that use them on 1 MB of pathological text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "ACRONYM_SKIPS",
    "ADVERBS",
    "ANAPHORA",
    "ANNOUNCING",
    "ASKED_DIMENSIONS",
    "AUXILIARIES",
    "CONTINUATION",
    "COPULAS",
    "CROSS_REFERENCE",
    "DATE",
    "DETERMINERS",
    "DIGITS",
    "DIMENSIONS",
    "EARLY_YEAR",
    "GENERIC_COUNTED",
    "LABEL_WORDS",
    "LATIN_LETTER",
    "LATIN_WORD",
    "LIFESPAN",
    "LIFE_WORDS",
    "LIGHT_VERBS",
    "MARKER",
    "MAX_QUESTION_CHARS",
    "MEASURE_NOUNS",
    "MONEY",
    "MONEY_WORDS",
    "NAME_CLASSES",
    "NAME_TITLES",
    "NUMBER",
    "NUMBER_SCALES",
    "OBJECT_PRONOUNS",
    "OPENING",
    "PARTICLES",
    "PHRASE_END",
    "PIECE",
    "POSSESSIVE",
    "PREPOSITIONS",
    "SPACED_RUN",
    "STOPWORDS",
    "SUBJECTLESS",
    "SURROGATE",
    "TERM",
    "TRAILING",
    "UNFINISHING",
    "UNITS",
    "UNIT_AFTER",
    "UNIT_DIMENSION",
    "UNSPACED",
    "VERSION_WORDS",
    "VITAL_ASKED",
    "VITAL_STATED",
    "WORD",
    "YEAR",
    "asks",
    "claim_names",
    "code_terms",
    "content_words",
    "direct_question",
    "folded",
    "is_identifier",
    "is_specific",
    "mentions_code",
    "name_forms",
    "name_runs",
    "name_words",
    "numbered_names",
    "plainly_typed",
    "points_back",
    "query_terms",
    "question_code",
    "question_names",
    "question_years",
    "replace_surrogates",
    "requested_subject",
    "short_stem",
    "singular",
    "small_talk",
    "stem",
    "unshouted",
    "versions",
    "whole_characters",
    "without_pictographs",
    "written_options",
]

# The longest question anything reads: the ceiling of CITEWISE_MAX_QUESTION_CHARS (assistant/settings.py), the most a
# saved chat stores of a question (assistant/chats.py), and as much of a question as its analysis reads
# (``assistant.shapes.shape_of``: a follow-up rebuilt from a long earlier turn is read this far, no further).
MAX_QUESTION_CHARS = 20_000

# --------------------------------------------------------------------------- valid Unicode

# A surrogate code point: half of a UTF-16 pair, which a Python str can hold (a JSON "\ud83d" decodes to one) but
# UTF-8, hence SQLite, JSON writers and the sentence breaker, cannot.
SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """``text`` with each surrogate code point replaced by U+FFFD, one character for one (offsets keep)."""
    return SURROGATE.sub("\ufffd", text)


# Pictographs: emoji with their skin tones, joiners, variation selectors and keycaps, flags, dingbats, U+FFFD, any
# symbol past Latin-1. No model here reads one (each is an unknown token) and no document is searched for one, yet
# one after a question lowered its sentences' scores enough to turn an answer into a refusal. Latin-1's symbols
# ("°", "©") and currency signs stay.
_PICTOGRAPH_MARKS = frozenset("\u200d\ufe0e\ufe0f\u20e3") | frozenset(map(chr, range(0xE0020, 0xE0080)))
_PICTOGRAPH = "\ue000"  # what stands for one while they are taken out (a private-use character is one itself)
_BETWEEN_WORDS = re.compile(r"(?<=\w)\ue000++(?=\w)")
# Any other run goes with the spaces before it when only a mark or the end follows ("WHO <flag>?"); at the start or
# after a space, with those after it ("<emoji> How many <emoji> masks"); right after a word or a mark, alone, for the
# spaces after it part that word from the next ("Thanks<emoji> how many masks", "caf<U+FFFD> au lait").
_LEFT_OVER = re.compile(r"(?<! ) *+\ue000++(?= *+(?:[^\w\s]|$))|(?:^|(?<=\s))\ue000++ *+|\ue000++")  # spaces read once


# What a question may hold that changes how it reads but not what it says. Invisible characters pasted from a web
# page (a zero-width space, a word joiner, a soft hyphen, a byte-order mark) part a word in two for every reader:
# "Ch<U+200B>ina" is no China. The full-width forms of ASCII a Chinese, Japanese or Korean keyboard types ("WHO？",
# "ｐｉｐ") and its ideographic space read as other characters: "WHO？" ended in no question mark.
_PLAIN_TYPED = {0x200B: None, 0x2060: None, 0xFEFF: None, 0x00AD: None, 0x3000: " "} | {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)
}


def plainly_typed(text: str) -> str:
    """``text`` without invisible characters, and with full-width ASCII as ASCII (``_PLAIN_TYPED``).

    Example:
        >>> plainly_typed("How much did Ch\u200bina donate to the WHO\uff1f")
        'How much did China donate to the WHO?'
    """
    return text.translate(_PLAIN_TYPED)


def without_pictographs(text: str) -> str:
    """``text`` without its pictographs (see ``_PICTOGRAPH_MARKS``): a run between two words becomes a space, any other
    goes with the spaces on one side of it."""
    if text.isascii():
        return text
    found = [_is_pictograph(c) for c in text]
    if not any(found):
        return text
    marked = "".join(_PICTOGRAPH if pictograph else c for c, pictograph in zip(text, found, strict=True))
    return _LEFT_OVER.sub("", _BETWEEN_WORDS.sub(" ", marked)).strip()


def _is_pictograph(character: str) -> bool:
    return character in _PICTOGRAPH_MARKS or (character > "\xff" and unicodedata.category(character) in ("So", "Sk", "Co", "Cn"))


def whole_characters(text: str) -> str:
    """``text`` as valid Unicode: each pair of surrogate halves joined into its character ("\ud83d\ude00" -> 😀),
    each lone half replaced by U+FFFD."""
    if SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# --------------------------------------------------------------------------- tokens

# Typographic marks and their plain forms: a PDF's "’sid’" and a web page's "'sid'" are one sentence.
_PLAIN_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_CLOSING = " \t\n\"')]\u201d\u2019"  # what may close a sentence after its mark


def folded(text: str) -> str:
    """``text`` as compared for sameness: lower case, plain quotes and dashes, single spaces."""
    return " ".join(text.translate(_PLAIN_MARKS).lower().split())


def asks(sentence: str) -> bool:
    """Whether ``sentence`` is a question ("How can I find out what package produced a file?"): it states nothing."""
    return sentence.rstrip(_CLOSING).endswith("?")


# A word of any script for keyword search and for "does this text mention that name": a run of letters,
# digits and underscores.
WORD = re.compile(r"\w+")
# A word with its inner stops, hyphens and apostrophes ("24.kg", "Xi's", "cron.allow"), so names and
# identifiers are read whole. It starts only where such a run starts: a run with no word character in it
# ("-----") was otherwise re-read from each of its characters.
TERM = re.compile(r"(?<![\w'.-])[\w'.-]*\w")
# A word of an English phrase ("how many | hospital and clinic employees"), from an ASCII letter, with
# inner apostrophes and hyphens ("twenty-one"); a number is never one, so it does not count as a neighbour.
LATIN_WORD = re.compile(r"[A-Za-z][\w'-]*")
# Where a LATIN_WORD can start.
LATIN_LETTER = re.compile(r"[A-Za-z]")
# A piece of a streamed answer: a word and the whitespace after it, so the pieces join back into the text.
PIECE = re.compile(r"\S+\s*")

# Scripts written without spaces between words (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar): a
# tokenizer spends about one token per character there, so counting them by spaces would call a
# whole paragraph one word.
_UNSPACED_RANGES = r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
UNSPACED = re.compile(f"[{_UNSPACED_RANGES}]")  # one character of such a script
SPACED_RUN = re.compile(rf"[^\s{_UNSPACED_RANGES}]+")  # a run of any other script, up to a space

# --------------------------------------------------------------------------- content words

# Words too common to help a keyword match (the dense retriever handles phrasing), to say what a question
# is about when a follow-up borrows its subject, or to show that a sentence shares a question's topic.
STOPWORDS = frozenset(
    """a about an and are as at be been by can could did do does for from had has have how i if in into is
    it its me my of on or our so than that the their them then there these they this to was we were what
    when where which who whom why will with would you your""".split()
)


def content_words(text: str, limit: int | None = None) -> list[str]:
    """The distinct content words of ``text`` in order, as written (case kept); the first ``limit`` if given.

    Example:
        >>> content_words("What did the WHO say about masks and the masks' cost?")
        ['WHO', 'say', 'masks', 'cost']
    """
    seen: dict[str, str] = {}
    for match in WORD.finditer(text):
        if len(seen) == limit:
            break  # the rest of a long text is not even read
        token = match.group()
        word = token.lower()
        # An all-capitals word is an acronym ("WHO", "US"), never a stopword.
        if (word not in STOPWORDS or (token.isupper() and len(token) > 1)) and word not in seen:
            seen[word] = token
    return list(seen.values())


def query_terms(text: str, limit: int | None = None) -> list[str]:
    """The distinct content words of ``text``, lower-cased, in order; the first ``limit`` if given."""
    return [word.lower() for word in content_words(text, limit)]


# --------------------------------------------------------------------------- numbers, money and dates

# Where a run of digits "1.2,3" may begin a quantity: at its first group when nothing glues that to a
# word, else at its second ("COVID-19.5" -> "5"; kept as it always was). Starting anywhere further in
# could never match and made a long run cost n squared. Python's look-behinds have a fixed width, hence
# one per length of a glued first group (a longer one, never seen in text, starts nothing).
_GLUED_FIRST_GROUP = "|".join(rf"(?<=(?:[^\W\d]|-)\d{{{n}}}[.,])" for n in range(1, 21))
# A quantity in digits: not glued to letters or hyphens ("10", "2.2", "30,000", not "COVID-19" or "24.kg").
# The leading look-ahead fails every other character at once, before any look-behind is tried. A claim's
# numbers, checked against its source, are these alone: a number word is often no quantity ("one of them").
DIGITS = re.compile(rf"(?=\d)(?:(?<![\w-])(?<!\d[.,])|(?<=\d[.,])(?:{_GLUED_FIRST_GROUP}))\d+(?:[.,]\d+)*(?![\w-]|\.\w)")
# A quantity: digits, or a number word. A count is written out as often as in digits ("Thirty
# outstanding groups were honoured"); "dozens" and "hundreds" count things too.
NUMBER = re.compile(
    DIGITS.pattern + r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)
# A month's name, in full or abbreviated ("Sept.", "Jan").
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A year standing alone: 1500 to 2099, the years documents talk about; a four-digit number outside them
# is a count or a code. Not part of a figure ("1,999", "2020.5", "1999,000") or a word; a comma or full stop
# after it ends it unless a digit follows ("In 1980, IBM chose ..." states a year).
YEAR = re.compile(r"(?<![\w.,-])(?:1[5-9]|20)\d\d(?!\w|[.,]\d)")
# A year before 1500, which a bare number cannot be told from a count ("1200 employees"), so only where it reads as
# one: after a month ("14 October 1066", "October 14, 1066", "Oct. 1066"), with an era ("AD 632", "44 BC", "632 CE"),
# or after a preposition of time with nothing after it that it could count ("founded in 1132 by monks", "from 1100 to
# 1150"; not "in 300 cities", and not after "of" or "by": "a population of 1200."). Encyclopedia articles date abbeys,
# kings and battles this way. The look-behinds have a fixed width, hence one per month name and day's length.
_MONTH_NAMES = [
    *"january february march april may june july august september october november december".split(),
    *(f"{name}{dot}" for name in "jan feb mar apr jun jul aug sep sept oct nov dec".split() for dot in ("", r"\.")),
]
_AFTER_MONTH = "|".join(rf"(?<=\b{name}\s)" for name in _MONTH_NAMES)
_AFTER_MONTH_DAY = "|".join(rf"(?<=\b{name}\s{day})" for name in _MONTH_NAMES for day in (r"\d,\s", r"\d\d,\s"))
_TIME_PREPOSITIONS = "in since until till during circa from c\\.".split()
_AFTER_TIME_PREPOSITION = "|".join(rf"(?<=\b{word}\s)" for word in _TIME_PREPOSITIONS)
# Words after an early year that leave it a year: the sentence goes on ("founded in 1132 by monks").
_AFTER_EARLY_YEAR = (
    "by and or when after before until to as under at with the in on from during which that but while he she it they "
    "its his her their a an was were is"
).split()
EARLY_YEAR = re.compile(
    r"(?=\d)(?<![\w.,-])(?:"
    r"\d{1,4}(?=\s?(?-i:BCE?|AD|CE)\b)"  # "44 BC", "632 AD"
    r"|(?<=\b(?-i:AD|CE)\s)\d{1,4}"  # "AD 632"
    # After a word (one look-behind first, which most numbers fail at once): "14 October 1066", "in 1132 by monks".
    rf"|(?<=[a-z.]\s)(?:(?:{_AFTER_MONTH})\d{{3,4}}|(?:{_AFTER_TIME_PREPOSITION})(?:1[0-4]\d\d|[1-9]\d\d)"
    rf"(?=\s*(?:[,.;:)]|$)|\s(?:{'|'.join(_AFTER_EARLY_YEAR)})\b))"
    rf"|(?<=\d,\s)(?:{_AFTER_MONTH_DAY})\d{{3,4}}"  # "October 14, 1066"
    r")(?!\w|[.,]\d)",
    re.I,
)
# A person's lifespan in the parenthesis after the name, as encyclopedia articles open: "Alain Connes (; born 1 April
# 1947) is ...", "Andrei Tarkovsky (; 4 April 1932 – 29 December 1986) was ...", "(born March 3, 1847)". Its dates
# answer when someone was born or died, not when anything else happened. A range of bare years is left out: "(1939–1945)"
# dates wars and reigns as often as lives.
_FULL_DATE = rf"(?:\d{{1,2}}\s+{_MONTH}\s+\d{{3,4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{3,4}})"
LIFESPAN = re.compile(
    rf"\((?:[^();]*;\s*)?(?:(?:born|b\.)\s[^()]*|(?:c\.\s*)?{_FULL_DATE}\s*[–—-]\s*(?:c\.\s*)?{_FULL_DATE})\)", re.I
)
# A calendar date or a point in time: "April 27", "27 April", "2020-04-29", "in 1963", "on Friday", "three years ago".
DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}(?!\w)|\b\d{{4}}-\d\d-\d\d\b|{YEAR.pattern}|{EARLY_YEAR.pattern}|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow)\b|"
    r"\b(?:last|next|this)\s+(?:week|month|year)\b|\bago\b",
    re.I,
)
# A sum of money: a currency sign or code before a figure, or a currency word after one ("20 million
# dollars"). Only ever searched, so a figure is tried once, from its first digit after a word boundary;
# trying each digit of "1.1.1..." again re-read the rest of it, n squared.
MONEY = re.compile(
    r"[$€£¥]\s?\d|(?<![\d.,])(?>[\d.,]*?\b\d)[\d.,]*+\s*(?:(?:thousand|million|billion|trillion)\s+)?(?:(?:us|u\.s\.)\s+)?"
    r"(?:dollars?|usd|yuan|rmb|euros?|pounds?|yen|rupees?)\b|\b(?:usd|rmb|cny|eur|gbp)\s?\d",
    re.I,
)

# --------------------------------------------------------------------------- names
# Three readings, each for its own test; merged, they would change answers. A question's names must be
# mentioned by the passages (whole runs, any script, a word of the run is enough); a claim's names must
# appear in its source (single ASCII words, matched as substrings); a "who"/"which" answer must hold a
# word the question lacks that is specific (a capital, a digit, an inner stop) or an identifier.

# What may come before a question's first word, passed over so that the first word is still read as the first: an
# emoji, a quote mark, a "> ", a bullet, a list number ("2. ", "(3) "). Possessive: it is never re-read.
OPENING = r"[^\w?]*+(?:\(?\d{1,3}[.)]\s++[^\w?]*+)?"
_OPENING = re.compile(OPENING)
# The words a question opens with, as a regular expression's alternatives (shapes' openings pass over none of them).
QUESTION_WORDS = "what|which|who|whom|whose|where|when|why|how"
# The question a user asks after sentences that set the scene ("My PC has Secure Boot turned on. Which package must be
# installed?"): the last sentence, when it starts as a question does.
_ASKED = re.compile(
    rf"[.!]\s+((?:{QUESTION_WORDS}|is|are|was|were|do|does|did|can|could|should|will|would|has|have|may|must)\b[^.!]*)$",
    re.I,
)


# Or after a colon that ends the scene, in lower case as often: "Coming from Python: why does Rust refuse ...?", "I'm in
# the graphical desktop: which keys ...?". Only a question word opens it there ("Note: do not ..." is no question).
_ASKED_AFTER_COLON = re.compile(rf":\s+((?:{QUESTION_WORDS})\b[^.!:]*)$", re.I)


def asked_part(question: str) -> str:
    """The question asked after sentences that set its scene, else "": "I read about the aid. Which countries received
    experts?" -> "Which countries received experts?"; "Coming from Python: why does Rust ...?" -> "why does Rust ...?".
    Not one with fewer than two content words of its own ("... is gone. Why?"), nor one after an abbreviation's full
    stop ("Who is Dr. Smith?", "Is it, e.g. which one?")."""
    match = _ASKED.search(question)
    if not match or match.start() == 0 or not match.group(1)[0].isupper():
        match = _ASKED_AFTER_COLON.search(question)
        if not match or not question[: match.start()].strip():
            return ""
    return match.group(1) if len(query_terms(match.group(1))) >= 2 else ""


# How a question asked indirectly opens, before the question it asks ("Can you tell me how much ...?", "Do you know
# when ...", "I'd like to know which ...", "Please, who ..."): chat users write so, and the words of the opening are
# no part of what is asked. Read with them, the cross-encoder (trained on search queries) scores the answering
# sentence lower, the overlap counts "tell" and "know" as missing, and an opening of more than two words hides the
# kind of answer asked ("how much": a sum). Only before a question word, at most two words after the opening ("Do you
# know in what year ..."); "Can you tell me if ..." asks yes or no and is read as written.
_INDIRECT = re.compile(
    r"(?:please[\s,]+)?(?:"
    r"(?:can|could|would|will)\s+(?:you|anyone|someone)\s+(?:please\s+)?"
    r"(?:tell|show|explain(?:\s+to)?|say|remind|let)(?:\s+(?:me|us))?(?:\s+know)?"
    r"|(?:do|does)\s+(?:you|anyone|someone|anybody)\s+know"
    r"|(?:i|we)(?:'d|\s+would)\s+like\s+to\s+(?:know|ask)"
    r"|(?:i|we)\s+(?:want|need|wish)\s+to\s+(?:know|ask)"
    r"|(?:i'm|i\s+am|i\s+was|we're|we\s+are)\s+wondering|(?:i|we)\s+wonder"
    r"|(?:please\s+)?(?:tell|show|remind)\s+(?:me|us)"
    r"|(?:please\s+)?(?:explain|describe)(?:\s+to\s+(?:me|us))?"
    r"|please"
    r")[\s,:]+(?=(?:[\w'-]+\s+){0,2}(?-i:" + QUESTION_WORDS + "|" + QUESTION_WORDS.title() + r")\b)",
    re.I,
)
# What chat users put around a question and is no part of it: a greeting or a filler before it ("Hi, how much ...?",
# "OK so which ...", "Hey, quick question: ..."), thanks or "please" after it ("...? Thanks", "... thx!"). Read with
# them, the overlap counts "hi" and "thanks" as words the answering sentence lacks and the cross-encoder scores it
# lower. A greeting word ends at a mark, or before another greeting or a question word at most two words on ("OK so in
# what year ...?"); "Well water levels?" keeps its "Well".
_GREETING_WORDS = (
    r"hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day)|ok|okay|alright|so|well|um+|uh+|hmm+"
)
_QUESTION_INTRO = r"(?:(?:a|one|another|one\s+more|quick|short|simple|small|follow[- ]up)\s+)*question"
_GREETING = re.compile(
    rf"(?:(?:{_GREETING_WORDS})(?:\s+(?:there|all|everyone|folks|guys|again))?"
    rf"(?:\s*[,.!:;]+\s*|\s+(?=(?:{_GREETING_WORDS}|(?:[\w'-]+\s+){{0,2}}(?:{QUESTION_WORDS})|{_QUESTION_INTRO})\b))"
    rf"|(?:{_QUESTION_INTRO})\s*[:,]\s*)+",
    re.I,
)
# Closing courtesy, read from the end (within its last 40 characters, so a long question is not read twice): thanks
# only after a mark ("...? Thanks", "..., thx"), since "Who led the cheers?" and "What is a TIA?" end in such a word.
_COURTESY = re.compile(
    r"(?:(?<=[\s,.!?])|^)please$"
    r"|(?:(?<=[,.!?])\s*|^)(?:thanks(?:\s+(?:a\s+lot|so\s+much|in\s+advance))?|thank\s+you(?:\s+(?:very\s+much|so"
    r"\s+much|in\s+advance))?|many\s+thanks|thx|tia|cheers)$",
    re.I,
)
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # every space str.strip() takes, U+3000 the last
_QUESTION_CLOSE = _SPACES + "?.!"  # what may close a question after its last word


def unshouted(question: str) -> str:
    """``question`` typed in capitals (caps lock: no lower-case letter, three words of letters or more) in lower case,
    its first letter a capital; any other as it is.

    The answerer reads a question's names by their capitals ("China", "Wang Yi": a number is quoted only from a passage
    about them), and in capitals every word reads as one: "HOW MUCH DID CHINA DONATE TO THE WHO?" asked about names
    "DID", "DONATE", ... that no passage mentions, and was refused. In lower case it is read as a question typed in
    haste is. (The models themselves read no case: both are uncased.)

    Example:
        >>> unshouted("HOW MUCH DID CHINA DONATE TO THE WHO?"), unshouted("What is DNS?"), unshouted("WHAT IS DNS?")
        ('How much did china donate to the who?', 'What is DNS?', 'WHAT IS DNS?')
    """
    if any(character.islower() for character in question):
        return question
    if sum(sum(character.isupper() for character in word) >= 2 for word in WORD.findall(question)) < _SHOUTED_WORDS:
        return question  # "WHAT IS DNS?", "NEWS?": too short to tell capitals typed from names written so
    lowered = question.lower()
    first = next((i for i, character in enumerate(lowered) if character.isalpha()), 0)
    return lowered[:first] + lowered[first : first + 1].upper() + lowered[first + 1 :]


_SHOUTED_WORDS = 4  # words of two capitals or more: "WHAT IS DNS?" may be a name asked about, "HOW MUCH DID CHINA" is not


def direct_question(question: str) -> str:
    """``question`` as asked directly, when it is asked indirectly (``_INDIRECT``); else as it is. Only the opening
    changes: the question it asks starts with a capital, and a full stop that closes it becomes a question mark.

    Example:
        >>> direct_question("Can you tell me how much China donated to the WHO?")
        'How much China donated to the WHO?'
        >>> direct_question("Please, who led the team.")
        'Who led the team?'
        >>> direct_question("Can you tell me if it rains?"), direct_question("How much did it cost, please?")
        ('Can you tell me if it rains?', 'How much did it cost?')
    """
    opening = _OPENING.match(question).end()  # type: ignore[union-attr]  # it matches everywhere
    greeted = _GREETING.match(question, opening)
    greeted = greeted if greeted and question[greeted.end() :].strip(_QUESTION_CLOSE) else None  # not "Hi!" alone
    match = _INDIRECT.match(question, greeted.end() if greeted else opening)
    if match:
        asked = _without_courtesy(question[match.end() :]).rstrip()
        if not asked.rstrip(_QUESTION_CLOSE):
            return question
        if asked.endswith((".", "!")):
            asked = asked.rstrip(".!") + "?"  # "I'd like to know why it failed." asks "Why it failed?"
    elif greeted:
        asked = _without_courtesy(question[greeted.end() :])
    else:
        return _without_courtesy(question)
    first = asked[0].upper()
    return (first if len(first) == 1 else asked[0]) + asked[1:]  # "ß" is no capital: its upper case is "SS"


def _without_courtesy(question: str) -> str:
    """``question`` without the "please" or thanks that close it ("How much did it cost, please?" -> "How much did it
    cost?", "How much was it? Thanks!" -> "How much was it?"), read from its end only. The marks after a "please" are
    the question's own; after thanks, only a question mark is."""
    end = len(question.rstrip(_QUESTION_CLOSE))
    tail = question[max(0, end - 40) : end]
    courtesy = _COURTESY.search(tail)
    if not courtesy:
        return question
    kept = question[: end - len(tail) + courtesy.start()].rstrip(_SPACES + ",")
    word = courtesy.group().strip().lower()
    if not kept.strip(_QUESTION_CLOSE):
        return question  # "Thanks!" alone: nothing else was said
    closing = question[end:].strip()
    if word != "please" and (kept.endswith(("?", ".", "!")) or "?" not in closing):
        closing = ""
    return kept + ("?" if closing and word != "please" else closing)


# A message that only greets, thanks or takes leave ("hi", "Hello there!", "thanks a lot", "ok, thank you", "bye"):
# it asks nothing of the documents, and searched as a question it was told that none of them answers it. Whole
# messages only, and short: "Hi, how much ...?" asks a question (``direct_question`` reads it), "Who led the cheers?"
# ends in a word of thanks. The greetings are ``_GREETING_WORDS`` with "how are you"; acknowledgements ("ok", "great",
# "got it") count as thanks, since both close what was said.
_MOST_SMALL_TALK = 60  # characters: the longest message read as small talk
_SMALL_TALK_MARKS = r"[\s,.!?:;~)(-]*"
_ACKNOWLEDGED = r"(?:ok(?:ay)?|alright|all\s+right|great|perfect|nice|cool|good|got\s+it|i\s+see|understood|awesome)"
_THANKS = (
    r"(?:thanks?(?:\s+(?:a\s+lot|so\s+much|very\s+much|again|anyway))?|thank\s+you(?:\s+(?:very\s+much|so\s+much|again))?"
    r"|many\s+thanks|thx|ty|cheers|much\s+appreciated)"
)
_GREETED = (
    r"(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day))(?:\s+(?:there|all|everyone|folks|again))?"
)
_SMALL_TALK = {  # in this order: "ok, bye" takes leave, "ok thanks" thanks
    "farewell": re.compile(
        rf"(?:(?:{_THANKS}|{_ACKNOWLEDGED}){_SMALL_TALK_MARKS})*(?:bye(?:\s+bye)?|goodbye|good\s+night|see\s+you(?:\s+later)?"
        rf"|that'?s\s+all(?:\s+for\s+now)?){_SMALL_TALK_MARKS}",
        re.I,
    ),
    "thanks": re.compile(
        rf"(?:{_ACKNOWLEDGED}{_SMALL_TALK_MARKS})*{_THANKS}(?:\s+(?:for\s+(?:that|this|the\s+(?:answer|help))))?"
        rf"{_SMALL_TALK_MARKS}(?:{_ACKNOWLEDGED}{_SMALL_TALK_MARKS})*|(?:{_ACKNOWLEDGED}{_SMALL_TALK_MARKS})+",
        re.I,
    ),
    "greeting": re.compile(
        rf"(?:(?:{_GREETING_WORDS}){_SMALL_TALK_MARKS})*{_GREETED}{_SMALL_TALK_MARKS}(?:(?:{_GREETING_WORDS}){_SMALL_TALK_MARKS})*"
        rf"(?:how\s+are\s+you(?:\s+doing)?(?:\s+today)?{_SMALL_TALK_MARKS})?",
        re.I,
    ),
}


def small_talk(message: str) -> str:
    """What a message that asks nothing says instead: "greeting", "thanks" (or an acknowledgement) or "farewell"; "" for
    any other message.

    Example:
        >>> small_talk("Hello there!"), small_talk("ok, thanks a lot"), small_talk("Bye!"), small_talk("Hi, how much?")
        ('greeting', 'thanks', 'farewell', '')
    """
    text = without_pictographs(message).strip()
    if not text or len(text) > _MOST_SMALL_TALK:
        return ""
    return next((kind for kind, pattern in _SMALL_TALK.items() if pattern.fullmatch(text)), "")


# Where one question of a message ends and the next begins: a question mark, then spaces. Not one inside a word or
# a bracket ("{:?}", "?:"), which no question ends with.
_QUESTION_END = re.compile(r"(?<=\?)[\s\u3000]+(?=\S)")
# How a question opens: a question word or the verb of a yes-or-no question, perhaps after a word that joins it to the
# one before ("And how many ...?", "Also, is it ...?").
_JOINED = r"(?:(?:and|or|also|so|but|then|plus)\b[\s,]*)?"
_QUESTION_OPENING = re.compile(
    rf"{_JOINED}(?:{QUESTION_WORDS}|is|are|was|were|do|does|did|can|could|should|will|would|has|have|had|may|must)\b",
    re.I,
)
_CONTINUING = re.compile(r"(?:and|or|also|plus)\b", re.I)  # a later question may be elliptical: "And to Serbia?"


def questions_in(text: str) -> list[str]:
    """The questions of a message that asks several, one after another ("How much did China donate to the WHO? And how
    many experts went to Italy?"), each as written; ``[text]`` for a message that asks one.

    Each must end with a question mark and hold a content word. The first opens as a question does (a question word or
    a yes-or-no question's verb), perhaps after sentences that set its scene (``asked_part``); a later one opens so too,
    or with "and" / "or" / "also" as a follow-up does ("And to Serbia?"). Anything else ("Green threads or native ones?
    Which ... model does Rust follow?") is read as one question, as before.

    Example:
        >>> questions_in("How much did China donate? And to Serbia?  ")
        ['How much did China donate?', 'And to Serbia?']
        >>> questions_in("Green threads or native ones? Which model does Rust follow?")
        ['Green threads or native ones? Which model does Rust follow?']
    """
    parts = _QUESTION_END.split(text.strip())
    if len(parts) < 2 or len(parts) > _MOST_QUESTIONS:
        return [text]
    first, *later = parts
    opens = _QUESTION_OPENING.match(first, _OPENING.match(first).end()) or asked_part(first)  # type: ignore[union-attr]
    if not opens or any(not part.endswith("?") or not query_terms(part) for part in parts):
        return [text]
    if not all(_QUESTION_OPENING.match(part) or _CONTINUING.match(part) for part in later):
        return [text]
    return parts


_MOST_QUESTIONS = 5  # a message of more question marks is a pasted text or a list, read whole as before


# How a request for what the documents say on a subject opens ("Tell me about the masks China sent", "Explain process
# substitution", "What do the documents say about the WHO?", "Give me an overview of multiarch"): chat users ask so
# as often as they ask a question, and no sentence "answers" such an opening. The subject after it is what is asked,
# as a search query is: the cross-encoder (trained on search queries) reads "the masks China sent" far better than the
# request ("Tell me about ..." scores the sentence on the masks 2.7, the subject alone 4.2), and the opening's words
# are in no sentence. "What about ...?" opens one only as a first question: in a conversation it continues the last.
_REQUEST = re.compile(
    r"(?:please[\s,]+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:"
    r"(?:tell|teach)\s+(?:me|us)(?:\s+(?:a\s+(?:little|bit)|something|anything|everything|all|more|a\s+bit\s+more))?"
    r"(?:\s+(?:more|else))?\s+(?:about|on)"
    r"|(?:explain|describe|summari[sz]e|outline|define)(?:\s+to\s+(?:me|us))?"
    r"|give\s+(?:me|us)\s+(?:an?\s+|some\s+|the\s+)?(?:(?:brief|short|quick|general)\s+)?"
    r"(?:overview|summary|explanation|description|definition|introduction|info|information|details|rundown)\s+(?:of|on|about)"
    r"|what\s+(?:can|do|would)\s+you\s+(?:tell\s+(?:me|us)|know|say)\s+(?:about|on)"
    r"|what\s+(?:do|does|did)\s+(?:the|these|those|your|my|our|this|that)\s+(?:[\w-]+\s+)?"
    r"(?:documents?|docs|sources?|texts?|articles?|pages?|files?|notes|manuals?|papers?|reports?|books?|guides?)"
    r"\s+(?:say|tell\s+(?:me|us))\s+(?:about|on)"
    r"|what(?:'s|\s+is)\s+(?:known|said|written)\s+(?:about|on)"
    r"|(?:i|we)(?:'d|\s+would)\s+like\s+to\s+(?:know|learn|hear|read)\s+(?:more\s+)?about"
    r"|(?:i|we)\s+(?:want|need|wish)\s+to\s+(?:know|learn|hear|read)\s+(?:more\s+)?about"
    r"|(?:i'm|i\s+am|we're|we\s+are)\s+(?:interested|curious)\s+(?:in|about)"
    r"|(?:(?:any|some|more)\s+)?(?:info|information|details)\s+(?:on|about)"
    r"|(?:an?\s+)?(?:overview|summary)\s+of"
    r"|(?P<continuing>what|how)\s+about"
    r")[\s,:]+(?=\w)",
    re.I,
)


def requested_subject(question: str, first: bool = True) -> str:
    """The subject of a request for what the documents say about it (``_REQUEST``), else "": "Tell me about the
    masks China sent." -> "the masks China sent". Not a request about a question ("Explain why it failed" asks "Why
    it failed?", ``direct_question``), and "What about ...?" only when ``first`` (no conversation before it).

    Example:
        >>> requested_subject("Please tell me about the masks China sent."), requested_subject("Explain multiarch")
        ('the masks China sent', 'multiarch')
        >>> requested_subject("Tell me why it failed"), requested_subject("What about Serbia?", first=False)
        ('', '')
    """
    opening = _OPENING.match(question).end()  # type: ignore[union-attr]  # it matches everywhere
    match = _REQUEST.match(question, opening)
    if not match or (match.group("continuing") and not first):
        return ""
    subject = _without_courtesy(question[match.end() :]).rstrip(_QUESTION_CLOSE)
    if re.match(rf"(?:{QUESTION_WORDS}|if|whether)\b", subject, re.I) or not subject.strip():
        return ""
    return subject


# A run of capitalised words inside a question: not its first word nor a sentence's ("... up. Why does").
_PROPER = re.compile(r"(?<=\s)(?<![.!?]\s)([A-Z]\w+(?:\s+[A-Z]\w+)*)")
# A word that starts with a letter and has a capital or a digit after a lower-case letter is a name wherever
# it stands, the question's first word included: "exFAT", "macOS", "iPhone", "ext4", "arm64", "x86_64".
_MARKED_NAME = re.compile(r"(?<![\w.-])[A-Za-z]*[a-z](?:[A-Z]|\d)\w*")
# What a name's possessive adds ("fail2ban's"), and what is not a letter or a digit.
POSSESSIVE = re.compile(r"['\u2019]s$")
_NON_SPACE = re.compile(r"\S+")
_NOT_ALNUM = re.compile(r"[\W_]+")
# A capitalised word and the number right after it: a name's version ("Debian 12", "Python 3.11").
_NUMBERED_NAME = re.compile(r"(?<![\w.-])([A-Z][\w+-]*)\s+(\d+(?:\.\d+)*)(?!\w|\.\d)")
# A capitalised ASCII word after a space, a bracket or a quote; three letters or more, since a two-letter
# one there is as often "It", "We" or "An" as a name (kept as it was, not measured).
_CAPITALISED = re.compile(r"(?<=[\s(\"'])([A-Z][a-zA-Z]{2,})")


def question_names(question: str) -> list[str]:
    """The names inside ``question``: runs of capitalised words, not the first word of a sentence, and words
    whose inner capital or digit marks them as names wherever they stand.

    Example:
        >>> question_names("How many experts did China send to Wang Yi? Why then?")
        ['China', 'Wang Yi']
        >>> question_names("What is the largest file exFAT can hold on arm64?")
        ['exFAT', 'arm64']
    """
    question = question[_OPENING.match(question).end() :]  # type: ignore[union-attr]  # it matches everywhere
    runs = _PROPER.findall(question)
    marked = [word for word in _MARKED_NAME.findall(question) if not any(word in run.split() for run in runs)]
    return runs + marked


def name_words(question: str) -> set[str]:
    """The lower-cased words of ``question``'s names ("Hewlett-Packard": both parts), identifiers and numbers."""
    words = WORD.findall(question)
    # Capitalised past the first word, which any sentence capitalises; with a digit anywhere.
    names = {word.lower() for i, word in enumerate(words) if (i and word[0].isupper()) or any(c.isdigit() for c in word)}
    return names | set(query_terms(" ".join([*question_names(question), *question_code(question)])))


def name_runs(question: str) -> list[tuple[int, int]]:
    """Where ``question``'s names stand: runs of words that are names, identifiers or numbers ("Intel's 4004"), past its
    first word, a possessive's "'s" left outside."""
    names = name_words(question)
    runs: list[tuple[int, int]] = []
    for i, match in enumerate(_NON_SPACE.finditer(question)):
        word = POSSESSIVE.sub("", match.group().strip("?!.,;:()\"'"))
        parts = WORD.findall(word.lower())
        if not i or not parts or not all(part in names for part in parts):
            continue
        start = match.start() + match.group().index(word)
        if runs and question[runs[-1][1] : start].strip() in ("", "'s", "\u2019s"):
            runs[-1] = (runs[-1][0], start + len(word))
        else:
            runs.append((start, start + len(word)))
    return runs


def question_code(question: str) -> list[str]:
    """The identifiers inside ``question`` (``is_identifier``): an option, a path's parts, a dotted or numbered name, a
    variable. Whoever asks about ``kill -9`` or ``http.createServer`` asks about that thing; a passage that never
    mentions it answers nothing about it (``mentions_code``). A possessive's "'s" is no part of the name.

    Example:
        >>> question_code("Which signal does 'kill -9' send, and what does fail2ban's jail.local hold?")
        ['-9', 'fail2ban', 'jail.local']
    """
    words = [POSSESSIVE.sub("", m.group()) for m in TERM.finditer(question) if is_identifier(question, m)]
    return [word for word in words if _squashed(word) or word.startswith("-")]


def written_options(question: str) -> list[str]:
    """The command-line options ``question`` names (``question_code``): "-e", "--tool", "-xzf".

    Word search reads an option by its letters alone, "-e" as the "e" that "i.e." writes too and "--tool" as the
    word "tool", so the passages that hold the option as written are looked for by it (``KeywordIndex.holding``).

    Example:
        >>> written_options("What does the set -e option do, and what does --tool pick in Valgrind?")
        ['-e', '--tool']
    """
    return [word for word in dict.fromkeys(question_code(question)) if word.startswith("-")]


def mentions_code(text: str, words: list[str]) -> bool:
    """Whether ``text`` mentions every identifier of ``words`` (``question_code``).

    An option exactly as written ("-9" is not "-90"'s start, nor any 9; "-xzf" also as "-x", "-z" and "-f"); any other
    name with case, dots, dashes, slashes and spaces left out, as names of code are written in more ways than one
    ("SHA-256" / "sha256", "buf.toString()" / "buf.toString([encoding])", "python3.11" / "Python 3.11").

    Most identifiers are written whole, as a word of their own, and are found in a set. Those that are not cost a
    search of the text each, so only the first ``_MOST_SEARCHED`` of them are searched for: a question holding
    more is a pasted log, and must still be read in linear time.
    """
    if not words:
        return True  # most questions hold none: the passages are not read at all
    squashed = _squashed(text)
    tokens = {_squashed(token) for token in text.split()}
    # A run's trailing dashes are punctuation, as ``TERM`` reads them ("-a-" writes the option "-a").
    options = {run.rstrip("-") or run for run in _OPTION_RUN.findall(text)}
    searches = 0

    def found(option: str) -> bool:
        nonlocal searches
        if option in options or _OPTION_RUN.fullmatch(option):
            return option in options  # a run of word characters and dashes is an option whole or not at all
        searches += 1
        return searches > _MOST_SEARCHED or _has_option(text, option)

    for word in dict.fromkeys(words):
        if word.startswith("-"):
            # Short options run together ("tar -xzf", "ls -la") are mentioned by each one alone as well.
            cluster = [f"-{letter}" for letter in word[1:]] if len(word) > 2 and word[1:].isalpha() else []
            if not found(word) and not (cluster and all(found(option) for option in cluster)):
                return False
        elif (name := _squashed(word)) not in tokens:
            searches += 1
            if searches <= _MOST_SEARCHED and name not in squashed:
                return False
    return True


# An option as a whole run of word characters and dashes ("-9" in "kill -9 pid", "--tool" in "--tool=<name>").
_OPTION_RUN = re.compile(r"(?<![\w-])-[\w-]*")
_MOST_SEARCHED = 32  # identifiers searched for in the text, beyond those written as a word of their own


def _has_option(text: str, option: str) -> bool:
    """Whether ``text`` holds ``option`` whole: "-9" in "kill -9 pid" or "--tool" in "--tool=<name>", not in "-90"."""
    # Trailing dashes are punctuation, as ``TERM`` reads them, unless a word follows them ("-9-x" is another name).
    return re.search(rf"(?<![\w-]){re.escape(option)}(?!\w|-+\w)", text) is not None


def _squashed(text: str) -> str:
    """``text`` lower-cased with everything but letters and digits left out."""
    return _NOT_ALNUM.sub("", text.lower())


def numbered_names(question: str) -> list[str]:
    """The version numbers a question gives its names: "Debian 12", "Python 3.11", "GRUB 2", "RFC 7159".

    A passage about another version answers nothing about this one ("Debian Bullseye includes GNOME 3.38" is no
    answer for Debian 12). A month's day or year ("April 2021") is a date, not a version, and is left out.

    "Version 3.0 of the FHS" gives one as well: a passage about FHS 2.3 says nothing of 3.0.

    Example:
        >>> numbered_names("Which GNOME does Debian 12 ship, and did Python 3.11 change in March 2023?")
        ['12', '3.11']
        >>> numbered_names("When was version 3.0 of the FHS published, and what changed in release 2020?")
        ['3.0']
    """
    named = [number for _, number in versions(question)]
    after_word = [n for n in _AFTER_VERSION_WORD.findall(question) if not YEAR.fullmatch(n) and n not in named]
    return named + after_word


def question_years(question: str) -> list[str]:
    """The years a question dates what it asks by: "Who won the 1998 World Cup?", "... since 2010?" -> ["1998"],
    ["2010"]. A passage about another year answers nothing about this one ("As of 2015, TAI is 36 seconds ahead" is no
    answer for "since the leap second of 2016"). A number with a unit is a quantity, not a year ("2000 MiB pieces").

    Example:
        >>> question_years("How many newsgroups were there by November 1999, and why cut 2000 MiB pieces in 2001?")
        ['1999', '2001']
    """
    return [
        match.group()
        for match in YEAR.finditer(question[:MAX_QUESTION_CHARS])
        if not ((unit := UNIT_AFTER.match(question, match.end())) and unit.group(1).lower() in UNIT_DIMENSION)
    ]


def versions(text: str) -> list[tuple[str, str]]:
    """The names in ``text`` that a version number follows, with it: "Debian 12" -> ("Debian", "12").

    Example:
        >>> versions("It runs on Debian 11 since March 2023 and needs Python 3.8.")
        [('Debian', '11'), ('Python', '3.8')]
    """
    return [
        (name, number)
        for name, number in _NUMBERED_NAME.findall(text)
        if not re.fullmatch(_MONTH, name, re.I) and not YEAR.fullmatch(number)
    ]


def claim_names(claim: str) -> list[str]:
    """The capitalised words of ``claim``, its first included, that its source must contain to support it.

    Example:
        >>> claim_names("China sent (Sinovac) doses to Kyrgyzstan, said Xi.")
        ['China', 'Sinovac', 'Kyrgyzstan']
    """
    return _CAPITALISED.findall(" " + claim)


def is_specific(word: str, position: int) -> bool:
    """A name or acronym ("Geng", "G20") past the sentence's first word, or a token with a digit or code in it ("24.kg")."""
    return (position > 0 and word[0].isupper()) or any(c.isdigit() for c in word) or "." in word.strip(".")


def is_identifier(sentence: str, match: re.Match[str]) -> bool:
    """Whether the ``TERM`` ``match`` of ``sentence`` is an identifier, lower-case as it may be.

    The names technical answers give: ``perf_counter``, ``__pycache__``, a path's part (``/etc``), an
    option (``-b``, ``--add-architecture``), a macro or variable (``@reboot``, ``$HOME``), a manual page cited with
    its section (``git-clean(1)``). Not an abbreviation ("e.g.", "i.e.") nor a word after a slash that is no path's
    ("HTTP/2", "TCP/IP", "and/or").
    """
    word = match.group()
    before = sentence[match.start() - 1] if match.start() > 0 else ""
    if "_" in word or before in ("@", "$", "-", "~"):
        return True
    if word[0] == "-":
        # An option, unless its dash joins a compound to a name that ends in a mark: "C#-style", "C++-like" hold no
        # option "-style" or "-like" (``TERM`` starts a word after the mark).
        return before not in _NAME_MARKS
    if before == "/" and _in_path(sentence, match.start()):
        return True
    first = word[0]
    if first.islower():
        # A lower-case word with a digit or an inner dot is a name of code or a package ("exim4", "cron.allow"); one
        # whose dotted parts are single letters is an abbreviation ("e.g", "i.e", "a.k.a").
        if any(c.isdigit() for c in word) or ("." in word.strip(".") and any(len(part) > 1 for part in word.split("."))):
            return True
    elif first.isupper() and any(c.isdigit() for c in word) and not any(c.islower() for c in word):
        return True  # capitals and digits with no lower-case letter are a code's name too ("CP437", "X11", "ISO-8859-1")
    return _MAN_SECTION.match(sentence, match.end()) is not None


# A manual page cited with its section: "git-clean(1)", "crontab(5)", "printf(3p)", "openssl(1ssl)" (``MAN_REFERENCE``).
# The section is one digit and a few lower-case letters: "Smith(2001)" or "f(x)" cite no page.
_MAN_SECTION = re.compile(r"\(\d[a-z]{0,4}\)")
MAN_REFERENCE = re.compile(r"(?<![\w.+-])([\w.+-]*\w)" + _MAN_SECTION.pattern)
# A manual page's NAME section as the loader gives it: "NAME" alone, then "git-clean - Remove untracked files from the
# working tree" or "gzip, gunzip, zcat - compress or expand files": the names before the dash are what the page
# documents (``whatis`` and ``apropos`` read them so).
_MAN_NAMES = re.compile(r"(?m)^NAME\n\n([\w.+-]+(?:, [\w.+-]+)*) [-\u2013\u2014] ")
_PATH_CHARS = 256  # how far a path is looked for either side of a word after a slash
_OPENERS = "([{<\"'\u201c\u2018"
_NAME_MARKS = ("#", "+")  # the marks a name may end in: "C#", "F#", "C++"


def _in_path(sentence: str, start: int) -> bool:
    """Whether the word at ``start``, after a slash, is a part of a path: the whitespace-delimited run it stands in
    starts with "/", "~" or "." ("/etc/apparmor.d/", "~/.bashrc", "./configure") or holds two slashes or more
    ("usr/share/doc", a URL)."""
    run = _run_around(sentence, start)
    return run.startswith(("/", "~", ".")) or run.count("/") >= 2


def in_address(text: str, start: int) -> bool:
    """Whether the character at ``start`` stands in an address: a URL ("http://www.statusq.org/2001/11/26.html",
    "www.example.org/2005") or a path from a root or home ("/usr/share/doc/1999/notes", "~/2019/report"). Its
    numbers name a resource and state nothing: no year, date or quantity. "2001/11/26" alone is a date."""
    run = _run_around(text, start)
    return ("://" in run or run.startswith(("www.", "/", "~/"))) and any(c.isalpha() for c in run)


def _run_around(text: str, start: int) -> str:
    """The whitespace-delimited run that the word at ``start`` stands in, less the brackets and quotes that open it.
    Read at most ``_PATH_CHARS`` either side, so a long run is never re-read per word."""
    back = text[max(0, start - _PATH_CHARS) : start]
    before = "" if not back or back[-1].isspace() else back.rsplit(None, 1)[-1]
    ahead = text[start : start + _PATH_CHARS].split(None, 1)
    return (before + (ahead[0] if ahead else "")).lstrip(_OPENERS)


def man_names(text: str) -> list[str]:
    """The manual pages ``text`` cites with their sections ("see git-config(1)"), and the names its NAME section
    documents, if it is a manual page: names of commands, files and functions however they are written."""
    names = [match.group(1) for match in MAN_REFERENCE.finditer(text)]
    for match in _MAN_NAMES.finditer(text):
        names += match.group(1).split(", ")
    return names


def code_terms(snippets: Iterable[str], text: str | None = None) -> frozenset[str]:
    """The words of a document's inline code (``LoadedDocument.code``) that name code there, lower-cased ``TERM``s.

    What only markup tells apart from prose: ``atrm``, ``sponge``, ``isc-dhcp-server``. Stopwords are left out,
    since they are words of the prose as often (the ``at`` command and the preposition "at"). Given the document's
    ``text``, so is a word it writes in its prose more often than as code: the placeholders of ``edquota user`` and
    ``dpkg -L package``, or ``file`` and ``system`` in a manual, are the prose's "user", "package", "file" and
    "system" everywhere else, and taken for code they made nearly every sentence of a manual look like it named one.

    Example:
        >>> sorted(code_terms(["atrm task-number", "at", "isc-dhcp-server"]))
        ['atrm', 'isc-dhcp-server', 'task-number']
        >>> sorted(code_terms(["edquota user"], "Run edquota user. The user may exceed it. Each user has one."))
        ['edquota']
    """
    counts = Counter(word for snippet in snippets for word in map(str.lower, TERM.findall(snippet)) if word not in STOPWORDS)
    # A manual page's names, and the pages it cites with their sections, are code however the page sets them.
    counts.update(word for name in man_names(text or "") for word in map(str.lower, TERM.findall(name)))
    if text is None or not counts:
        return frozenset(counts)
    # Inline code is part of the text: a word written as code as often as it is written at all counts.
    written = Counter(word for word in map(str.lower, TERM.findall(text)) if word in counts)
    return frozenset(word for word, as_code in counts.items() if 2 * as_code >= written[word])


# --------------------------------------------------------------------------- citation markers

# A marker "[n]" with the whitespace before it, so removing one leaves no gap before the punctuation.
# Matches start where whitespace starts: tried from each space of a long run of them, the run was re-read
# to its end each time. Its numbers are those of a bare "[n]" in any text, the whitespace being optional.
MARKER = re.compile(r"(?<!\s)\s*+\[(\d+)\]")
# A sentence's closing punctuation, which its markers go before. Tried only from the start of a run of it
# (from inside, the run was re-read: n squared).
TRAILING = re.compile(r"(?<![.!?:;])[.!?:;]++[\"'”’)]*+$")

# --------------------------------------------------------------------------- stems
# Crude prefix stems of two lengths, on purpose. Five letters keep apart words that four merge ("minister"
# and "minion" share "mini", "container" and "contract" "cont"), which a count needs: the noun next to its
# number must be the thing counted. What a "which X" question asks for is matched more loosely: "railway"
# is met by "railroad". The word lists below are written in these lengths, so one length
# for both would change which sentences answer.


def stem(word: str) -> str:
    """A crude stem that folds plurals and most inflections: the first five letters, lower-cased, of the singular.

    A plural "s" is dropped first, so short words fold too: "bits" is met by "bit", "DVDs" by "DVD".

    Example:
        >>> stem("Specialists"), stem("specialist"), stem("bits"), stem("bit")
        ('speci', 'speci', 'bit', 'bit')
    """
    return american(singular(word))[:5]


def short_stem(word: str) -> str:
    """A looser stem, the first four letters lower-cased, that also meets other words of a root.

    Example:
        >>> short_stem("railway") == short_stem("Railroad")
        True
    """
    return american(singular(word))[:4]


def singular(word: str) -> str:
    """``word`` lower-cased without a plural "s" ("bits" -> "bit"; "class", "status" and "analysis" keep theirs)."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


# --------------------------------------------------------------------------- British and American spellings
# A question written in British English ("Which environment variable changes the colours grep uses?", "How do I
# initialise the database?") over a manual written in American English ("GREP_COLORS", "initialize") shares fewer
# words with its answer than the same question typed in American English: the word overlap the answer model weighs
# drops, and BM25, whose Porter stemmer keeps "colour" and "color", "initialis" and "initial" apart, ranks the passage
# lower. Stems fold a British spelling into the American one (``american``); keyword search looks a word up in both
# spellings (``spellings``). Only the regular differences are folded, each by its rule or its listed words; rarer
# ones ("tyre", "kerb") are left alone, and "storey" is not "story" (a tale): WordNet's synonyms meet "floor".

# Words spelt "-our" in British English and "-or" in American ("colour", "behaviour"); "hour", "four", "tour",
# "contour", "devour" and "glamour" are spelt alike in both.
_OUR = frozenset(
    """arbour ardour armour behaviour candour clamour colour demeanour endeavour favour fervour flavour harbour honour
    humour labour neighbour odour parlour rancour rigour rumour saviour savour splendour succour tumour valour vapour
    vigour""".split()
)
# Words spelt "-re" in British English and "-er" in American ("centre", "metre", and "kilometre" with them); "acre",
# "genre", "ogre", "massacre" and "mediocre" are spelt alike.
_RE = frozenset("calibre centre fibre litre lustre meagre metre mitre ochre sabre sceptre sombre spectre theatre".split())
# Single words that differ otherwise, British first.
_WORDS = {
    "ageing": "aging",
    "aluminium": "aluminum",
    "artefact": "artifact",
    "artefacts": "artifacts",
    "catalogue": "catalog",
    "catalogues": "catalogs",
    "defence": "defense",
    "dialogue": "dialog",
    "dialogues": "dialogs",
    "analogue": "analog",
    "grey": "gray",
    "greys": "grays",
    "greyed": "grayed",
    "judgement": "judgment",
    "judgements": "judgments",
    "licence": "license",
    "licences": "licenses",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "mould": "mold",
    "offence": "offense",
    "offences": "offenses",
    "plough": "plow",
    "pretence": "pretense",
    "programme": "program",
    "programmes": "programs",
    "sceptic": "skeptic",
    "sceptical": "skeptical",
    "scepticism": "skepticism",
}
# What may follow one of the roots above inside a word of the same family ("colours", "coloured", "favourite",
# "honourable", "behavioural"; "centres", "centred").
_OUR_ENDINGS = ("", "s", "ed", "ing", "ful", "less", "able", "ably", "ite", "ites", "er", "ers", "al", "ally", "ist", "y")
_RE_ENDINGS = {"": "", "s": "s", "d": "ed"}  # "centred" is "centered"
# "-ise" and "-yse" spelt "-ize" and "-yze" ("initialise", "organisation", "analyse"): five-letter stems already
# meet, Porter's do not ("initialis" against "initi"). Not "size" and its compounds ("resize", "capsize"). A form
# nobody writes ("advize" for "advise") finds no row, so keyword search may look it up.
_ISE = re.compile(
    r"(?<=[a-z]{3})(?<!s)(?:is|iz)(?=(?:e|es|ed|ing|ation|ations|er|ers)$)|(?<=[a-z]{2}l)(?:ys|yz)(?=(?:e|es|ed|ing|er|ers)$)"
)


def _british_to_american() -> dict[str, str]:
    table = dict(_WORDS)
    for root in _OUR:
        for ending in _OUR_ENDINGS:
            table[root + ending] = root[:-2] + "r" + ending
    for root in _RE:
        for ending, american_ending in _RE_ENDINGS.items():
            table[root + ending] = root[:-2] + "er" + american_ending
    return table


_AMERICAN = _british_to_american()
_BRITISH = {american: british for british, american in _AMERICAN.items()}
# The "-re" roots also end longer words: "kilometre", "millilitre", "epicentre", "amphitheatre". Five of them, in their
# American forms, end the American compounds that keyword search also looks up in the British spelling ("kilometers",
# "datacenter"); "-meter" and "-liter" only after a metric prefix ("parameter", "diameter" are spelt so in both), and
# never the rest ("cluster" is no "lustre", "delimiter" no "mitre").
_RE_COMPOUND = re.compile(rf"(?:{'|'.join(sorted(_RE))})(?:s|d)?$")
_METRIC_PREFIXES = frozenset("kilo hecto deca deci centi milli micro nano".split())
_ER_COMPOUND = re.compile(r"(?:meter|liter|center|theater|fiber)(?:s|ed)?$")


def american(word: str) -> str:
    """``word`` (lower case) in its American spelling when it is a British spelling this module knows, else unchanged.

    Example:
        >>> american("colours"), american("kilometres"), american("grey"), american("hour"), american("genre")
        ('colors', 'kilometers', 'gray', 'hour', 'genre')
    """
    found = _AMERICAN.get(word)
    if found is not None:
        return found
    compound = _RE_COMPOUND.search(word)
    if compound is not None and compound.start() > 0:
        return word[: compound.start()] + _AMERICAN.get(compound.group(), compound.group())
    return word


def spellings(word: str) -> list[str]:
    """``word`` (lower case) and its other spelling(s), British or American, that keyword search also looks up.

    Example:
        >>> spellings("colours"), spellings("initialize"), spellings("kilometers"), spellings("table")
        (['colours', 'colors'], ['initialize', 'initialise'], ['kilometers', 'kilometres'], ['table'])
    """
    british = _BRITISH.get(word)
    if british is None and (compound := _ER_COMPOUND.search(word)) is not None and compound.start() > 0:
        prefix = word[: compound.start()]
        # A metre's multiples are "kilometres"; a "parameter" or a "diameter" is spelt so in British English too.
        if not compound.group().startswith(("meter", "liter")) or prefix in _METRIC_PREFIXES:
            british = prefix + _BRITISH.get(compound.group(), compound.group())
    forms = [word, american(word), british or word]
    if (match := _ISE.search(word)) is not None:
        swapped = {"is": "iz", "iz": "is", "ys": "yz", "yz": "ys"}[match.group()]
        forms.append(word[: match.start()] + swapped + word[match.end() :])
    return list(dict.fromkeys(forms))


# The regular endings of a place's adjective and its people: "Russia" -> "Russian(s)", "Alaska" -> "Alaskan", "Canada" ->
# "Canadian", "Italy" -> "Italian", "Egypt" -> "Egyptian", "China" -> "Chinese", "Japan" -> "Japanese". Text names a
# place by them as often as by its name ("negotiated the purchase with the Russians").
_PLACE_ENDINGS = ("n", "an", "ian", "ese")
_PLACE_CHARS = 4  # shorter capitalised words are acronyms or parts of names, not places


def name_forms(word: str) -> set[str]:
    """``word`` as ``singular`` gives it and, when it is capitalised, the regular adjectives a place's name makes.

    "Russia" -> {"russia", "russian", ...}: a text that says "the Russians" mentions Russia, and one that says
    "Russia" mentions what "Russian" names (each side's forms are compared with the other's).
    """
    base = singular(word)
    if len(word) < _PLACE_CHARS or not word[0].isupper():
        return {base}
    stems = (base, base[:-1]) if base[-1] in "aeiouy" else (base,)
    return {base, *(stem + ending for stem in stems for ending in _PLACE_ENDINGS)}


# --------------------------------------------------------------------------- spelling

# A question word is read as a misspelling only when it has this many letters: a shorter one is as often a word or a
# name the documents lack as a typing slip, and one edit turns it into many other words.
MIN_SPELLED = 4


def edit_distance(one: str, two: str, most: int) -> int:
    """The edits (a letter inserted, deleted, replaced, or two neighbours swapped) that turn ``one`` into ``two``;
    ``most + 1`` as soon as it is sure to be more than ``most`` (optimal string alignment).

    Example:
        >>> edit_distance("chian", "china", 2), edit_distance("donte", "donate", 2), edit_distance("cat", "dogs", 2)
        (1, 1, 3)
    """
    if abs(len(one) - len(two)) > most:
        return most + 1
    before: list[int] | None = None
    previous = list(range(len(two) + 1))
    for i, a in enumerate(one, 1):
        row = [i] + [0] * len(two)
        for j, b in enumerate(two, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a != b))
            if before is not None and j > 1 and a == two[j - 2] and one[i - 2] == b:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > most:
            return most + 1
        before, previous = previous, row
    return min(previous[-1], most + 1)


def nearest_spelling(word: str, words: Iterable[str]) -> str | None:
    """The word of ``words`` that ``word`` is most likely a slip for, written as ``word`` is; None when ``words`` hold
    ``word`` itself or nothing one slip from it.

    A slip is one edit (``edit_distance``) that leaves the first letter: slips fall inside a word far more often than on
    its first letter, and a word that starts otherwise is another word. Two edits are not read: from a word the
    documents lack (a name, a rare word spelled right) they reach too many of theirs ("spitting" / "shutting"). Of the
    words one edit away, the first of: one with the same letters (two swapped: "Witrh" is "Wirth", not "with"); for a
    capitalised word, a name (one the text capitalises); the one ``words`` hold most often.

    Example:
        >>> nearest_spelling("chian", ["China", "donated", "China", "chain"])
        'China'
    """
    target = word.lower()
    forms: dict[str, Counter[str]] = {}
    for form in words:
        lowered = form.lower()
        if lowered[:1] == target[:1] and abs(len(lowered) - len(target)) <= 1:
            forms.setdefault(lowered, Counter())[form] += 1
    if target in forms:
        return None  # the word is there as typed
    letters, named = sorted(target), word[:1].isupper()

    def rank(lowered: str) -> tuple[bool, bool, int, str]:
        seen = forms[lowered]
        as_name = any(form[:1].isupper() for form in seen)
        return sorted(lowered) != letters, named and not as_name, -sum(seen.values()), lowered

    near = [lowered for lowered in forms if edit_distance(target, lowered, 1) <= 1]
    if not near:
        return None
    seen = forms[min(near, key=rank)]
    lower = [form for form, _ in seen.most_common() if form.islower()]
    if word.islower() and lower:
        return lower[0]  # "limist" is "limit", though a heading writes "Limit" more often
    form = seen.most_common(1)[0][0]
    return form[:1].upper() + form[1:] if word[:1].isupper() and form.islower() else form  # "Wich" opens a sentence


# --------------------------------------------------------------------------- word lists
# The answerer's word lists, all here, each with the reason it exists. They are few on purpose: what a sentence
# means is judged by the models (the cross-encoder and the answer model), and a word list only decides what a
# question asks for. ``STOPWORDS`` (above) and the sentence splitter's abbreviations are the other two.

# Words that make a "how much" question one about money.
MONEY_WORDS = re.compile(
    r"\b(?:money|cost|costs|spend|spent|pay|paid|price|worth|donat\w*|fund\w*|budget|invest\w*|dollars?|yuan|euros?)\b", re.I
)
# Words of a question about a life's span, which a lifespan's dates (``LIFESPAN``) may answer: "When was she born?".
LIFE_WORDS = frozenset("born birth birthday die died dies death dead lived life lifetime age aged old".split())
# A question that asks when, where or at what age someone was born or died is answered only by a sentence that states
# a birth or a death, or a lifespan (``LIFESPAN``): "In what year was Graeme Base born?" is not answered by the year his
# book was published, nor "When did Debian's founder die?" by the years he led it. ``VITAL_ASKED``: the question's word
# and what it asks about; ``VITAL_STATED``: the words that state each.
VITAL_ASKED = {"born": "birth", "birth": "birth", "birthday": "birth", "birthplace": "birth", "die": "death",
               "died": "death", "dies": "death", "death": "death"}  # fmt: skip
VITAL_STATED = {
    "birth": re.compile(r"\b(?:born|birth|birthday|birthplace|née)\b", re.I),
    "death": re.compile(
        r"\b(?:die|died|dies|dying|death|dead|deceased|killed|assassinated|executed|murdered|suicide|passed\s+away)\b",
        re.I,
    ),
}
# "Which <class>" questions whose answer is a name that need not repeat the class word (four-letter stems).
NAME_CLASSES = frozenset(
    "coun nati city citi town plac pers peop offi lead orga comp one kind type sort year day days date mont time".split()
)
# Words that begin a noun phrase: after "which X", a word followed by one is X's verb ("provides | the DHCP server").
DETERMINERS = frozenset("the a an this that these those its their his her my your our each every all any no some".split())
# The verbs that stand before another in a question ("Who has won ...?", "Who did Allan Dwan marry?"): the verb asked is
# the one after them.
AUXILIARIES = frozenset("did does do has have had will would can could should may might must".split())
# Forms of "be": "Who was elected ...?" names the action by the participle after it, "Who was the architect?" none.
COPULAS = frozenset("is was are were be been".split())
# Verbs whose object names the action: "gave it a name" is "named", "took the photograph" "photographed".
LIGHT_VERBS = frozenset("give make take have do get".split())
# Object pronouns: never a noun of a "which X" phrase ("Which module lets | me tie ...?"), nor a light verb's object
# that names an action ("gave | it that name").
OBJECT_PRONOUNS = frozenset("it them him her me us you".split())
# The particles of phrasal verbs ("writes | out", "came | up with", "put | forward"): a phrasal verb's action is not its
# verb's, and a word before one may end a "which X" phrase as its verb. Not "in", "on", "over", "through": prepositions
# as often ("Which config files | in /etc ...?", "Who flew over the Atlantic ...?"), which ``PREPOSITIONS`` holds.
PARTICLES = frozenset("out off up down back away forward".split())
PREPOSITIONS = frozenset("in on over through".split())
# The words a sentence cannot stop on: an article, a preposition, a conjunction or a copula. A PDF paragraph whose page
# ends on one runs on onto the next page, a number there too ("... a constant overhead in the region of" / "50 bytes.").
UNFINISHING = frozenset("a an the of to in on at by for from with into about than between and or nor is are was were be".split())
# Words an expansion may hold that its acronym leaves out ("Federal Bureau of Investigation": FBI).
ACRONYM_SKIPS = frozenset("of and the for in on to a an at by with or".split())
# Titles that stand before a name, which a full stop after them does not end ("Dr. Richard Stallman").
NAME_TITLES = frozenset("mr mrs ms dr prof st".split())
# A sentence that points at the block after it, which the extractive answerer quotes with it: "You can change it
# by the following.", "Check the results as follows.", "Execute the following command.", "The following is the safe
# way to clear the file.", "Following commands caught my eyes.", "use following commands." Not "following" as a
# preposition, before a determiner, a pronoun or a name: "Following the addition of a module system, the name was
# changed.", "in the years following the war.", "have started following it.", "Following Eric Raymond's guidelines".
_PREPOSITION_OBJECT = r"(?:the|a|an|this|that|these|those|its|their|his|her|my|your|our|it|them|him|us|me)\b"
ANNOUNCING = re.compile(
    rf"\b(?:following(?!\s+{_PREPOSITION_OBJECT})(?:\s+\w+){{0,2}}|as follows|below)\W*$"
    rf"|^\W*(?:the\s+following\b|following(?=\s+(?-i:[a-z]))(?!\s+{_PREPOSITION_OBJECT}))",
    re.I,
)
# A cross-reference to what comes further on: "(see below)", "See also INCOMPATIBLE OPTIONS below.", "see the [R] flag
# below." It sends the reader on, and announces no block right after it as "below" alone does ("... as shown below.").
CROSS_REFERENCE = re.compile(r"\bsee\b(?:[^.!?;:()]|\(\w{1,4}\)){0,60}\bbelow\W*$", re.I)
# Adverbs that end a "which X" phrase: "Which Debian release | first made GRUB 2 the default?" asks for a release,
# not for a "first" (after the phrase's first word only; "Which first-aid kit" keeps its compound).
ADVERBS = frozenset(
    """first also still now then ever never already later once again usually often always originally initially
    actually officially eventually finally formerly previously recently currently typically normally generally
    automatically""".split()
)
# Words that end the noun phrase after "how many": "how many teams | of medical experts did ...".
PHRASE_END = frozenset(
    """a an the did do does were was is are has have had will would can could should may might must been be being
    of in to for from on at with by that which who whom there per each during since after before about while when
    where if""".split()
)
# Counted nouns that any count can stand for: "how many people were trained" -> "15,000 employees" (five-letter stems).
GENERIC_COUNTED = frozenset(stem(word) for word in "people persons times things items ones units total".split())
# Nouns that make a "what ... <noun>" question one about a quantity: "What is the maximum size of a file?",
# "What inode size does mkfs use?", "At what temperature does water freeze?". Each is measured in numbers; words
# that may name a thing instead ("value", "period", "version") are left out.
MEASURE_NOUNS = frozenset(
    """size length width height depth weight mass speed velocity temperature population area capacity duration
    distance diameter radius altitude elevation volume age timeout limit frequency number""".split()
)
# The dimensions a "how deep / how high / how wide / how long" question asks for, each with the words that state
# it. A number tied to another dimension does not answer: "How deep is the lake?" is not answered by "The lake is
# 12 km long and 3 km wide".
DIMENSIONS = {
    "depth": frozenset("deep deeper deepest depth depths".split()),
    "height": frozenset("high higher highest height heights tall taller tallest elevation altitude".split()),
    "width": frozenset("wide wider widest width widths breadth broad".split()),
    "length": frozenset("long longer longest length lengths".split()),
}
# The units a number may be given in, by what they measure: "1.75 microseconds" is a time, "4096 words" and "36-bit"
# an amount of storage. "How much memory did the PDP-7 have?" is not answered by "It had a memory cycle time of 1.75
# microseconds". Only words that are a unit whenever they follow a number: "m" (metres or millions), "s", "h" and
# "in" are left out.
UNITS = {
    "time": frozenset(
        """ns nanosecond nanoseconds µs microsecond microseconds ms msec millisecond milliseconds sec secs second seconds
        min mins minute minutes hour hours hr hrs day days week weeks month months year years yr yrs decade decades
        century centuries""".split()
    ),
    "storage": frozenset(
        """bit bits byte bytes kb kib kbyte kbytes kilobyte kilobytes mb mib mbyte mbytes megabyte megabytes gb gib
        gigabyte gigabytes tb tib terabyte terabytes pb pib petabyte petabytes kbit kbits mbit mbits gbit gbits word
        words""".split()
    ),
    "frequency": frozenset("hz hertz khz kilohertz mhz megahertz ghz gigahertz".split()),
    "rate": frozenset(
        "bps kbps mbps gbps baud mips flops mflops gflops mph kph km/h mi/h b/s kb/s mb/s gb/s bit/s kbit/s mbit/s".split()
    ),
    "length": frozenset(
        """mm cm km millimetre millimetres millimeter millimeters centimetre centimetres centimeter centimeters metre
        metres meter meters kilometre kilometres kilometer kilometers mile miles ft foot feet inch inches yard yards""".split()
    ),
    "mass": frozenset("mg kg gram grams kilogram kilograms tonne tonnes ton tons lb lbs pound pounds ounce ounces".split()),
    # Not "hp" ("3 HP printers") nor "w".
    "power": frozenset("kw mw gw kilowatt kilowatts megawatt megawatts gigawatt gigawatts watt watts horsepower bhp".split()),
    "energy": frozenset("kwh mwh gwh twh joule joules kj mj calorie calories kcal".split()),
    "area": frozenset("square km² m² mi² ft² hectare hectares acre acres".split()),  # "3 square miles"
    "volume": frozenset("litre litres liter liters ml gallon gallons cubic".split()),  # "2 cubic metres"
    "temperature": frozenset("celsius centigrade fahrenheit kelvin".split()),  # "°C" is no word: a number without a unit
}
UNIT_DIMENSION = {unit: dimension for dimension, units in UNITS.items() for unit in units}
# The word right after a number, or after its hyphen, that may be its unit: "1.75 microseconds", "36-bit", "2 million
# bytes". Letters only (and "/" inside: "km/h"), looked at where the number ends.
UNIT_AFTER = re.compile(
    r"(?:-|\s{1,3}(?:(?:hundred|thousand|million|billion)\s{1,3})?)([^\W\d_][^\W\d_/]{0,15}(?:/[^\W\d_]{1,4})?)\b"
)
# The words of a number question that say what it measures, and the dimensions of ``UNITS`` each accepts: "How much
# memory ..." a storage, "How long ..." a time, a length or a size in bytes, "At what clock speed ..." a frequency,
# "How wide ..." a length or a width in bits. A number in units of none of the asked dimensions does not answer; a
# number without a unit may. A question with none of these words takes a number in any unit ("How big ...", "What
# size ...": a size may be bytes or metres).
ASKED_DIMENSIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        "time duration timeout period interval delay latency lifetime uptime old age often".split(), frozenset({"time"})
    ),
    "long": frozenset({"time", "length", "storage"}),  # a stay, a bridge, a header ("20 bytes long")
    **dict.fromkeys("memory ram rom storage data".split(), frozenset({"storage"})),
    **dict.fromkeys("clock frequency".split(), frozenset({"frequency"})),
    "fast": frozenset({"rate", "frequency", "time"}),  # a speed, or how soon ("boots in 5 seconds")
    **dict.fromkeys("speed rate bandwidth throughput".split(), frozenset({"rate", "frequency"})),
    **dict.fromkeys("deep depth high height tall far distance altitude elevation".split(), frozenset({"length"})),
    **dict.fromkeys("wide width".split(), frozenset({"length", "storage"})),
    **dict.fromkeys("heavy weight weigh weighs mass".split(), frozenset({"mass"})),
    # A power may be a computer's ("processing power": MIPS) as well as an engine's.
    **dict.fromkeys("power powerful horsepower wattage".split(), frozenset({"power", "rate"})),
    **dict.fromkeys("hot cold temperature".split(), frozenset({"temperature"})),
    "area": frozenset({"area"}),
    "volume": frozenset({"volume"}),
    "energy": frozenset({"energy"}),
}
# Words before a number that make it a label, not a quantity: "version 3.10", "section 8.1.3", "chapter 3", "type 555".
# (A capitalised word does too: "Python 3.11", "Debian 12", "RFC 7159".)
LABEL_WORDS = frozenset("version release section chapter figure table page step item part issue type model series".split())
# What a "which ..." question asks for when it wants one of a name's versions: "Which Debian release ..." is
# answered by "Debian 12", a name of the question with a number after it, whether or not "release" is said.
VERSION_WORDS = frozenset("version versions release releases".split())
# A version or release named by its number after the word: "version 3.0 of the FHS", "FHS version 2.3", "release 12".
_AFTER_VERSION_WORD = re.compile(rf"(?<![\w.-])(?:{'|'.join(sorted(VERSION_WORDS))})\s+(\d+(?:\.\d+)*)(?!\w|\.\d)", re.I)
# Words between a number and the noun it counts that are part of the number: "10 million doses".
NUMBER_SCALES = frozenset("hundred hundreds thousand thousands million millions billion billions more".split())
# Words that lean on an earlier turn for their meaning.
ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|there|he|she|him|her|his|hers|the same|such)\b", re.I
)
# "there" and "that" point back as a word of place and a demonstrative ("How do I get there?", "Who wrote that book?",
# "Why does that fail?"), not as "Is there a limit?" or "there are", nor as a relative or "so that" before the clause
# it opens ("the biggest file that a FAT filesystem can store"). "such as" gives examples. A standalone question read
# as pointing back keeps the last question's words and must be answered from its documents (``refers_back``).
_EXISTENTIAL = re.compile(
    r"(?:\b(?:is|are|was|were|isn't|aren't|wasn't|weren't|be|will|would|could|can|should|might|must)\s+there$)"
    r"|(?:^there(?:'s|\s+(?:is|are|was|were|be|been|exists?|existed|seems?|remains?|any|no)\b))",
    re.I,
)
_BEFORE_DEMONSTRATIVE = frozenset(
    f"""{QUESTION_WORDS.replace("|", " ")} is are was were be do does did can could will would should may might must has
    have had and or but about for with in on of to from by after before like than at into under over without within
    beyond besides despite via""".split()
)
_LAST_WORD = re.compile(r"(\w+)\W*$")
_POSSESSIVES = frozenset("its their his her".split())
_PHRASE_WORD = re.compile(r"[\w'$-]+")  # a word of a noun phrase, as "the $RANDOM value" writes them
_ANY_WORD_AFTER = re.compile(r"\s+[^\s?!.]")  # a word follows: "that" does not end the question
# What opens the clause a relative or "so that" introduces: a determiner, a pronoun, an auxiliary ("the file that a
# FAT filesystem can store", "true that it is", "a tool that can"). After a demonstrative comes its noun or nothing.
_CLAUSE_AFTER = re.compile(
    r"\s+(?:a|an|the|i|you|we|they|he|she|it|this|these|those|there|my|your|his|her|its|our|their|some|any|every|no|"
    r"not|is|are|was|were|be|been|can|could|will|would|should|may|might|must|has|have|had|do|does|did)\b",
    re.I,
)
_LOOK_AROUND = 40  # characters read each side of "that" or "there" to tell how it is used


def points_back(question: str) -> bool:
    """Whether ``question`` holds a word that leans on an earlier turn (``ANAPHORA``), read as it is used: not in
    capitals (an acronym), a possessive not after a name the question gives ("When did Einstein marry his cousin?"),
    "there" not as "is there", "that" not before the clause it opens unless after a word that asks, not "such as".

    Example:
        >>> points_back("Can I change that?"), points_back("Why does that fail?"), points_back("Who led them?")
        (True, True, True)
        >>> points_back("Is there a limit?"), points_back("What is the biggest file that a FAT filesystem can store?")
        (False, False)
    """
    first_name = _first_name(question)
    for match in ANAPHORA.finditer(question):
        word = match.group(1).lower()
        if match.group(1).isupper() and len(word) > 1:
            continue  # an acronym, as ``content_words`` reads one: "the ITS machine", "the IT department"
        if word in _POSSESSIVES and first_name < match.start():
            continue  # "When did Einstein marry his cousin?": whose, the question says (not so "Which RFCs hold it?")
        before = question[max(0, match.start() - _LOOK_AROUND) : match.start()]
        after = question[match.end() : match.end() + _LOOK_AROUND]
        if word == "there" and (_EXISTENTIAL.search(before + "there") or _EXISTENTIAL.match("there" + after)):
            continue
        if word == "that" and _CLAUSE_AFTER.match(after) and not _follows_an_asking_word(before):
            continue
        if word == "that" and _ANY_WORD_AFTER.match(after) and _ends_a_noun_phrase(before):
            continue  # "the group that went to Kyrgyzstan": a relative after the noun it describes
        if word == "such" and re.match(r"\s+(?:as|that)\b", after, re.I):
            continue
        return True
    return False


def _first_name(question: str) -> int:
    """Where the first name of ``question`` starts (as ``question_names`` reads names), or its length when it has none."""
    opening = _OPENING.match(question).end()  # type: ignore[union-attr]  # it matches everywhere
    found = [match.start() for pattern in (_PROPER, _MARKED_NAME) if (match := pattern.search(question, opening))]
    return min(found, default=len(question))


def _ends_a_noun_phrase(before: str) -> bool:
    """Whether the text ``before`` a "that" ends in a noun phrase a determiner opens: "the largest value", "a tool",
    "the malloc" (its last word no function word, a determiner at most four words before it). After one, "that" opens
    a relative clause ("the largest value that $RANDOM can return"); after a verb or a preposition it points back
    ("Who wrote that book?", "the author of that book")."""
    words = _PHRASE_WORD.findall(before)[-5:]
    if not words or words[-1].lower() in STOPWORDS or words[-1].lower() in _BEFORE_DEMONSTRATIVE:
        return False
    return any(word.lower() in DETERMINERS for word in words[:-1])


def _follows_an_asking_word(before: str) -> bool:
    """Whether the text ``before`` a "that" ends in a question word, an auxiliary or a preposition, or in nothing."""
    last = _LAST_WORD.search(before)
    return last is None or last.group(1).lower() in _BEFORE_DEMONSTRATIVE


# Openings that continue the last question ("and Italy?", "what about masks?").
CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|then|or)\b", re.I)
# Question words that carry no subject of their own: a follow-up borrows none of them from the question before.
SUBJECTLESS = frozenset("send sent many much tell give say said does did done make made get got know".split())
