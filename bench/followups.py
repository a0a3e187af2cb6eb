"""Follow-up questions in a conversation over the seeds: answered when the documents say it, refused when they do not.

``bench/data/followups_qa.jsonl`` holds a question and a follow-up that leans on it ("Who led them?");
about half the follow-ups ask for a fact the documents do not hold. Its ``split`` column keeps the
conversations the follow-up rules were tuned on apart from the held-out ones, written before the rules
were scored on them. Usage: ``python bench/followups.py [--split heldout|tune|all]``.

``--bars -3.9,-3.8,-3.7`` instead asks every follow-up once per value of the follow-up bar
(``CITEWISE_MIN_FOLLOW_UP_SCORE``) and writes ``followups_bars.md``: the bar is chosen on the tuning rows,
where right answers minus wrong ones peak (the lowest bar of the peak, which answers the most).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from common import SEEDS, machine_line, markdown_table, publish, read_jsonl, say, settings_for, work_folder


@dataclass
class Outcome:
    """One follow-up, as asked after its question."""

    split: str
    question: str
    follow_up: str
    answerable: bool
    refused: bool
    right: bool  # answered and holding a gold answer
    answer: str


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def ask_all(rows: list[dict], folder: Path, bars: list[float | None]) -> dict[float | None, list[Outcome]]:
    """Ask every row's question, then its follow-up with the first answer as the conversation, once per follow-up
    bar (None: the configured one)."""
    import shutil

    from assistant import build_citewise
    from assistant.history import Turn

    docs = Path(shutil.copytree(SEEDS, folder / "docs"))
    citewise = build_citewise(settings_for(folder / "data", docs))
    citewise.sync()
    histories = []
    for row in rows:
        first = citewise.assistant.ask(row["question"])
        histories.append([Turn("user", row["question"]), Turn("assistant", "".join(first.tokens()))])
    outcomes: dict[float | None, list[Outcome]] = {}
    configured = citewise.assistant.extractive.min_follow_up_score
    for bar in bars:
        citewise.assistant.extractive.min_follow_up_score = configured if bar is None else bar
        outcomes[bar] = []
        for row, history in zip(rows, histories, strict=True):
            answer = citewise.assistant.ask(row["follow_up"], history)
            text = "".join(answer.tokens())
            right = not answer.refused and any(normalise(gold) in normalise(text) for gold in row["answers"])
            outcome = Outcome(row["split"], row["question"], row["follow_up"], row["answerable"], answer.refused, right, text)
            outcomes[bar].append(outcome)
    return outcomes


def summary(split: str, outcomes: list[Outcome]) -> list[str]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    given = [o for o in outcomes if not o.refused]
    wrong = [o for o in given if not o.right]
    return [
        split,
        f"{sum(o.right for o in answerable)}/{len(answerable)}",
        f"{sum(o.refused for o in unanswerable)}/{len(unanswerable)}",
        f"{len(wrong)}/{len(given)}",
    ]


def misses(outcomes: list[Outcome]) -> list[list[str]]:
    return [
        [
            o.split,
            o.question,
            o.follow_up,
            "answerable" if o.answerable else "not in the documents",
            " ".join(o.answer[:120].split()).replace("|", "/"),
        ]
        for o in outcomes
        if (o.answerable and not o.right) or (not o.answerable and not o.refused)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="all")
    parser.add_argument("--bars", type=lambda text: [float(x) for x in text.split(",")], help="follow-up bars to sweep")
    args = parser.parse_args()
    rows = [row for row in read_jsonl("followups_qa.jsonl") if args.split in ("all", row["split"])]
    say(f"{len(rows)} follow-ups")
    with work_folder("citewise-followups-", keep=False) as folder:
        outcomes = ask_all(rows, folder, args.bars or [None])
    headers = ["split", "answerable: answer holds gold", "not in the documents: refused", "wrong answers / answers given"]
    if args.bars:
        swept = [[bar, *row] for bar, found in outcomes.items() for row in per_split(found)]
        sections = [
            "# The follow-up bar, swept over the seeds' follow-ups",
            machine_line(),
            markdown_table(["bar", *headers], swept),
        ]
        name = "followups_bars.md"
    else:
        sections = [
            "# Follow-up questions over the seeds",
            machine_line(),
            markdown_table(headers, per_split(outcomes[None])),
            "## Misses",
            markdown_table(["split", "question", "follow-up", "kind", "answer"], misses(outcomes[None])),
        ]
        name = "followups.md"
    publish(name, ["\n\n".join(sections)])


def per_split(outcomes: list[Outcome]) -> list[list[str]]:
    """The summary row of each split present, tuning first."""
    return [
        summary(split, [o for o in outcomes if o.split == split]) for split in sorted({o.split for o in outcomes}, reverse=True)
    ]


if __name__ == "__main__":
    main()
