"""Questions worded otherwise: every question set asked as written and again typed in haste, asked indirectly, or
asked for as a request about its subject.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py                  # both halves of every set, in haste (casing.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --split tune     # one half (casing_tune.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording indirect --split tune   # indirect_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording request --split tune    # requests_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording command --split tune    # commands_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording chatty --split tune     # chatty_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording terse --split tune      # terse_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording names --split tune      # names_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --wording capitals --split tune   # capitals_tune.md

Many people type "how many experts did china send to italy". The answerer reads a question's names by their capitals
("China", "Italy": a number is quoted only from a passage about them; a "who" answer must name someone the question
does not), so a question typed without them may be answered otherwise. In a chat many also ask indirectly: "Can you
tell me how many experts China sent to Italy?", "Do you know which ...?". Each question of the chosen halves is asked
both ways, over its set's cached index (``bench/eval.py`` builds them), and each answer judged as ``bench/eval.py``
judges it: right (holds a gold answer), wrong (answered, no gold answer; any answer to an unanswerable question) or
refused. The indirect wording is given only to questions that open with a question word (at most two words before
it: "In what year ..."), each one of ``OPENERS`` chosen by its id, so every run asks the same. And many ask for what
the documents say on a subject: "Tell me about ...", "Explain ...". The request wording is given to the definition
questions that name their subject whole ("What is a coprocess in Bash?" -> "Tell me about a coprocess in Bash"), and
each set's requests about subjects none of its pages mentions (``requests_absent.jsonl``) are asked too: refused is
right for them. A question "What is the ...?" is also asked as a command, as many type it ("Tell me the default
port", "List the ..."). And a question that opens with a question word is asked in a greeting and thanks ("Hi, how
...? Thanks"), and every question as the search terms a user might type instead ("China donate WHO"), or as the
names it holds alone ("China WHO"), and every question typed in capitals ("HOW MUCH DID CHINA DONATE TO THE
WHO?"). Each wording's table also counts what the refusals of answerable questions offer to read
(``Answer.closest``): a gold passage, or nothing; now, and as the relevance cut-off alone offered.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer import CLOSEST_PASSAGES
from assistant.shapes import asking_words
from bench.common import machine_line, markdown_table, publish, read_jsonl
from bench.corpus import QUESTION_SETS, Question
from bench.eval import Judge, as_hit, clip, outcome, outcome_cells, synced_question_sets
from index.text import QUESTION_WORDS, content_words, question_names

HEADERS = ["half", "asked", "right", "wrong", "refused", "wrong-answer rate", "right - 2 x wrong"]
# What the refusals of answerable questions offer to read (``Answer.closest``): now, and as the relevance cut-off
# alone offered before the passages holding every word of the query were offered too.
OFFERED = [
    "half",
    "asked",
    "answerable refused",
    "offering a gold passage",
    "offering nothing",
    "by the cut-off alone: a gold passage",
    "by the cut-off alone: nothing",
]
# How people open a question they ask indirectly; the question follows as they would ask it directly.
OPENERS = ("Can you tell me ", "Do you know ", "Please tell me ", "I'd like to know ", "Could you please tell me ")
_DIRECT = re.compile(rf"^(?:[\w'-]+\s+){{0,2}}(?:{QUESTION_WORDS})\b", re.I)


def hastily(question: str) -> str:
    """``question`` as typed in haste: lower case, without its question mark."""
    return question.lower().rstrip().rstrip("?").rstrip()


def indirectly(question: Question) -> str:
    """``question`` asked indirectly ("Can you tell me how ...?"), or "" when it does not open with a question word."""
    text = question.question
    if not _DIRECT.match(text):
        return ""
    return _pick(question, OPENERS) + _continued(text)


def _continued(text: str) -> str:
    """``text`` as it reads after an opening: its first word lower-cased when it is a plain capitalised word ("How",
    "In"), not a name or an acronym ("DFSG"), which stays as written."""
    first = text.split(maxsplit=1)[0]
    return text[0].lower() + text[1:] if first[:1].isupper() and first[1:].islower() else text


# What people put around a question in a chat: a greeting before it, thanks after it (each drawn by the question's id).
GREETINGS = ("Hi, ", "Hello! ", "Hey, quick question: ", "OK so ", "")
THANKS = (" Thanks", " Thanks in advance!", " thx", " Thank you!", "")


def chattily(question: Question) -> str:
    """``question`` with a greeting before it and thanks after it ("Hi, how ...? Thanks"), one of them perhaps left
    out, or "" when it does not open with a question word."""
    text = question.question
    if not _DIRECT.match(text):
        return ""
    greeting, thanks = _pick(question, GREETINGS), THANKS[int(hashlib.sha256(question.id.encode()).hexdigest(), 16) // 7 % 5]
    if not greeting and not thanks:
        greeting = GREETINGS[0]
    if greeting and not greeting.endswith("! "):
        text = _continued(text)  # "Hi, how ...", but "Hello! How ..."
    return greeting + text + thanks


_LETTER = re.compile(r"[^\W\d]")  # "I'm" and "isn't" split into "m" and "t": no term of their own


def tersely(question: Question) -> str:
    """``question`` typed as search terms: its content words in their order, without the words that only ask for a
    kind of answer ("How much did China donate to the WHO?" -> "China donate WHO"); "" when fewer than two are left."""
    asking = asking_words(question.question)
    words = [word for word in content_words(question.question) if word.lower() not in asking and not _LETTER.fullmatch(word)]
    return " ".join(words) if len(words) >= 2 else ""


def named(question: Question) -> str:
    """``question`` typed as the names it holds, the shortest search ("How many experts did China send to Italy?" ->
    "China Italy"); "" when it names nothing (``question_names``)."""
    return " ".join(question_names(question.question))


# How people ask for what the documents say on a subject ("Tell me about ..."); the subject follows.
REQUESTS = ("Tell me about ", "Explain ", "Describe ", "What can you tell me about ", "Give me an overview of ")
# A definition question that names its subject whole: "What is a coprocess in Bash?", "What does piuparts do?", "What
# does the term zero-day exploit mean?". Not one whose subject ends in a preposition ("What is Tails short for?") or
# goes on ("..., and how does it differ?").
_DEFINITION = re.compile(
    r"^(?:what|who)\s+(?:exactly\s+)?(?:is|are|was|were)\s+(?P<subject>[^?,]+?)\s*\?$"
    r"|^what\s+(?:does|do)\s+(?P<doer>[^?,]+?)\s+(?:do|mean)\s*\?$",
    re.I,
)
_LOOSE_END = re.compile(r"\b(?:of|for|to|by|with|from|in|on|at|as|about|called|meant|short|equal|and\s+how)\b", re.I)
ABSENT = Path(__file__).resolve().parent / "data" / "requests_absent.jsonl"
# How people ask "What is the ...?" as a command, typed without a closing mark; "What are ...?" is asked "List ...".
COMMANDS = ("Tell me ", "Give me ", "Name ")
_WHAT_IS = re.compile(r"^what(?:'s|\s+is|\s+was|(?P<many>\s+are|\s+were))\s+(?P<rest>the\s+[^?]+?)\s*\?$", re.I)


def _pick(question: Question, openings: tuple[str, ...]) -> str:
    """One of ``openings``, chosen by the question's id: every run words each question alike."""
    return openings[int(hashlib.sha256(question.id.encode()).hexdigest(), 16) % len(openings)]


def requested(question: Question) -> str:
    """A definition question asked as a request for its subject ("What is a coprocess in Bash?" -> "Explain a
    coprocess in Bash"), or "" for any other question."""
    match = _DEFINITION.match(question.question)
    if question.kind != "definition" or not match:
        return ""
    subject = match.group("subject") or match.group("doer")
    if _LOOSE_END.search(subject.rsplit(maxsplit=1)[-1]) or " and how " in subject:
        return ""
    opening = _pick(question, REQUESTS)
    return opening + subject + ("?" if opening.startswith("What") else "")


def commanded(question: Question) -> str:
    """A "What is the ...?" question asked as a command ("What is the default port?" -> "Tell me the default port"),
    or "" for any other question."""
    match = _WHAT_IS.match(question.question)
    if not match:
        return ""
    return ("List " if match.group("many") else _pick(question, COMMANDS)) + match.group("rest")


def absent_requests(name: str) -> list[Question]:
    """The requests about subjects no page of set ``name`` mentions (``requests_absent.jsonl``, each checked by
    ``python bench/corpus.py --requests``): a refusal is right, any answer wrong."""
    rows = [row for row in read_jsonl(ABSENT.name) if row["set"] == name]
    return [Question(row["request"], id=row["id"], corpus=name, kind="request", split=row["split"]) for row in rows]


# The wordings: the label of the table's row, how a question is reworded, the results file's stem and its title.
WORDINGS: dict[str, tuple[str, Callable[[Question], str], str, str]] = {
    "haste": ("in haste", lambda q: hastily(q.question), "casing", "Questions typed in haste (lower case, no question mark)"),
    "capitals": ("in capitals", lambda q: q.question.upper(), "capitals", "Questions typed in capitals (caps lock on)"),
    "indirect": ("indirectly", indirectly, "indirect", "Questions asked indirectly (" + ", ".join(map(repr, OPENERS)) + ")"),
    "chatty": (
        "greeted and thanked",
        chattily,
        "chatty",
        "Questions in a greeting and thanks (" + ", ".join(map(repr, GREETINGS + THANKS)) + ")",
    ),
    "terse": ("as search terms", tersely, "terse", "Questions typed as search terms (their content words)"),
    "names": ("as its names", named, "names", "Questions typed as the names they hold"),
    "command": (
        "as a command",
        commanded,
        "commands",
        "What-is questions asked as commands (" + ", ".join(map(repr, COMMANDS)) + ", 'List ')",
    ),
    "request": (
        "as a request",
        requested,
        "requests",
        "Definitions asked for as requests (" + ", ".join(map(repr, REQUESTS)) + ")",
    ),
}


def asked(assistant: Any, judge: Judge, question: Question, text: str, offers: Counter[str]) -> str:
    """``text`` asked for ``question``, its answer judged (``bench.eval.outcome``); a refusal of an answerable question
    counted in ``offers`` by what it offers to read, now and by the cut-off alone (see ``OFFERED``)."""
    answer = assistant.ask(text).complete()
    judged = outcome(question, answer)
    if judged == "refused" and question.answerable:
        offers["refused"] += 1
        for key, passages in (("now", answer.closest), ("cut-off", answer.retrieval.relevant[:CLOSEST_PASSAGES])):
            gold = any(judge.is_gold(question, as_hit(p)) for p in passages)
            offers[f"{key} gold"] += gold
            offers[f"{key} nothing"] += not passages
    return judged


def row(half: str, typed: str, outcomes: Counter[str]) -> list[object]:
    return [half, typed, *outcome_cells(outcomes)]


def offered_row(half: str, typed: str, offers: Counter[str]) -> list[object]:
    keys = ("refused", "now gold", "now nothing", "cut-off gold", "cut-off nothing")
    return [half, typed, *(offers[key] for key in keys)]


def ask_absent(assistant: Any, name: str, halves: list[str], tallies: dict[tuple[str, str], Counter[str]]) -> list[list[object]]:
    """Ask set ``name``'s requests about absent subjects, count them under "absent subject"; the answered ones' rows."""
    answered: list[list[object]] = []
    for question in (q for q in absent_requests(name) if q.split in halves):
        answer = assistant.ask(question.question).complete()
        tallies.setdefault((question.split, "absent subject"), Counter())[outcome(question, answer)] += 1
        if not answer.refused:
            answered.append([name, question.split, question.id, question.question, clip(answer.text, 300)])
    return answered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    parser.add_argument("--wording", choices=sorted(WORDINGS), default="haste")
    args = parser.parse_args(argv)
    halves = ["tune", "heldout"] if args.split == "all" else [args.split]
    label, reword, stem, title = WORDINGS[args.wording]
    tallies = {(half, typed): Counter[str]() for half in halves for typed in ("as written", label)}
    offers = {key: Counter[str]() for key in tallies}
    changed: list[list[object]] = []
    answered: list[list[object]] = []
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        judge = Judge(dataset)
        for question in (q for q in dataset.questions if q.split in halves):
            if not (text := reword(question)):
                continue
            written = asked(citewise.assistant, judge, question, question.question, offers[question.split, "as written"])
            typed = asked(citewise.assistant, judge, question, text, offers[question.split, label])
            tallies[question.split, "as written"][written] += 1
            tallies[question.split, label][typed] += 1
            if typed != written:
                changed.append([name, question.split, question.id, written, typed, clip(text, 400)])
        if args.wording == "request":
            answered += ask_absent(citewise.assistant, name, halves, tallies)
    lines = [f"# {title}: {', '.join(QUESTION_SETS)}", "", machine_line(), ""]
    lines += [markdown_table(HEADERS, [row(*key, tally) for key, tally in tallies.items()]), ""]
    lines += ["What the refusals of answerable questions offer to read (up to three passages):", ""]
    lines += [markdown_table(OFFERED, [offered_row(*key, offer) for key, offer in offers.items()]), ""]
    lines += [f"## Questions answered otherwise {label}", ""]
    lines += [markdown_table(["set", "half", "id", "as written", label, "asked"], changed, text=[0, 1, 2, 3, 4, 5])]
    if args.wording == "request":
        lines += ["", f"## Requests about absent subjects answered ({ABSENT.name})", ""]
        lines += [markdown_table(["set", "half", "id", "request", "answer"], answered, text=[0, 1, 2, 3, 4])]
    publish(f"{stem}.md" if args.split == "all" else f"{stem}_{args.split}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
