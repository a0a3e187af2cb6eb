"""'Tell me more' after every answered question of the question sets' tuning halves (``Assistant._more``).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/more.py          # more.md

Each answered question of the chosen half is taken with the answer it got (``bench/results/<set>_details.jsonl``, the
committed run of ``bench/eval.py``), and "Tell me more" is asked after it. Counted: how many are read on (answered; a
refusal when the document the answer quoted ends with it), whether any sentence is said twice (never, by design: checked),
whether each comes from a document the first answer cited, and, for an answer that did not hold the gold answer, whether
reading on finds it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import Turn
from bench.common import RESULTS, machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS
from bench.eval import clip, contains_answer, synced_question_sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["tune", "heldout"], default="tune")
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    found: list[list[object]] = []
    twice: list[list[object]] = []
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        questions = {q.id: q for q in dataset.questions}
        rows = [json.loads(line) for line in (RESULTS / f"{name}_details.jsonl").read_text("utf-8").splitlines()]
        for row in (r for r in rows if r["split"] == args.split and not r["refused"]):
            history = [Turn("user", row["question"]), Turn("assistant", row["answer"])]
            more = citewise.assistant.ask("Tell me more", history).complete()
            counts["answered questions"] += 1
            if more.refused:
                counts["refused"] += 1
                continue
            counts["read on"] += 1
            if repeated := [s.text for s in more.sentences if s.text in row["answer"]]:
                counts["a sentence said twice"] += 1
                twice.append([name, row["id"], clip(row["answer"], 200), clip(" / ".join(repeated), 200)])
            cited = {c["source"] for c in row["citations"]}
            counts["from a document the answer cited"] += {c.source for c in more.citations} <= cited
            if row["answerable"] and not row["correct"]:
                counts["answer without gold: read on"] += 1
                if contains_answer(questions[row["id"]], more.text):
                    counts["answer without gold: reading on finds it"] += 1
                    found.append([name, row["id"], clip(row["question"], 120), clip(more.text, 200)])
    lines = [f"# 'Tell me more' after the {args.split} halves' answers", "", machine_line(), ""]
    lines += [markdown_table(["count", "questions"], [[key, value] for key, value in counts.items()], text=[0]), ""]
    lines += ["## Answers without the gold answer whose reading on holds it", ""]
    lines += [markdown_table(["set", "id", "question", "read on"], found, text=[0, 1, 2, 3])]
    lines += ["", "## Reading on that repeats the answer's words (a sentence of it inside the answer's text)", ""]
    lines += [markdown_table(["set", "id", "answer", "repeated"], twice, text=[0, 1, 2, 3])]
    publish("more.md" if args.split == "tune" else f"more_{args.split}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
