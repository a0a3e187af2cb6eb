"""Questions with a typing slip: every question set asked as written and again with a slip in one of its words.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/spelling.py                  # tuning halves of every set (spelling_tune.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/spelling.py --split heldout  # held-out halves (spelling_heldout.md)

A name typed "Chian" is in no document, so the question it is in is refused (its names must be mentioned by the
passages answered from) or answered from other passages. A refusal offers the question respelled when the words the
index lacks are a slip away from words of the passages found (``Assistant._respelled``; ``Answer.suggestion``). Each
question of the chosen halves is asked as written and with a slip in one of its words of five letters or more, after
its first letter: two neighbouring letters swapped, one left out or one typed twice (the word, the kind and the place
drawn by a seed per question), over its set's cached index (``bench/eval.py`` builds them). Counted: what the slip
does to the answer (right, wrong, refused, as ``bench/eval.py`` judges them), how often a refusal's suggestion gives
back the question as written, and how often a question asked as written, refused, is offered a respelling it did not
need.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS, Question
from bench.eval import clip, outcome, synced_question_sets
from index.text import WORD

SLIPPED_LETTERS = 5  # the shortest word given a slip: a slip in a shorter one makes another word as often


SLIPS = ("swapped", "left out", "typed twice")


def slipped(question: Question, name: str) -> tuple[str, str] | None:
    """``question`` with a slip in one of its longer words, and the slip's kind (None when it has no such word)."""
    rng = random.Random(f"{name}:{question.id}")
    words = [m for m in WORD.finditer(question.question) if m.group().isalpha() and len(m.group()) >= SLIPPED_LETTERS]
    if not words:
        return None
    match, kind = rng.choice(words), rng.choice(SLIPS)
    word = match.group()
    if kind == "swapped" and (places := [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]):
        i = rng.choice(places)
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif kind == "left out":
        i = rng.randrange(1, len(word))
        typo = word[:i] + word[i + 1 :]
    else:
        kind, i = "typed twice", rng.randrange(1, len(word))
        typo = word[:i] + word[i] + word[i:]
    return question.question[: match.start()] + typo + question.question[match.end() :], kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout"], default="tune")
    split = parser.parse_args(argv).split
    written_tally, slip_tally, offered = Counter[str](), Counter[str](), Counter[str]()
    refused, restored = Counter[str](), Counter[str]()  # per kind of slip: refused, and respelled back as written
    examples: list[list[object]] = []
    needless: list[list[object]] = []
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        for question in (q for q in dataset.questions if q.split == split):
            if (slip := slipped(question, name)) is None:
                continue
            typo, kind = slip
            written = citewise.assistant.ask(question.question).complete()
            written_tally[outcome(question, written)] += 1
            if written.suggestion:
                needless.append([name, question.id, clip(question.question, 200), clip(written.suggestion, 200)])
            answer = citewise.assistant.ask(typo).complete()
            slip_tally[result := outcome(question, answer)] += 1
            if result != "refused":
                continue
            refused[kind] += 1
            if not answer.suggestion:
                offered["none"] += 1
            elif answer.suggestion.casefold() == question.question.casefold():
                offered["the question as written"] += 1
                restored[kind] += 1
                examples.append([name, question.id, clip(typo, 200), "the question as written"])
            else:
                offered["another question"] += 1
                examples.append([name, question.id, clip(typo, 200), clip(answer.suggestion, 200)])
    asked = sum(written_tally.values())
    lines = [f"# Questions with a typing slip ({split} halves of: {', '.join(QUESTION_SETS)})", "", machine_line(), ""]
    lines += [f"{asked} questions with a word of {SLIPPED_LETTERS} letters or more.", ""]
    kinds = ("right", "wrong", "refused")
    rows = [["as written", *(written_tally[k] for k in kinds)], ["with a slip", *(slip_tally[k] for k in kinds)]]
    lines += [
        markdown_table(["asked", *kinds], rows),
        "",
        f"Refused with a slip ({slip_tally['refused']}): respelled back to the question as written "
        f"{offered['the question as written']}, to another question {offered['another question']}, not respelled "
        f"{offered['none']}. Refused as written and offered a respelling anyway: {len(needless)} of "
        f"{written_tally['refused']}.",
        "",
        markdown_table(
            ["slip", "refused", "respelled back to the question as written"],
            [[kind, refused[kind], restored[kind]] for kind in SLIPS],
        ),
        "",
        "## Suggestions",
        "",
        markdown_table(["set", "id", "asked", "suggested"], examples, text=[0, 1, 2, 3]),
        "",
        "## Respellings offered to questions asked as written",
        "",
        markdown_table(["set", "id", "asked", "suggested"], needless, text=[0, 1, 2, 3]),
    ]
    publish(f"spelling_{split}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
