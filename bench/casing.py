"""Questions typed in haste: every question set asked as written and again in lower case without its question mark.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py                  # both halves of every set (casing.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/casing.py --split tune     # one half

Many people type "how many experts did china send to italy". The answerer reads a question's names by their capitals
("China", "Italy": a number is quoted only from a passage about them; a "who" answer must name someone the question
does not), so a question typed without them may be answered otherwise. Each question of the chosen halves is asked
both ways, over its set's cached index (``bench/eval.py`` builds them), and each answer judged as ``bench/eval.py``
judges it: right (holds a gold answer), wrong (answered, no gold answer; any answer to an unanswerable question) or
refused.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS, Question
from bench.eval import clip, outcome, ratio, synced_question_sets

HEADERS = ["half", "typed", "right", "wrong", "refused", "wrong-answer rate", "right - 2 x wrong"]


def hastily(question: str) -> str:
    """``question`` as typed in haste: lower case, without its question mark."""
    return question.lower().rstrip().rstrip("?").rstrip()


def asked(assistant: Any, question: Question, text: str) -> str:
    """``text`` asked for ``question``, its answer judged (``bench.eval.outcome``)."""
    return outcome(question, assistant.ask(text).complete())


def row(half: str, typed: str, outcomes: Counter[str]) -> list[object]:
    right, wrong = outcomes["right"], outcomes["wrong"]
    return [half, typed, right, wrong, outcomes["refused"], ratio(wrong, right + wrong), right - 2 * wrong]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    halves = ["tune", "heldout"] if (split := parser.parse_args(argv).split) == "all" else [split]
    tallies = {(half, typed): Counter[str]() for half in halves for typed in ("as written", "in haste")}
    changed = []
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        for question in (q for q in dataset.questions if q.split in halves):
            written = asked(citewise.assistant, question, question.question)
            typed = asked(citewise.assistant, question, hastily(question.question))
            tallies[question.split, "as written"][written] += 1
            tallies[question.split, "in haste"][typed] += 1
            if typed != written:
                changed.append([name, question.split, question.id, written, typed, clip(question.question, 400)])
    lines = [f"# Questions typed in haste (lower case, no question mark): {', '.join(QUESTION_SETS)}", "", machine_line(), ""]
    lines += [markdown_table(HEADERS, [row(*key, tally) for key, tally in tallies.items()]), ""]
    lines += ["## Questions answered otherwise in haste", ""]
    lines += [markdown_table(["set", "half", "id", "as written", "in haste", "question"], changed, text=[0, 1, 2, 3, 4, 5])]
    publish("casing.md" if split == "all" else f"casing_{split}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
