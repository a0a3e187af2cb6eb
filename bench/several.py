"""Two questions in one message, as chat users send them: every two questions of a half, asked together.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/several.py --split tune       # several_tune.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/several.py --split heldout    # several_heldout.md

The questions of each set's half are taken in the order of their ids, two by two, and each pair is sent as one message
("How much did China donate to the WHO? How many employees were trained in Kyrgyzstan?"): the pairs that read as two
questions (``questions_in``: the second opens as a question does), over the set's cached index. Each pair is asked
twice in the same process: as one message is read now (each question answered in turn, ``Assistant._several``), and
read whole as one question, as before (``questions_in`` switched off). Each question of a pair is judged as
``bench/eval.py`` judges an answer: now, by the paragraph that answers it; before, by the one answer the message got
(refused, or right when it holds the question's gold answer, else wrong). Beside them, each question as it was answered
asked alone (the committed run, ``bench/results/<set>_details.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS, Question
from bench.eval import clip, judged, outcome_cells, synced_question_sets
from index.text import questions_in

HEADERS = ["asked", "right", "wrong", "refused", "wrong-answer rate", "right - 2 x wrong"]


def pairs(questions: list[Question]) -> Iterator[tuple[Question, Question]]:
    """The questions two by two in the order of their ids, each pair that reads as two questions in one message."""
    ordered = sorted(questions, key=lambda question: question.id)
    for first, second in zip(ordered[::2], ordered[1::2], strict=False):
        if questions_in(message(first, second)) == [first.question, second.question]:
            yield first, second


def message(first: Question, second: Question) -> str:
    return f"{first.question} {second.question}"


def now(answer: Any, first: Question, second: Question) -> tuple[str, str]:
    """Each question judged by the paragraph of the joined answer that answers it (its bold question taken off)."""
    head, _, tail = answer.text.partition(f"\n\n**{second.question}** ")
    saids = (head.removeprefix(f"**{first.question}** "), tail)
    first_said, second_said = (
        judged(q, said.startswith("Not found in your documents"), said) for q, said in zip((first, second), saids, strict=True)
    )
    return first_said, second_said


def row(asked: str, outcomes: Counter[str]) -> list[object]:
    return [asked, *outcome_cells(outcomes)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout"], default="tune")
    args = parser.parse_args(argv)
    tallies = {
        asked: Counter[str]() for asked in ("each asked alone", "in one message, read whole (before)", "in one message (now)")
    }
    changed: list[list[object]] = []
    count = 0
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        rows = [json.loads(line) for line in (RESULTS / f"{name}_details.jsonl").read_text("utf-8").splitlines()]
        alone = {r["id"]: "refused" if r["refused"] else "right" if r["correct"] else "wrong" for r in rows}
        for first, second in pairs([q for q in dataset.questions if q.split == args.split]):
            count += 1
            joined = citewise.assistant.ask(message(first, second)).complete()
            with mock.patch("assistant.chat.questions_in", lambda text: [text]):
                whole = citewise.assistant.ask(message(first, second)).complete()
            for question, outcome in zip((first, second), now(joined, first, second), strict=True):
                before = judged(question, whole.refused, whole.text)
                tallies["each asked alone"][alone[question.id]] += 1
                tallies["in one message, read whole (before)"][before] += 1
                tallies["in one message (now)"][outcome] += 1
                if outcome != alone[question.id]:
                    changed.append([name, question.id, clip(question.question, 120), alone[question.id], before, outcome])
    lines = [f"# Two questions in one message: the {args.split} halves of {', '.join(QUESTION_SETS)}", "", machine_line(), ""]
    lines += [f"{count} pairs ({2 * count} questions).", ""]
    lines += [markdown_table(HEADERS, [row(asked, tally) for asked, tally in tallies.items()], text=[0]), ""]
    lines += ["## Questions answered otherwise in one message than alone", ""]
    lines += [markdown_table(["set", "id", "question", "alone", "before", "now"], changed, text=[0, 1, 2, 3, 4, 5])]
    publish(f"several_{args.split}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
