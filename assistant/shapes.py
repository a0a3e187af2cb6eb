"""What a question asks for (a count, a sum of money, a year, a date, a name) and whether a sentence states it.

The extractive answerer copies sentences; it cannot reword an answer into shape. So a question
that asks for a number is answered only by a sentence that states that kind of number, about
the thing the question counts: "How many masks did China send to Serbia?" is not answered by
"... held over 40 virtual technical conferences".
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Literal

from index.lexicon import (
    action_forms,
    compound_head,
    irregular_past,
    is_irregular_plural,
    kinds_of,
    lemma,
    synonyms,
    verb_lemmas,
)
from index.text import (
    ACRONYM_SKIPS,
    ADVERBS,
    ASKED_DIMENSIONS,
    AUXILIARIES,
    COPULAS,
    DATE,
    DETERMINERS,
    DIMENSIONS,
    EARLY_YEAR,
    GENERIC_COUNTED,
    LABEL_WORDS,
    LATIN_LETTER,
    LATIN_WORD,
    LIFE_WORDS,
    LIFESPAN,
    LIGHT_VERBS,
    MAX_QUESTION_CHARS,
    MEASURE_NOUNS,
    MONEY,
    MONEY_WORDS,
    NAME_CLASSES,
    NUMBER,
    NUMBER_SCALES,
    OBJECT_PRONOUNS,
    OPENING,
    PARTICLES,
    PHRASE_END,
    PREPOSITIONS,
    QUESTION_WORDS,
    STOPWORDS,
    TERM,
    UNIT_AFTER,
    UNIT_DIMENSION,
    VERSION_WORDS,
    VITAL_ASKED,
    VITAL_STATED,
    YEAR,
    in_address,
    is_identifier,
    is_specific,
    question_names,
    short_stem,
    singular,
    stem,
    versions,
)

Kind = Literal["count", "money", "year", "date", "number", "name", "other"]

# An opening does not change what is asked: a preposition or adverb ("In what year ...", "To how many countries
# ...", "Roughly how many ..."), or clauses before a comma, a colon or a semicolon ("When probing the MTU with ping,
# how many bytes ...", "A vendor only ships an RPM: how can I ..."). Up to two words, none of them a question word:
# "Which option sets how many lines are shown?" asks for an option. Sentences that set the scene before the question
# are an opening too: "My home machine has a made-up domain. Which parameter rewrites it?" (a full stop or an
# exclamation mark, a space and a capital). (The clauses are taken lazily from the start, and the rest is tried only
# after a mark and a space, so a long question is still read in linear time.) What comes before the first word is
# passed over (``OPENING``: an emoji, a quote mark, a bullet, a list number).
_LEAD = r"^" + OPENING + r"(?:[^?]*?(?:[,:;]|[.!](?=\s+(?-i:[A-Z])))\s+)?" + rf"(?:(?!(?:{QUESTION_WORDS})\b)[\w'-]+\s+){{0,2}}"
_HOW_MANY = re.compile(_LEAD + r"how many\b(.*)", re.I)
_HOW_MUCH = re.compile(_LEAD + r"how much\b", re.I)
_YEAR_Q = re.compile(_LEAD + r"(?:what|which) year\b", re.I)
# "When did ..." asks for a time; "When can I rely on ..." and "When I edit ..." ask for conditions.
_WHEN_Q = re.compile(_LEAD + r"(?:when (?:did|was|were|will|has|have|had)\b|what (?:date|day|month|time)\b)", re.I)
# "How long-running ..." asks no length.
_HOW_ADJECTIVES = "long|old|often|far|fast|big|large|deep|high|tall|wide|heavy|hot|cold|powerful"
_NUMBER_Q = re.compile(
    _LEAD + rf"(?:how ({_HOW_ADJECTIVES})\b(?!-)|what (?:percentage|percent|number|proportion|share)\b)",
    re.I,
)
# The words that say what kind of answer is asked, not what it is about: "how much (money)", "how many", "how long", "in
# what year", "on what date", "what percentage". A sentence answers them by its shape (a sum, a count, a year), never by
# repeating them: "the country has donated 20 million dollars" says how much without "much" or "money".
_ASKING = re.compile(
    _LEAD + rf"(?:how (much(?:\s+money)?|many|{_HOW_ADJECTIVES})|(?:what|which) (year|date|day|month)"
    r"|what (percentage|percent|number|proportion|share))\b(?!-)",
    re.I,
)
# "What is the maximum size of ...", "What inode size does ...", "At what temperature ...": a measure, named. Only
# after "what", and in the singular: "In which areas ..." asks for fields, "Which number ..." often for a label.
_MEASURE_Q = re.compile(
    _LEAD + r"what\s+(?:(?:is|was)\s+)?(?:(?:the|a|an|its|their)\s+)?"
    rf"(?:(?!(?:{'|'.join(sorted(PHRASE_END))})\b)[\w'.-]+\s+){{0,2}}?({'|'.join(sorted(MEASURE_NOUNS))})\b(?!-)",
    re.I,
)
# The word right before a position, one space between: "version| 3.10".
_WORD_BEFORE = re.compile(r"(?<![\w.-])([A-Za-z][\w.-]*) $")
# "One" after a determiner is a pronoun, no quantity: "the one even before", "each one", "no one", "another one", "the
# next one".
_ONE_AFTER = DETERMINERS | {"another", "other", "which", "next", "last", "same"}
_DIMENSION_OF = {word: name for name, words in DIMENSIONS.items() for word in words}
# A number with its unit or scale written onto it: "8K", "64KB", "2.5GHz", "100ms", "1.75µs" (``NUMBER`` takes none of
# them). Only a known unit or a scale letter makes one a quantity: not "3D", "10am" or "4x".
_GLUED = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)*([kKMGT]?)([^\W\d_][^\W\d_/]{0,7}(?:/[^\W\d_]{1,4})?)?(?![\w-])")
# "How long did/does ... ?" asks how long something went on (not "How long is the bridge?").
_DURATION_Q = re.compile(_LEAD + r"how long (?:did|does|do|will|would|has|have|had|can|could)\b", re.I)
# A unit per unit of time: "299,792 km per second", "60 miles an hour", "2 MB a second".
_PER_TIME = re.compile(r"\s{1,3}(?:per|an?|each)\s{1,3}([^\W\d_]{1,15})\b", re.I)
# Two years that bound a span: "from 1509 to 1547", "between 1939 and 1945", "1509–1547". A "how long" question is
# answered by the span as well as by a number of years. (A dash between two numbers only with a dash proper, after a
# four-digit year: "100-200" is a range of anything.)
_YEAR_SPAN = re.compile(
    r"\b(?:from\s+\d{3,4}\s+(?:to|until|till)|between\s+\d{3,4}\s+and|(?:1\d|20)\d\d\s?[–—])\s?\d{2,4}\b", re.I
)
_VERSION_STEMS = frozenset(short_stem(word) for word in VERSION_WORDS)
# A version number: "2.6.30", "3.11" (not a date's "2020-04-29" nor an address's "192.168.0.1" last part alone).
_VERSION_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)+(?![\w.]*\d)")
# "Where ..." wants a place or a path: a name the question lacks ("born in Lyon", "kept in ~/.aptitude/config").
_WHERE_Q = re.compile(_LEAD + r"where\b", re.I)
# "How do I ...", "How can one ...", "How to ...", "What do I type / should I call ...": a way to do something, which
# a manual gives as a command, an option or a call.
_PROCEDURE_Q = re.compile(
    _LEAD + r"(?:how (?:do|can|could|should|would|may|must) (?:i|we|you|one)|how to"
    r"|what (?:do|can|should|must) (?:i|we|you|one) (?:type|run|call|use|enter|press|execute))\b",
    re.I,
)
# "What is a coprocess?", "What are meta-packages in Debian?", "In Bash's terminology, what exactly is a 'job'?": a
# definition is asked, of a term of up to four words. Not "What is the capital of Canada?" nor "What is the default value
# of vm.swappiness?", which ask for an attribute of something (a word such as "of" or "for" inside the term).
_DEFINITION_Q = re.compile(
    _LEAD + r"what(?:\s++exactly)?(?:'s|\s++is|\s++are)\s++(?:exactly\s++)?(?:an?\s++)?[\"'\u2018\u201c]?"
    r"((?:(?!(?:of|for|to|by|with|from|about|in|on|under|the|meant|used|called|named)\b)[\w./+-]++\s*+){1,4}?)"
    r"[\"'\u2019\u201d]?\s*+(?:(?:in|on|under)\s++[\w' .-]{1,40}?)?\s*+\?\s*+$",
    re.I,
)
# Words that may stand between a sentence's determiner and the term it defines ("A Debian meta-package is ...").
_DEFINED_LEAD = r"^(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}?"
_NAME_Q = re.compile(_LEAD + r"(?:who|whom|whose|which\b(.*))", re.I)
# "Who designed ...", "Who did Allan Dwan marry?", "Who was elected ...": someone is asked for as the one who did
# something (see ``_action``). Not "whom" or "whose": "To whom did Oracle hand over the code?" asks who received it.
_WHO_Q = re.compile(_LEAD + r"who\s+(.*)", re.I)
# A "which" after a comma, in a question already asked by another word, opens a relative clause, not a "which X"
# question: "Why does Bash treat 0 as success, which seems backwards?" asks why. (Not after "when", "where" or "what if",
# which open a condition: "When a program is killed, which status does Bash report?")
_RELATIVE_WHICH = re.compile(r"^" + OPENING + r"(?:why|how|who|what(?!\s+if\b))\b[^?]*?,\s+which\b", re.I)
# "What is the name / codename / title of ...", "What is the default editor called?": a name is asked for, as by "which".
_NAMED_Q = re.compile(
    _LEAD + r"what(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|its|their|his|her|a|an)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:names?|code\s?names?|surnames?|nicknames?|titles?)\s+of\b"
    r"|" + _LEAD + r"what\s+(?:is|was|are|were)\s+(?:the|a|an|this|that)\s+(?:(?!(?:when|if|after|before)\b)[\w'-]+\s+){1,5}"
    r"(?:called|named)\s*\?",
    re.I,
)
# "What does NTP stand for?", "What is RHSBL short for?", "GPL is an abbreviation of what?": the words an acronym's
# letters begin are asked. The acronym is written in capitals, two to eight of them ("Sid" or "buildd" may be named
# otherwise: "Still In Development", "build daemon").
_ACRONYM = r"[\"'\u2018\u201c]?([A-Z]{2,8})[\"'\u2019\u201d]?"
_ACRONYM_Q = re.compile(
    rf"(?i:\bwhat\s+(?:does|do|did)\s+(?:the\s+(?:name|abbreviation|acronym|letters|initials)\s+)?){_ACRONYM}"
    r"(?i:[^?]{0,80}?\bstand\s+for\b|\s+mean\s+as\s+an\s+acronym\b)"
    rf"|(?i:\bwhat\s+(?:is|was|are)\s+(?:the\s+(?:name|abbreviation|acronym)\s+)?){_ACRONYM}"
    r"(?i:\s+(?:short\s+for|an\s+(?:abbreviation|acronym)\s+(?:of|for))\b)"
    rf"|{_ACRONYM}(?i:\s+(?:is|was)\s+(?:short\s+for|an\s+(?:abbreviation|acronym)\s+(?:of|for))\s+what\b)"
)
# "a, b, c" or "a, b and c". Only ever searched, so it is tried from the start of each word alone, and takes
# words whole: tried from inside a long word, it re-read the rest of the word each time.
_LIST = re.compile(r"(?<!\w)\w++, \w++(?: \w++)?, (?:\w++(?: \w++)?, )*(?:and |or )?\w+")
_NEAR = 6  # words between a number and the thing it counts
# A capitalised word right before a number, with one space between: "SimCity 2000", "Windows 2000". Searched in the
# ``_NAME_CHARS`` before the number only, so a long run of letters is never re-read.
_NAME_BEFORE = re.compile(r"(?<![\w-])([A-Z][\w+#-]*) $")
_NAME_CHARS = 40
_BEFORE_CHARS = 200  # how far back the words before a name are read: three words, however long
# A number that begins a compound: "a 40-floor hotel", "a 300-metre tower", "the 12-year-old" (not "COVID-19",
# "2020-04-29" or "x86-64"). ``NUMBER`` leaves it out, as a claim's figures must stand alone.
_COMPOUND_NUMBER = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)*(?=-[^\W\d_])")


@dataclass(frozen=True)
class Shape:
    """What kind of answer a question wants; ``counted``: stems of the thing a "how many" question counts."""

    kind: Kind
    counted: frozenset[str] = frozenset()
    question_numbers: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()  # short stems of the question's words
    question_terms: frozenset[str] = frozenset()  # the question's words whole, lower-cased
    plural: bool = False  # "which areas ...": a list of things answers as well as a name
    code_only: bool = False  # only an identifier answers (see ``loosened``)
    agent: bool = False  # "who ...": only someone's name answers (see ``_names_agent``)
    procedure: bool = False  # "how do I ...": a way to do something, best given by a command (see ``gives_step``)
    term: str = ""  # "what is a coprocess?": the term whose definition is asked, lower-cased (see ``defines``)
    dimension: str = ""  # "how deep ...": the dimension (a key of ``DIMENSIONS``) a number must measure
    units: frozenset[str] = frozenset()  # "how much memory ...": the dimensions of ``UNITS`` a number may be given in
    kin: frozenset[str] = frozenset()  # a count's nouns' synonyms ("storey": floor, level, story), lemmas
    owners: frozenset[str] = frozenset()  # "Which GNOME version ...": the names whose version is asked, lower-cased
    # (the extractive answerer quotes only passages that mention them)
    named: frozenset[str] = frozenset()  # "When was SimCity released?": the words of the question's names, lower-cased
    life: bool = False  # "When was she born?": a lifespan's dates (``LIFESPAN``) answer it, and no other question
    vital: str = ""  # "birth" or "death": asked when, where or at what age, only a sentence stating one answers
    action: frozenset[str] = frozenset()  # "who designed ...": the words that state the action asked (see ``_names``)
    classes: frozenset[str] = frozenset()  # "which revolutionary ...": the nouns of X, lemmas (see ``_names``)
    acronym: str = ""  # "What does NTP stand for?": the letters whose words are asked, lower-cased (see ``expands``)
    span: bool = False  # "How long did the war last?": how long something went on, which two years answer too

    def loosened(self) -> Shape:
        """The same "which X" question answered by an identifier anywhere in the sentence, X named or not.

        "Which directory holds AppArmor profiles?" -> "... stored in /etc/apparmor.d/". Only identifiers
        count (a path, an option, a dotted or numbered lower-case name), not capitalised words: "China and
        Kyrgyzstan will overcome the pandemic" names no vaccine, however on topic it is.
        """
        return replace(self, counted=frozenset(), plural=False, code_only=True)

    def gives_step(self, sentence: str, code: frozenset[str] = frozenset()) -> bool:
        """Whether ``sentence`` names a command, option, path or call the question does not: "This is accomplished
        by using the command passwd -l user (lock)." gives the step that "How do I lock a user account?" asks for;
        "A disabled account means the user cannot login" only describes it."""
        return replace(self.loosened(), kind="name", agent=False).states(sentence, code)

    def answers_loosely(self, sentence: str, code: frozenset[str] = frozenset()) -> bool:
        """Whether ``sentence`` may answer this "which X" question without naming X: it holds an identifier (see
        ``loosened``), or, when X is a version or release, a version number.

        "Since which kernel version ...?" is answered by "... since Linux 2.6.30", but "Which Debian release first
        made GRUB 2 the default?" not by a sentence that only holds a path or an option.
        """
        if self.kind != "name" or not self.counted:
            return False
        if self.counted & _VERSION_STEMS:
            # A version of another name is no version of the one asked about: "Which versions of Windows does it run
            # on?" is not answered by "It requires OS 10.5.x".
            others = {number for name, number in versions(sentence) if self.owners and name.lower() not in self.owners}
            return any(m.group() not in self.question_terms | others for m in _VERSION_NUMBER.finditer(sentence))
        return self.loosened().states(sentence, code)

    def names_kind(self, sentence: str) -> bool:
        """Whether ``sentence`` names an X of a "which X" question, X a class of names (a country, a city, a person, a
        company: ``NAME_CLASSES``), by a name WordNet knows as one that the question does not hold: "Which countries did
        China send teams to?" -> "... including Italy, Serbia and Laos" (not "... teams to 34 countries", which counts
        them). False for any other question: any new name answers "which country" (``_names``), a name near the word
        "package" or of its kind answers "which package", and there WordNet's kinds would mislead ("Linux": software)."""
        return (
            bool(self.classes)
            and not self.counted
            and any(
                not self.classes.isdisjoint(kinds_of(match.group())) and match.group().lower() not in self.question_terms
                for match in TERM.finditer(sentence)
            )
        )

    def defines(self, sentence: str) -> bool:
        """Whether ``sentence`` defines the term a "what is X?" question asks about: X is its subject and a copula or
        "refers to" follows ("A coprocess is a shell command ...", "Meta-packages are empty packages ..."), or it
        names something as X ("Vowelless alphabets ... are called abjads")."""
        if not self.term:
            return False
        text = _QUOTES.sub("", sentence.strip()).lower()
        forms = "|".join(re.escape(form) for form in _term_forms(self.term))
        subject = re.match(
            _DEFINED_LEAD + rf"(?:{forms})(?:\s*\([^()]{{0,80}}\))?,?\s+(?:(is|are)|refers?|means?|denotes?)\b\s*([\w-]*)", text
        )
        # A passive says what is done with it, not what it is: "A coprocess is executed asynchronously ...".
        said = subject is not None and not (subject.group(1) and _is_participle(subject.group(2)))
        return said or bool(re.search(rf"\b(?:called|known as|termed)\s+(?:an?\s+|the\s+)?(?:{forms})\b", text))

    @property
    def wants_number(self) -> bool:
        """Whether only a sentence that states a number (or date) can answer."""
        return self.kind in ("count", "money", "year", "date", "number")

    def states(self, sentence: str, code: frozenset[str] = frozenset()) -> bool:
        """Whether ``sentence`` states the kind of thing asked for (any sentence does for other questions).

        ``code``: the words its document marks as inline code (``Passage.code``), which name things however
        they are written: "run atrm task-number" names a command.
        """
        if self.vital and not (VITAL_STATED[self.vital].search(sentence) or LIFESPAN.search(sentence)):
            return False  # a birth or a death asked, none stated (see ``VITAL_STATED``)
        if self.acronym and not expands(sentence, self.acronym):
            return False  # "What does NTP stand for?" is answered by "Network Time Protocol", not by "NTP runs on port 123"
        match self.kind:
            case "count":
                return self._counts(sentence)
            case "money":
                return bool(MONEY.search(sentence))
            case "year":
                lives = self._lifespans(sentence)
                return any(
                    m.group() not in self.question_numbers and not self._edition(sentence, m) and not _within(m, lives)
                    for m in chain(YEAR.finditer(sentence), EARLY_YEAR.finditer(sentence))
                    if not in_address(sentence, m.start())
                )
            case "date":
                lives = self._lifespans(sentence)
                return any(
                    not self._edition(sentence, m) and not _within(m, lives) and not in_address(sentence, m.start())
                    for m in DATE.finditer(sentence)
                )
            case "number":
                if self.span and _YEAR_SPAN.search(sentence):
                    return True  # "How long did the reign last?" -> "He reigned from 1509 to 1547."
                numbers = chain(self._quantities(sentence), _glued(sentence))
                return any(self._in_units(sentence, m) for m in numbers) and self._measures(sentence)
            case "name":
                return self._names(sentence, code)
        return True

    def _lifespans(self, sentence: str) -> list[tuple[int, int]]:
        """Where ``sentence`` gives someone's lifespan (``LIFESPAN``), unless the question asks about a life: "In what year
        did Alain Connes complete his doctorate?" is not answered by "Alain Connes (; born 1 April 1947) is ..."."""
        if self.life or "(" not in sentence:
            return []
        return [m.span() for m in LIFESPAN.finditer(sentence)]

    def _edition(self, sentence: str, year: re.Match[str]) -> bool:
        """Whether a year-like number is part of the name the question asks about, written after it: "SimCity 2000 is
        an upgrade of SimCity" gives no year for "In what year was SimCity first released?", nor "Windows 2000" one
        for Windows. A year is written after a preposition, a month or a comma, not glued to the name it dates."""
        if not YEAR.fullmatch(year.group()) or sentence.startswith("-", year.end()):
            return False  # a full date ("Potato 2000-08-15"), never an edition
        before = _NAME_BEFORE.search(sentence, max(0, year.start() - _NAME_CHARS), year.start())
        return before is not None and before.group(1).lower() in self.named

    def _names(self, sentence: str, code: frozenset[str]) -> bool:
        """A name the question does not already hold ("Who ..."); for "which X", one within a few words of an X.

        "Which vaccine did China deliver?" is not answered by "China and Kyrgyzstan will overcome the
        pandemic, the Embassy said", nor by "vaccine research ..., said Jeenbekov"; it would be by
        "the Sinovac vaccine".
        """
        matches = list(TERM.finditer(sentence))
        words = [match.group() for match in matches]
        if self.agent:
            # Someone is never written as code: "... replaced with the configuration provided by LogLevel" names a
            # directive the page marks as code, not who wrote anything. (A new name that is not code: the cheap test
            # first, so that most words are never read as code.)
            people = [
                i
                for i, match in enumerate(matches)
                if self._is_new_word(words[i], i)
                and not _names_code(sentence, match, code)
                and not _bare_number(sentence, match, code)
            ]
            # A passive's "by" names who did its own verb: "the format preferred by Excel" names no one who wrote it.
            # (Where each name starts is found in one pass: "inspired by | JavaScript Object Notation".)
            first = _name_starts(sentence, matches) if self.action else []
            if self.action and any(self._names_doer(sentence, matches, i) for i in range(len(matches) - 1)):
                return True  # "Gaudí designed the cathedral": one name, before the action asked, even opening the sentence
            if not any(_names_agent(sentence, matches, i) and not self._did_other(sentence, matches, first, i) for i in people):
                return False
            # "Who designed the JSON format?" is not answered by "JSON ..., specified by RFC 7159, is a ... format inspired
            # by JavaScript", which names others for other reasons: the sentence must state the action asked ("designed",
            # "the designer"), or name someone as the maker of a thing ("a language by Yukihiro Matsumoto"). A passive's
            # "by" names who did its own verb ("inspired by", "used by the Allies"), which is not the action asked.
            return not self.action or self._states_action(words) or any(_made_by(sentence, matches, i) for i in people)
        if not self.counted:
            # A bare number is no one and nowhere: "Where did he die?" is not answered by "He died in 1950".
            return any(
                not _bare_number(sentence, match, code) and self._is_new_name(sentence, match, i, code)
                for i, match in enumerate(matches)
            )
        if self.counted & _VERSION_STEMS and any(
            name.lower() in self.question_terms and number not in self.question_terms for name, number in versions(sentence)
        ):
            return True  # "Which Debian release ...?" -> "... after Debian 12": the question's name, another version
        mentions = [i for i, word in enumerate(words) if short_stem(word) in self.counted]
        if mentions and self.plural and _LIST.search(sentence):
            return True  # "which areas" -> "in investment, energy, transportation and agriculture"
        # A new name within a few words of a mention. Each word near one is read once, however many mentions it is near.
        near = {j for i in mentions for j in range(max(0, i - _NEAR), min(len(matches), i + _NEAR + 1))}
        if any(self._is_new_name(sentence, matches[j], j, code) for j in near):
            return True
        # Or a name that is an X, said or not: "Which Soviet revolutionary is Snowball based on?" -> "He is mainly based
        # on Leon Trotsky" (WordNet: Trotsky is a revolutionary; see ``kinds_of``). The kind is looked up first: few
        # words name an X, and only those need reading as new names.
        return any(
            not self.classes.isdisjoint(kinds_of(words[i])) and self._is_new_name(sentence, match, i, code)
            for i, match in enumerate(matches)
        )

    def _did_other(self, sentence: str, matches: list[re.Match[str]], first: list[int], i: int) -> bool:
        """Whether the name around ``matches[i]`` (its first word ``matches[first[i]]``) is named after a passive verb's
        "by", and that verb is not the action asked: "... the format preferred by Excel" for "Who wrote the csv
        module?"."""
        if not self.action or not _after_by(sentence, matches, first[i]):
            return False
        verb = _bare_word(_before_by(_words_before(sentence, matches[first[i]].start(), 3)))
        return _is_participle(verb) and verb.lower() not in self.action

    def _names_doer(self, sentence: str, matches: list[re.Match[str]], i: int) -> bool:
        """Whether ``matches[i]`` is a capitalised name the question does not hold, written right before a verb of the
        action asked: "Gaudí designed the cathedral", "Michelangelo painted the ceiling". A name of one word is otherwise
        no one (``_names_agent``), and a sentence's first word no name, but a name that does the asked action is
        its doer. Not a pronoun or determiner ("He designed", "This painted ..."), a plural of a common noun ("Engineers
        designed ..."), nor a word of the question."""
        word, verb = matches[i].group(), matches[i + 1].group()
        return (
            _is_titled(word)
            and verb.islower()
            and verb in self.action
            and not verb.endswith(_DOER_SUFFIXES)
            and _adjacent(sentence, matches, i)
            and word.lower() not in _NOT_NAMES
            and not _common_plural(word.lower())
            and short_stem(word) not in self.question_words
        )

    def _states_action(self, words: list[str]) -> bool:
        """Whether one of ``words`` (or a part of it: "co-founder", "Lamport's") states the action asked."""
        return any(part in self.action for word in words for part in _WORD_PARTS.split(word.lower()))

    def _is_new_name(self, sentence: str, match: re.Match[str], position: int, code: frozenset[str]) -> bool:
        """Whether the ``TERM`` ``match`` names something the question does not.

        An identifier (by its form, or marked as code by its document) is new unless the question holds it
        whole: "ssh-vulnkey" answers "Which command finds SSH keys ...?" and "time.perf_counter" "Which clock does
        timeit use?". Other names are new unless they share a stem with a question word ("Purism" is not new to
        "Which company is Purism?").
        """
        word = match.group()
        if _names_code(sentence, match, code):
            return word.lower() not in self.question_terms
        return self._is_new_word(word, position)

    def _is_new_word(self, word: str, position: int) -> bool:
        """Whether ``word``, at word ``position`` of its sentence and not code, is a name the question does not hold."""
        return not self.code_only and is_specific(word, position) and short_stem(word) not in self.question_words

    def _quantities(self, sentence: str) -> Iterator[re.Match[str]]:
        """The numbers of ``sentence`` that are not part of a date or a label and not ones the question states."""
        dates: list[tuple[int, int]] | None = None
        for match in chain(NUMBER.finditer(sentence), _COMPOUND_NUMBER.finditer(sentence)):
            if match.group().lower() in self.question_numbers or self._labels(sentence, match.start()):
                continue
            if match.group()[0].isdigit() and in_address(sentence, match.start()):
                continue  # "statusq.org/2001/11/26.html" names a page and states no number
            if match.group().lower() == "one" and _word_before(sentence, match.start()) in _ONE_AFTER:
                continue
            # The dates are found once per sentence, not once per number: many numbers made it n squared.
            dates = dates if dates is not None else [(d.start(), d.end()) for d in DATE.finditer(sentence)]
            # Dates do not overlap, so only the last one starting at or before the number can hold it.
            i = bisect_right(dates, match.start(), key=lambda date: date[0]) - 1
            if i < 0 or match.start() >= dates[i][1]:
                yield match

    def _labels(self, sentence: str, start: int) -> bool:
        """Whether the number at ``start`` is part of a name ("Python 3.11", "version 3.10", "RFC 7159"), not a
        quantity: the word right before it is a label word or a capitalised word past the sentence's first, and
        the question does not name it ("Which version ..." is answered by a version).
        """
        match = _match_before(sentence, start)
        if match is None:
            return False
        word = match.group(1)
        if word.lower() in self.question_terms:
            return False
        return word.lower() in LABEL_WORDS or (word[0].isupper() and bool(sentence[: match.start(1)].strip()))

    def _measures(self, sentence: str) -> bool:
        """Whether the sentence's numbers may measure the asked dimension: it names that dimension, or no other.

        "How deep is the lake?" is not answered by "The lake is 12 km long and 3 km wide", but is by "... reaches a
        depth of 300 m" and by "The lake is 300 m" (a number of no stated dimension).
        """
        if not self.dimension:
            return True
        words = {word.lower() for word in LATIN_WORD.findall(sentence)}
        if words & DIMENSIONS[self.dimension]:
            return True
        return not any(words & others for name, others in DIMENSIONS.items() if name != self.dimension)

    def _in_units(self, sentence: str, number: re.Match[str]) -> bool:
        """Whether ``number`` may measure what is asked: it has no unit, or one of an asked dimension ("How much memory
        ...?" is answered by "8K words", not by "a cycle time of 1.75 microseconds")."""
        if not self.units:
            return True
        dimension = _dimension_of(sentence, number)
        return dimension is None or dimension in self.units

    def _counts(self, sentence: str) -> bool:
        """A quantity with the counted thing within a few words of it (either side)."""
        words: _Words | None = None
        for match in self._quantities(sentence):
            if not self.counted:
                # Any count answers, but a measure counts nothing: "How many people died?" is not answered by "The fire
                # burned for 3 days".
                if not self._measures_not_counts(sentence, match):
                    return True
                continue
            words = words or _Words(sentence)
            after = words.after(match.end())
            if self._counts_other(after) or self._measures_not_counts(sentence, match):
                continue
            near = (*words.before(match.start()), *after)
            # A compound counts by each of its parts: "18 DVD-ROMs" counts DVDs.
            if any(self._is_counted(word) for word in near):
                return True
        return False

    def _measures_not_counts(self, sentence: str, number: re.Match[str]) -> bool:
        """Whether ``number`` is a measure in a unit ("4 GiB", "10 minutes", "36-bit"), which counts no thing the
        question asks for: "How many files can an archive hold?" is not answered by "archives of more than 4 GiB".
        A question that names a unit of the same measure ("How many bytes ...?", "How many years ...?") counts them."""
        dimension = _dimension_of(sentence, number)
        return dimension is not None and not any(UNIT_DIMENSION.get(term) == dimension for term in self.question_terms)

    def _is_counted(self, word: str) -> bool:
        """Whether ``word`` (or a part of a compound: "18 DVD-ROMs" counts DVDs) is the counted thing or a synonym
        of it ("a 40-floor hotel" counts storeys)."""
        return any(stem(part) in self.counted or (self.kin and lemma(part) in self.kin) for part in word.split("-"))

    def _counts_other(self, after: list[str]) -> bool:
        """Whether the words after a number say it counts something else: "Each satellite carried four cameras"
        counts cameras, not satellites.

        The number's own noun is the first word after it (past "million" or "more"), when that word is a plural.
        "10 million doses of the vaccine" counts vaccine doses, so a plural followed by "of" and the counted thing
        counts it.
        """
        words = list(after)
        while words and words[0].lower() in NUMBER_SCALES:
            words.pop(0)
        if not words or not _is_plural(words[0]) or self._is_counted(words[0]):
            return False
        if stem(words[0]) in GENERIC_COUNTED:
            return False
        return not (len(words) > 1 and words[1].lower() == "of" and any(self._is_counted(w) for w in words[2:5]))


class _Words:
    """The words (``LATIN_WORD``) of a sentence, read once, and the few either side of a position.

    ``before(p)`` and ``after(p)`` are the last and first ``_NEAR`` of ``LATIN_WORD.findall(sentence[:p])`` and
    ``LATIN_WORD.findall(sentence[p:])``, without re-reading the sentence for each of its numbers.
    """

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        self.spans = [(m.start(), m.end()) for m in LATIN_WORD.finditer(sentence)]
        self.starts = [start for start, _ in self.spans]
        self.ends = [end for _, end in self.spans]
        self._letters: list[int] | None = None

    def before(self, position: int) -> list[str]:
        """The last ``_NEAR`` words of the text before ``position``."""
        i = bisect_right(self.ends, position)
        words = [self.sentence[start:end] for start, end in self.spans[max(0, i - _NEAR) : i]]
        if i < len(self.spans) and self.starts[i] < position:
            words.append(self.sentence[self.starts[i] : position])  # a word cut short by ``position``
        return words[-_NEAR:]

    def after(self, position: int) -> list[str]:
        """The first ``_NEAR`` words of the text from ``position``."""
        j = bisect_left(self.starts, position)
        words = []
        if j > 0 and self.ends[j - 1] > position:
            # ``position`` falls inside a word ("twenty|-one"): the rest of it counts from its next letter.
            if self._letters is None:
                self._letters = [m.start() for m in LATIN_LETTER.finditer(self.sentence)]
            k = bisect_left(self._letters, position)
            if k < len(self._letters) and self._letters[k] < self.ends[j - 1]:
                words.append(self.sentence[self._letters[k] : self.ends[j - 1]])
        words += [self.sentence[start:end] for start, end in self.spans[j : j + _NEAR]]
        return words[:_NEAR]


def _match_before(sentence: str, start: int) -> re.Match[str] | None:
    """The word right before ``start``, one space between (``_WORD_BEFORE``), searched for in a bounded window."""
    return _WORD_BEFORE.search(sentence, max(0, start - 40), start)


def _word_before(sentence: str, start: int) -> str:
    """The word right before ``start`` (one space between), lower-cased; empty when there is none."""
    match = _match_before(sentence, start)
    return match.group(1).lower() if match else ""


def _is_plural(word: str) -> bool:
    """Whether ``word`` reads as a lower-case plural noun ("cameras", "countries", "children"; not "is", "was" or
    "class")."""
    if not (word.isalpha() and word.islower()) or word in PHRASE_END:
        return False
    return singular(word) != word or is_irregular_plural(word)


def _names_code(sentence: str, match: re.Match[str], code: frozenset[str]) -> bool:
    """Whether the ``TERM`` ``match`` names code: an identifier by its form, or a word its document marks as code."""
    return is_identifier(sentence, match) or match.group().lower() in code


def _names_agent(sentence: str, matches: list[re.Match[str]], i: int) -> bool:
    """Whether the new name ``matches[i]`` names someone: a name of two words or more ("Geng Shuang", "Andrew
    Dalke"), or one after "by" ("designed by Gaudí", "maintained by the CPython core developers").

    A "who" question is not answered by a lone acronym, product or format the sentence mentions ("MC", "GNU",
    "IANA", "RFC 7159"): those name something, not someone.
    """
    word = matches[i].group()
    # A determiner capitalised to open the sentence is no part of a name: "The Apache module mod_rewrite is ..." names
    # no one.
    if _is_titled(word) and any(
        0 <= j < len(matches)
        and _is_titled(matches[j].group())
        and matches[j].group().lower() not in DETERMINERS
        and _adjacent(sentence, matches, min(i, j))
        for j in (i - 1, i + 1)
    ):
        return True
    return _after_by(sentence, matches, i)


def _after_by(sentence: str, matches: list[re.Match[str]], i: int) -> bool:
    """Whether the name ``matches[i]`` follows "by" (or "by the"), as the one who did what the sentence says, and is no
    document or version ("specified by RFC 7159")."""
    before = _words_before(sentence, matches[i].start(), 2)
    after_by = bool(before) and (before[-1].lower() == "by" or (before[-1].lower() == "the" and before[:1] == ["by"]))
    return after_by and not _is_label(sentence, matches, i)


def _made_by(sentence: str, matches: list[re.Match[str]], i: int) -> bool:
    """Whether the name ``matches[i]`` follows "by" after a thing's name, as its maker: "a language by Yukihiro Matsumoto",
    "the novel by Herman Melville"; not after a passive verb ("inspired by JavaScript")."""
    if not _after_by(sentence, matches, i):
        return False
    thing = _before_by(_words_before(sentence, matches[i].start(), 3))
    return not _is_participle(_bare_word(thing))


def _before_by(before: list[str]) -> str:
    """The word before "by" in ``before``, the words before a name that end in "by" or "by the"; empty when "by" opens
    the sentence ("by Herman Melville", a list's item)."""
    back = 2 if before[-1].lower() == "by" else 3
    return before[-back] if len(before) >= back else ""


def _words_before(sentence: str, start: int, count: int) -> list[str]:
    """The last ``count`` whole words before ``start`` (fewer near the sentence's start), read from a bounded window:
    every name of a sentence asks this, and reading all the text before each one made a long sentence quadratic."""
    low = max(0, start - _BEFORE_CHARS)
    words = sentence[low:start].split()
    if low > 0 and not sentence[low - 1].isspace() and not sentence[low].isspace():
        words = words[1:]  # the window cut its first word in half
    return words[-count:]


def _name_starts(sentence: str, matches: list[re.Match[str]]) -> list[int]:
    """For each ``TERM`` match, the index of the first word of the name it is part of (capitalised words one space
    apart: "JavaScript Object Notation"), itself when none comes right before it."""
    first = list(range(len(matches)))
    for k in range(1, len(matches)):
        if _is_titled(matches[k - 1].group()) and _adjacent(sentence, matches, k - 1):
            first[k] = first[k - 1]
    return first


def _is_participle(word: str) -> bool:
    """Whether ``word`` is a verb's past form ("inspired", "used", "written", "held"), not its lemma nor an "-ing" form."""
    lemmas = verb_lemmas(word)
    return bool(lemmas) and word.lower() not in lemmas and not word.lower().endswith(("s", "ing"))


def _is_label(sentence: str, matches: list[re.Match[str]], i: int) -> bool:
    """Whether ``matches[i]`` names a document or a version, not someone: it holds a digit ("ECMA-404") or a number
    follows it ("RFC 7159", "PEP 8", "Python 3")."""
    if any(c.isdigit() for c in matches[i].group()):
        return True
    return i + 1 < len(matches) and matches[i + 1].group()[0].isdigit() and _adjacent(sentence, matches, i)


# Capitalised words that open a sentence and name no one: pronouns, determiners and other closed-class words.
_NOT_NAMES = (
    STOPWORDS
    | DETERMINERS
    | frozenset(
        "he she they we i you it one someone somebody everyone everybody nobody none who which that also then thus so".split()
    )
)
# The endings of a verb's nouns ("designer", "painting", "foundation"): the action named, not done.
_DOER_SUFFIXES = ("er", "ers", "or", "ors", "ing", "ings", "ion", "ions")


def _common_plural(word: str) -> bool:
    """Whether lower-case ``word`` is the plural of a noun the lexicon knows ("engineers", "monks"; not "williams")."""
    one = singular(word)
    return one != word and bool(synonyms(one))


def _is_titled(word: str) -> bool:
    """Capitalised with lower-case letters after ("Lamport", "McIntyre", "CPython"), not an acronym ("GNU")."""
    return word[0].isupper() and any(c.islower() for c in word[1:])


def _within(match: re.Match[str], spans: list[tuple[int, int]]) -> bool:
    """Whether ``match`` lies inside one of ``spans`` (in order, not overlapping: found by bisection)."""
    k = bisect_right(spans, (match.start(), math.inf)) - 1
    return k >= 0 and match.end() <= spans[k][1]


def _adjacent(sentence: str, matches: list[re.Match[str]], i: int) -> bool:
    """Whether ``matches[i]`` and the next one are separated by one space only, as the words of a name are."""
    return sentence[matches[i].end() : matches[i + 1].start()] == " "


def _bare_number(sentence: str, match: re.Match[str], code: frozenset[str]) -> bool:
    """Whether the ``TERM`` ``match`` is digits alone, with their separators ("1950", "4,000", "2.5"): a quantity or a
    year, no name. Not an index or a value written as code ("heap[0]", a ``0`` its document marks as code)."""
    word = match.group()
    if not word.replace(",", "").replace(".", "").isdigit():
        return False
    return not (match.start() and sentence[match.start() - 1] == "[") and word not in code


def _glued(sentence: str) -> Iterator[re.Match[str]]:
    """The numbers of ``sentence`` with a unit or a scale written onto them ("64KB", "2.5GHz", "8K")."""
    for match in _GLUED.finditer(sentence):
        if (match.group(1) and not match.group(2)) or _written_unit(match):
            yield match


def _written_unit(number: re.Match[str]) -> str | None:
    """What the unit written onto a ``_GLUED`` number measures: "KB" of "64KB" with its scale, else "ms" of "100ms"."""
    unit = (number.group(2) or "").lower()
    return UNIT_DIMENSION.get(number.group(1).lower() + unit) or UNIT_DIMENSION.get(unit)


def _dimension_of(sentence: str, number: re.Match[str]) -> str | None:
    """What the unit of ``number`` measures (a key of ``UNITS``): the unit written onto it ("64KB") or the word after
    it ("1.75 microseconds", "36-bit", "8K words"); None when it has no known unit."""
    if number.re is _GLUED and number.group(2):
        unit, end = _written_unit(number), number.end()
    else:
        after = UNIT_AFTER.match(sentence, number.end())
        unit, end = (UNIT_DIMENSION.get(after.group(1).lower()), after.end()) if after else (None, number.end())
    if unit in ("length", "storage") and (per := _PER_TIME.match(sentence, end)):
        # A distance or an amount of data per unit of time is a speed: "299,792 km per second", "2 MB a second" (an
        # energy per year is still an energy: "2 TWh a year").
        return "rate" if UNIT_DIMENSION.get(per.group(1).lower()) == "time" else unit
    return unit


def shape_of(question: str) -> Shape:
    """Classify ``question`` by the kind of answer it asks for.

    Example:
        >>> shape = shape_of("To how many countries has China supplied vaccines?")
        >>> shape.kind, shape.counted, shape.wants_number
        ('count', frozenset({'count'}), True)

    A question is read up to ``MAX_QUESTION_CHARS``: no question can be longer, and a follow-up rebuilt from a long
    earlier turn is read that far, so its analysis is bounded whatever the conversation holds.
    """
    question = question[:MAX_QUESTION_CHARS]
    numbers = frozenset(m.group().lower() for m in NUMBER.finditer(question))
    words = [word.lower() for word in TERM.findall(question)]  # in order: the first birth or death word is what is asked
    terms = frozenset(words)
    if match := _HOW_MANY.search(question):
        heads = _heads(match.group(1))
        counted = frozenset(stem(word) for word in heads)
        if counted & GENERIC_COUNTED:
            return Shape("count", question_numbers=numbers, question_terms=terms)  # any count answers
        # A count's noun may be named by a synonym ("a 40-floor hotel" counts storeys) or, when it is a compound,
        # by its head ("over 37,000 groups" counts newsgroups).
        kin = frozenset(other for word in heads for other in synonyms(word))
        kin |= frozenset(head for word in heads if (head := compound_head(word)))
        return Shape("count", counted, numbers, question_terms=terms, kin=kin)
    # What a number question measures, by its words ("How much memory ...": a storage): a number in other units does
    # not answer it.
    units = frozenset(dimension for word in terms for dimension in ASKED_DIMENSIONS.get(word, ()))
    if _HOW_MUCH.search(question):
        if MONEY_WORDS.search(question):
            return Shape("money", question_numbers=numbers, question_terms=terms)
        return Shape("number", question_numbers=numbers, question_terms=terms, units=units)
    life = not terms.isdisjoint(LIFE_WORDS)
    vital = next((VITAL_ASKED[word] for word in words if word in VITAL_ASKED), "")
    if _YEAR_Q.search(question):
        return Shape("year", question_numbers=numbers, named=_named(question), life=life, vital=vital)
    if _WHEN_Q.search(question):
        return Shape("date", question_numbers=numbers, named=_named(question), life=life, vital=vital)
    if match := _NUMBER_Q.search(question):
        dimension = _DIMENSION_OF.get((match.group(1) or "").lower(), "")
        span = bool(_DURATION_Q.search(question))
        return Shape(
            "number", question_numbers=numbers, question_terms=terms, dimension=dimension, units=units, vital=vital, span=span
        )
    if match := _MEASURE_Q.search(question):
        dimension = _DIMENSION_OF.get(match.group(1).lower(), "")
        return Shape("number", question_numbers=numbers, question_terms=terms, dimension=dimension, units=units)
    if (match := _NAME_Q.search(question)) and not (match.group(1) is not None and _RELATIVE_WHICH.search(question)):
        # For "which X", ``counted`` holds X's words (four-letter stems: "railway" is met by "railroad").
        kinds, plural, owners, classes = _which_words(match.group(1) or "")
        if match.group(1) is not None and not kinds:
            return Shape("other")  # "Which is faster, lists or tuples?" compares; it names nothing
        wanted = frozenset() if kinds & NAME_CLASSES else kinds
        agent = match.group(1) is None  # who, whom, whose
        owners = owners if kinds & _VERSION_STEMS else frozenset()
        action = _action(who.group(1)) if agent and (who := _WHO_Q.search(question)) else frozenset()
        return Shape(
            "name",
            wanted,
            question_words=_stems(terms),
            question_terms=terms,
            plural=plural,
            agent=agent,
            owners=owners,
            action=action,
            classes=classes,  # for a name class ("which country") too: ``names_kind``, not ``_names``, reads them
        )
    if (where := _WHERE_Q.search(question)) or _NAMED_Q.search(question):
        return Shape("name", question_words=_stems(terms), question_terms=terms, vital=vital if where else "")
    if acronym := _ACRONYM_Q.search(question):
        letters = next(group for group in acronym.groups() if group)
        return Shape("other", question_terms=terms, acronym=letters.lower())
    defined = _DEFINITION_Q.search(question)
    term = " ".join(defined.group(1).split()).lower() if defined else ""
    return Shape("other", question_terms=terms, procedure=bool(_PROCEDURE_Q.search(question)), term=term)


def asking_words(question: str) -> frozenset[str]:
    """The words of ``question`` that say what kind of answer it asks for (``_ASKING``), lower-cased; they are no part of
    what it asks about.

    Example:
        >>> sorted(asking_words("How much money did China donate?")), sorted(asking_words("In what year did it open?"))
        (['money', 'much'], ['year'])
    """
    match = _ASKING.search(question[:MAX_QUESTION_CHARS])
    return frozenset(match.group(match.lastindex or 0).lower().split()) if match else frozenset()


def expands(sentence: str, acronym: str) -> bool:
    """Whether ``sentence`` holds words that spell ``acronym`` (lower-case) by their first letters, in order: "Network
    Time Protocol" expands "ntp", "Right-Hand Side Black List" "rhsbl", "Knowledge In, Bullshit Out" "kibo".

    Words such as "of" and "the" may be left out ("Federal Bureau of Investigation"), and one word may give two or three
    letters ("COmmon Business-Oriented Language"), never the whole acronym. An acronym of five letters or more may also
    leave out other words, two at most in a row ("Massachusetts General Hospital Utility Multi-Programming System":
    MUMPS), which a shorter one may not: its letters are too often spelled by chance. A reading spans at most four words
    per letter, so each word is read a bounded number of times."""
    words = [word.lower() for word in re.findall(r"[^\W_]+", sentence)]
    loose = len(acronym) >= 5
    for start in range(len(words)):
        if words[start][0] != acronym[0]:
            continue
        # Every way the words so far spell the acronym: (letters spelled, words passed over in a row, whether a word
        # has given more than one letter).
        reached = {(k, 0, k > 1) for k in _spelled(words[start], acronym, 0, True)}
        for word in words[start + 1 : start + 1 + 4 * len(acronym)]:
            if any(n == len(acronym) for n, _, _ in reached):
                return True
            small = word in ACRONYM_SKIPS
            following = {(n + k, 0, more or k > 1) for n, _, more in reached for k in _spelled(word, acronym, n, not more)}
            limit = 3 if small else 2 if loose else 0
            following |= {(n, run + 1, more) for n, run, more in reached if run < limit and (small or n)}
            reached = following
            if not reached:
                break
        if any(n == len(acronym) for n, _, _ in reached):
            return True
    return False


def _spelled(word: str, acronym: str, n: int, several: bool) -> list[int]:
    """How many of ``acronym``'s letters from its ``n``-th on ``word`` may spell with its first letters: one, or, when
    ``several``, up to three, but never all of them. A word that begins with the acronym is named after it ("pxelinux",
    "ntpd"), and spells none of it."""
    if word.startswith(acronym):
        return []
    longest = min(3 if several else 1, len(word), len(acronym) - n, len(acronym) - 1) or 1
    return [k for k in range(1, longest + 1) if n + k <= len(acronym) and word[:k] == acronym[n : n + k]]


def _stems(terms: frozenset[str]) -> frozenset[str]:
    """The short stems of a question's words: what a new name must not share a stem with (``Shape.question_words``)."""
    return frozenset(short_stem(word) for word in terms)


# Quote marks around a term ("‘job’", "'conffile'"): a definition's term is read without them.
_QUOTES = re.compile(r"[\"'\u2018\u2019\u201c\u201d]")


def _term_forms(term: str) -> list[str]:
    """The ways a defined term may be written: as asked, in the plural, and with a hyphen as a space or left out
    ("meta-package": "meta-packages", "meta package", "metapackage")."""
    *rest, last = term.split(" ")
    one = " ".join([*rest, singular(last)])  # "meta-packages" asked, "A meta-package is ..." defines it
    bases = {form for word in {term, one} for form in (word, word.replace("-", " "), word.replace("-", ""))}
    return sorted({form for base in bases for form in (base, base + "s", base + "es")}, key=len, reverse=True)


def _action(rest: str) -> frozenset[str]:
    """The words that state what a "who" question asks someone did, from the question's words after "who": "designed
    the JSON format" -> design, designed, designer, ...; empty when it asks who someone is ("was the chief architect
    ...", "is behind ...") or its verb is none WordNet knows.

    Example:
        >>> {"marry", "married", "marriage"} <= _action("did Allan Dwan marry?"), _action("was the chief architect?")
        (True, frozenset())
    """
    words = [word for word in LATIN_WORD.findall(rest) if word.lower() not in ADVERBS]  # "Who first rowed ..."
    if not words:
        return frozenset()
    first, *others = words
    following = others[0] if others else ""
    if first.lower() in COPULAS:
        # "Who was elected ...": a passive names the action (an inflected verb right after); "Who was the architect ...",
        # "Who is responsible ..." ask who someone is, and any name may answer.
        verbs = [] if following.lower() in DETERMINERS or not following.islower() else verb_lemmas(following)
        verbs = [] if following in verbs else verbs
    elif first.lower() in AUXILIARIES:
        # "Who has won ...": the verb right after; "Who did Allan Dwan marry?": a verb after the subject. Which word is
        # the verb is not known ("Who did the team's coach replace?"), so any of them stated will do.
        candidates = [following] if following.islower() and verb_lemmas(following) else others
        verbs = [v for word in candidates if word.islower() and word not in DETERMINERS for v in verb_lemmas(word)]
        verbs = [] if candidates == [following] and _phrasal(others[1:]) else verbs
    else:
        verbs = list(verb_lemmas(first)) if first.islower() and not _phrasal(others) else []
    if LIGHT_VERBS.intersection(verbs) and first.lower() not in COPULAS:
        # "Who gave it that name?", "Who took the photograph?", "Who made the film?": a light verb's object names the
        # action, which a sentence states by its own verb ("he named DDT after ...", "photographed by ...").
        light = (i for i, word in enumerate(words) if word.lower() not in AUXILIARIES and LIGHT_VERBS & set(verb_lemmas(word)))
        verbs = [*verbs, *_object_verbs(words[next(light, len(words)) + 1 :])]
    return frozenset(form for verb in verbs for form in action_forms(verb))


def _phrasal(after: list[str]) -> bool:
    """Whether the words ``after`` a verb start with a particle that makes it a phrasal verb."""
    return bool(after) and after[0].lower() in PARTICLES


def _object_verbs(words: list[str]) -> list[str]:
    """The verbs the object of a light verb is a form of, its head read as the first word after determiners, pronouns and
    names: "(gave) it that name" -> name; "(took) the photograph" -> photograph; "(took) over from ..." -> none."""
    for word in words:
        if word.lower() in DETERMINERS or word.lower() in OBJECT_PRONOUNS or not word.islower():
            continue
        return [verb for verb in verb_lemmas(word) if verb not in LIGHT_VERBS]
    return []


def _named(question: str) -> frozenset[str]:
    """The words of the names ``question`` holds, lower-cased: "In what year did IBM pick Microsoft?" -> ibm, microsoft
    (not "in", capitalised only as the question's first word)."""
    return frozenset(word.lower() for name in question_names(question) for word in name.split())


# What joins the parts of a word that may each state an action: "co-founder", "Lamport's".
_WORD_PARTS = re.compile(r"[-'.]")
# The next whitespace-separated token of a text from a position on.
_NEXT_TOKEN = re.compile(r"\s*(\S+)")


def _which_words(phrase: str) -> tuple[frozenset[str], bool, frozenset[str], frozenset[str]]:
    """Four-letter stems of the lower-case words that say what a "which" question asks for, whether it is plural,
    the other words of the phrase, lower-cased (the names it holds), and the lower-case words as lemmas.

    "Which vice premier spoke at ..." -> {"vice", "prem", "spok"}; "Which COVID-19 vaccine did ..." -> {"vacc"};
    "Which GNOME version ships ..." and "Which version of GNOME ships ..." -> {"vers", ...} and {"gnome"}.
    """
    words: list[str] = []
    names: list[str] = []
    for match in LATIN_WORD.finditer(phrase):
        word = match.group()
        if word.lower() in PHRASE_END or (words and (word.lower().endswith("ed") or word.lower() in ADVERBS)):
            if words and word.lower() == "of":
                # "Which version of GNOME ...": the names right after "of" are whose version is asked, as in "Which GNOME
                # version ...".
                names += _names_from(phrase, match.end())
            break
        following = _NEXT_TOKEN.match(phrase, match.end())  # not a split of the rest: linear in the phrase's length
        if words and _is_verb(word, following.group(1) if following else "", words[-1]):
            break  # "Which package | provides the DHCP server?": the verb ends the phrase
        (words if word.islower() else names).append(word)
    plural = bool(words) and words[-1].endswith("s") and not words[-1].endswith("ss")
    stems, lemmas = frozenset(short_stem(word) for word in words), frozenset(lemma(word) for word in words)
    return stems, plural, frozenset(name.lower() for name in names), lemmas


def _names_from(phrase: str, start: int) -> list[str]:
    """The capitalised words that follow ``start`` in ``phrase`` one after the other ("of | Debian GNU/Linux does")."""
    names = []
    for match in LATIN_WORD.finditer(phrase, start):
        if phrase[start : match.start()].strip(" ") or match.group().islower():
            break
        names.append(match.group())
        start = match.end()
    return names


def _bare_word(token: str) -> str:
    """A token of a question without the punctuation around it ("server?" -> "server")."""
    return token.strip(".,;:!?()[]\"'“”‘’")


# Words that follow a "which X" phrase's verb, never one of its nouns: an object pronoun (``OBJECT_PRONOUNS``: "Which
# module lets | me tie ...?", "Which novel got | him the prize?"), or a clause after a verb in "-s" ("Which option
# changes | where checkouts go?", "Which setting limits | how deep a graph is?"; a noun may end the phrase there: "Which
# setting tells doxygen | where ...?").
_CLAUSE_OPENERS = frozenset(QUESTION_WORDS.split("|")) | {"whether", "if"}
# Before a particle of a phrasal verb (``PARTICLES``: "writes | out", "went | on") only a word that is a verb by its form
# ends a "which X" phrase (``_is_verb``). A noun of X is followed by a preposition ("Which config files | in /etc ...?",
# "Which log files | on the server ...?"), so after one of ``PREPOSITIONS`` only an irregular past does ("came | up").


def _is_verb(word: str, following: str, before: str = "") -> bool:
    """Whether ``word``, after the first word of a "which X" phrase (the word ``before`` it), is its verb ("provides",
    "ship", "made") rather than a noun of X ("types", "packages").

    A noun of the phrase is followed by another noun or by its verb ("Which file system types | does mount
    support?"); a verb by its object, which starts with a determiner, a name, a number, a path or an option
    ("provides | the DHCP server", "contains | /etc/motd", "ship | GNOME 43", "made | GRUB 2 the default"), a pronoun,
    or a clause ("changes | where checkouts go", "re-runs | the check"). Before a particle ("writes out", "went on"),
    a verb by its form: an irregular past ("went"), or a verb's "-s" after a noun in the singular, as a subject and its
    verb agree ("command | writes out"; not "config files in ...", whose "in" may begin a place).
    """
    if not (word.islower() and word.replace("-", "").isalpha()):
        return False
    bare = _bare_word(following)
    nxt = bare.lower()
    if nxt in OBJECT_PRONOUNS or (nxt in _CLAUSE_OPENERS and word.endswith("s") and not word.endswith("ss")):
        return True  # "lets | me ...", "got | him ...", "changes | where ...": not "tells doxygen | where ..."
    if (nxt in PARTICLES or nxt in PREPOSITIONS) and verb_lemmas(word):
        if irregular_past(word):
            return True  # "Which psychiatrist | came up with ...", "Which designer | went on to ..."
        if nxt in PARTICLES:
            return word.endswith("s") and not word.endswith("ss") and not before.endswith("s")  # "command | writes out"
    return bool(bare) and (nxt in DETERMINERS or not bare.islower() or not bare.isalpha())


def _heads(phrase: str) -> list[str]:
    """The nouns a "how many" phrase counts: its last word, and each word before "and"/"or".

    "Kyrgyz hospital and clinic employees were trained" -> ["employees", "hospital"].
    """
    words: list[str] = []
    phrase_words = LATIN_WORD.findall(phrase)
    for i, word in enumerate(phrase_words):
        # The phrase ends at a preposition or auxiliary, at a past-tense verb ("workers | died"), or at the
        # dimension a count measures ("how many bits | wide").
        if word.lower() in PHRASE_END or word.lower() in _DIMENSION_OF or (words and word.lower().endswith("ed")):
            break
        words.append(word)
        # "How many" counts a plural, and its noun phrase ends there unless another follows ("countries and
        # regions"): "people | took part", "countries | got vaccines", "students | attend" (verbs that neither
        # end in "-ed" nor follow an auxiliary).
        coordinated = i + 1 < len(phrase_words) and phrase_words[i + 1].lower() in ("and", "or")
        if _is_plural(word) and not coordinated:
            break
    heads = [words[-1]] if words else []
    heads += [words[i - 1] for i, word in enumerate(words) if word.lower() in ("and", "or") and i > 0]
    return heads
