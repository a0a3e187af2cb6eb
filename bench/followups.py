"""Follow-up questions in a conversation: answered when the documents say it, refused when they do not.

Each row is a question and a follow-up after it: one that leans on the conversation ("Who led them?", "And its
population?") or a new standalone question that the conversation must not bend. About 40 % of the follow-ups ask
for a fact the documents do not hold. Six sets:

- ``seeds``: ``bench/data/followups_qa.jsonl`` over the seeds, the set the follow-up rules were tuned on;
- ``wiki``: ``followups_wiki.jsonl`` over the wiki set's 106 articles (its cached index, ``bench/eval.py``);
- ``manual``: ``followups_manual.jsonl`` over the 127 pages of the Debian Handbook (the manual set's index);
- ``encyclopedia``: ``followups_encyclopedia.jsonl`` over the encyclopedia set's 1,798 FOLDOC entries;
- ``jargon``: ``followups_jargon.jsonl`` over the Jargon File's 1,843 lexicon entries (the jargon set's index);
- ``postfix``: ``followups_postfix.jsonl`` over the 136 pages of Postfix's manual (the postfix set's index).

The wiki, manual, encyclopedia, jargon and postfix follow-ups were written from the text as the loader gives it,
before any answer over them was seen, and split once by the fixed seed of ``bench/corpus.py`` (stratified by turn and
answerability). Every follow-up is asked twice: after its question (the conversation: the question and the answer the
assistant gave it) and alone, with no conversation. The second shows what the conversation adds, and that a standalone
question loses nothing by it.

Usage: ``python bench/followups.py [--set seeds|wiki|manual|encyclopedia|jargon|postfix] [--split heldout|tune|all]``;
``--chains`` asks each question's follow-ups one after another in one conversation (the seeds' set gives each question
three), so that the later ones lean on a follow-up, and writes ``followups_<set>_chains.md``;
``--check`` verifies a set's gold strings against the loader's text, ``--assign-splits`` splits its new rows once.
``--bars -3.9,-3.8,-3.7`` (seeds) asks every follow-up once per value of the follow-up bar
(``CITEWISE_MIN_FOLLOW_UP_SCORE``) and writes ``followups_bars.md``: the bar is chosen on the tuning rows, where
right answers minus wrong ones peak (the lowest bar of the peak, which answers the most).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA, SEEDS, machine_line, markdown_table, publish, read_jsonl, say, settings_for, work_folder
from bench.corpus import normalise, unbalanced_splits

FILES = {
    "seeds": "followups_qa.jsonl",
    "wiki": "followups_wiki.jsonl",
    "manual": "followups_manual.jsonl",
    "encyclopedia": "followups_encyclopedia.jsonl",
    "jargon": "followups_jargon.jsonl",
    "postfix": "followups_postfix.jsonl",
}
TURNS = ("pronoun", "elliptical", "standalone")


@dataclass
class Outcome:
    """One follow-up, as asked after its question and alone."""

    split: str
    turn: str
    question: str
    follow_up: str
    answerable: bool
    refused: bool
    right: bool  # answered and holding a gold answer
    cites_gold: bool | None  # answered, and a citation comes from a gold source (None: the row names no source)
    answer: str
    alone_refused: bool
    alone_right: bool


@contextmanager
def assistant_for(name: str) -> Iterator[tuple[Any, str]]:
    """The default assistant over the set's documents, and the prefix of its source names."""
    if name == "seeds":
        import shutil

        from assistant import build_citewise

        with work_folder("citewise-followups-", keep=False) as folder:
            docs = Path(shutil.copytree(SEEDS, folder / "docs"))
            citewise = build_citewise(settings_for(folder / "data", docs))
            citewise.sync()
            yield citewise, ""
        return
    from bench.corpus import QUESTION_SETS, load_dev
    from bench.eval import synced_assistant

    question_set = QUESTION_SETS[name]
    citewise, _ = synced_assistant(load_dev(question_set))
    yield citewise, question_set.corpora[0].name + "/"


def ask_all(citewise: Any, prefix: str, rows: list[dict], bars: list[float | None]) -> dict[float | None, list[Outcome]]:
    """Ask every row's question, then its follow-up with the first answer as the conversation, once per follow-up
    bar (None: the configured one); and each follow-up alone."""
    from assistant.history import Turn

    histories = []
    for row in rows:
        first = citewise.assistant.ask(row["question"])
        histories.append([Turn("user", row["question"]), Turn("assistant", "".join(first.tokens()))])
    alone = [judge(row, citewise.assistant.ask(row["follow_up"]), prefix) for row in rows]
    outcomes: dict[float | None, list[Outcome]] = {}
    configured = citewise.assistant.extractive.min_follow_up_score
    for bar in bars:
        citewise.assistant.extractive.min_follow_up_score = configured if bar is None else bar
        outcomes[bar] = []
        for row, history, (alone_refused, alone_right, _, _) in zip(rows, histories, alone, strict=True):
            refused, right, cites_gold, text = judge(row, citewise.assistant.ask(row["follow_up"], history), prefix)
            outcomes[bar].append(
                Outcome(
                    row["split"],
                    row.get("turn", ""),
                    row["question"],
                    row["follow_up"],
                    row["answerable"],
                    refused,
                    right,
                    cites_gold,
                    text,
                    alone_refused,
                    alone_right,
                )
            )
    citewise.assistant.extractive.min_follow_up_score = configured
    return outcomes


def ask_chains(citewise: Any, prefix: str, rows: list[dict]) -> list[Outcome]:
    """A question's follow-ups asked one after another in one conversation, in the file's order, each after the answers
    to those before it: from the second on, a follow-up leans on a follow-up. Its "alone" fields hold it asked right
    after its question instead, the two-turn conversation ``ask_all`` measures."""
    from assistant.history import Turn

    chains: dict[str, list[dict]] = {}
    for row in rows:
        chains.setdefault(row["question"], []).append(row)
    outcomes = []
    for question, chain in chains.items():
        if len(chain) < 2:
            continue
        first = citewise.assistant.ask(question)
        opening = [Turn("user", question), Turn("assistant", "".join(first.tokens()))]
        history = list(opening)
        for position, row in enumerate(chain, start=2):
            refused, right, cites_gold, text = judge(row, citewise.assistant.ask(row["follow_up"], history), prefix)
            after, after_right, _, _ = judge(row, citewise.assistant.ask(row["follow_up"], opening), prefix)
            turn = f"turn {position}"
            answerable = row["answerable"]
            outcomes.append(
                Outcome(
                    row["split"],
                    turn,
                    question,
                    row["follow_up"],
                    answerable,
                    refused,
                    right,
                    cites_gold,
                    text,
                    after,
                    after_right,
                )
            )
            history += [Turn("user", row["follow_up"]), Turn("assistant", text)]
    return outcomes


def judge(row: dict, answer: Any, prefix: str) -> tuple[bool, bool, bool | None, str]:
    """(refused, right, a citation from a gold source, the answer's text) for one answer to a row's follow-up."""
    text = "".join(answer.tokens())
    right = not answer.refused and any(normalise(gold) in normalise(text) for gold in row["answers"])
    gold_sources = {prefix + source for source in row.get("sources", [])}
    cites_gold = not answer.refused and any(citation.source in gold_sources for citation in answer.citations)
    return answer.refused, right, cites_gold if gold_sources else None, text


def summary(label: str, outcomes: list[Outcome]) -> list[str]:
    """One table row: the follow-ups after their question, and the same follow-ups asked alone."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    given = [o for o in outcomes if not o.refused]
    wrong = [o for o in given if not o.right]
    alone_given = [o for o in outcomes if not o.alone_refused]
    alone_wrong = [o for o in alone_given if not o.alone_right]
    answered = [o for o in answerable if not o.refused]
    return [
        label,
        f"{sum(o.right for o in answerable)}/{len(answerable)}",
        f"{sum(o.refused for o in unanswerable)}/{len(unanswerable)}",
        f"{len(wrong)}/{len(given)}",
        f"{sum(bool(o.cites_gold) for o in answered)}/{len(answered)}"
        if any(o.cites_gold is not None for o in outcomes)
        else "-",
        f"{sum(o.alone_right for o in answerable)}/{len(answerable)}",
        f"{sum(o.alone_refused for o in unanswerable)}/{len(unanswerable)}",
        f"{len(alone_wrong)}/{len(alone_given)}",
    ]


HEADERS = [
    "answerable: answer holds gold",
    "not in the documents: refused",
    "wrong answers / answers given",
    "answered: cites a gold source",
    "asked alone: holds gold",
    "alone: refused",
    "alone: wrong / given",
]


def per_split(outcomes: list[Outcome]) -> list[list[str]]:
    """The summary row of each split present, tuning first."""
    return [
        summary(split, [o for o in outcomes if o.split == split]) for split in sorted({o.split for o in outcomes}, reverse=True)
    ]


def per_turn(outcomes: list[Outcome]) -> list[list[str]]:
    """The summary row of each split and kind of turn present."""
    return [
        summary(f"{split}, {turn}", chosen)
        for split in sorted({o.split for o in outcomes}, reverse=True)
        for turn in TURNS
        if (chosen := [o for o in outcomes if o.split == split and o.turn == turn])
    ]


def misses(outcomes: list[Outcome]) -> list[list[str]]:
    return [
        [
            o.split,
            o.turn,
            o.question,
            o.follow_up,
            "answerable" if o.answerable else "not in the documents",
            " ".join(o.answer[:160].split()).replace("|", "/"),
        ]
        for o in outcomes
        if (o.answerable and not o.right) or (not o.answerable and not o.refused)
    ]


def check(name: str) -> list[str]:
    """What is wrong with a set's rows: their form (``form_problems``), and the development set's checks (bench/corpus.py)
    of the follow-up's gold or absent strings and of the first question's gold against the loader's text."""
    from bench.corpus import QUESTION_SETS, _check_answerable, _check_unanswerable, dev_texts

    question_set = QUESTION_SETS[name]
    texts = dev_texts(question_set)
    prefix = question_set.corpora[0].name + "/"
    rows = read_jsonl(FILES[name])
    problems = form_problems(rows)
    for row in rows:
        where = f"{row.get('id')} {row.get('follow_up', '')!r}"
        firsts = [texts.get(prefix + source, ("", ""))[0] for source in row.get("first_sources", [])]
        if not any(normalise(gold) in text for gold in row.get("first_answers", []) for text in firsts):
            problems.append(f"{where}: the first question's gold is in none of its sources")
        check_row = _check_answerable if row.get("answerable") else _check_unanswerable
        problems += check_row(row, where, prefix, texts)
    return problems


def form_problems(rows: list[dict]) -> list[str]:
    """What is wrong with the rows' form, read without the documents: unique ids, both questions, a known turn and
    split, gold or absent strings as the answerability says, and a split balanced by turn and answerability."""
    problems: list[str] = []
    for row in rows:
        where = f"{row.get('id')} {row.get('follow_up', '')!r}"
        if not row.get("question") or not row.get("follow_up"):
            problems.append(f"{where}: a question and a follow-up are needed")
        if row.get("turn") not in TURNS:
            problems.append(f"{where}: unknown turn {row.get('turn')!r}")
        if row.get("split") not in ("tune", "heldout"):
            problems.append(f"{where}: no split")
        if row.get("answerable") and not (row.get("answers") and row.get("sources")):
            problems.append(f"{where}: an answerable follow-up needs answers and sources")
        if not row.get("answerable") and (row.get("answers") or not (row.get("absent") or row.get("absent_in_topic"))):
            problems.append(f"{where}: an unanswerable follow-up has no answers and names what is absent")
    if len({row.get("id") for row in rows}) != len(rows):
        problems.append("ids are not unique")
    return problems + unbalanced_splits(rows, lambda row: (row.get("turn", ""), bool(row.get("answerable"))))


def assign_splits(name: str) -> int:
    """Give the set's rows without a split one, once: the development set's seeded procedure, the turn as the stratum."""
    from bench.corpus import assign_splits as seeded

    rows = read_jsonl(FILES[name])
    pending = [row for row in rows if row.get("split") not in ("tune", "heldout")]
    splits = seeded([{**row, "corpus": row["turn"]} for row in pending])
    for row in pending:
        row["split"] = splits[row["id"]]
    (DATA / FILES[name]).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return len(pending)


def chained(name: str, rows: list[dict]) -> str:
    """The report of ``--chains``: each question's follow-ups asked in one conversation, by their place in it."""
    with assistant_for(name) as (citewise, prefix):
        found = ask_chains(citewise, prefix, rows)
    places = sorted({o.turn for o in found})
    table = [
        summary(f"{split}, {place}", chosen)
        for split in ("tune", "heldout")
        for place in places
        if (chosen := [o for o in found if o.split == split and o.turn == place])
    ]
    headers = [
        *HEADERS[:4],
        *(
            header.replace("asked alone", "right after its question").replace("alone", "after its question")
            for header in HEADERS[4:]
        ),
    ]
    return "\n\n".join(
        [
            f"# Follow-ups in one conversation over the {name}: each question's follow-ups asked one after another",
            machine_line(),
            "Turn 2 is the first follow-up, asked right after its question; each later one is asked after the follow-ups"
            " before it and their answers. The last three columns ask the same follow-up right after its question.",
            markdown_table(["split, place", *headers], table),
            "## Misses (in the conversation)",
            markdown_table(["split", "place", "question", "follow-up", "kind", "answer"], misses(found)),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=tuple(FILES), default="seeds")
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="all")
    parser.add_argument("--bars", type=lambda text: [float(x) for x in text.split(",")], help="follow-up bars to sweep")
    parser.add_argument("--chains", action="store_true", help="ask each question's follow-ups one after another")
    parser.add_argument("--check", action="store_true", help="verify the set's gold strings, then stop")
    parser.add_argument("--assign-splits", action="store_true", help="split the set's new rows once, then stop")
    args = parser.parse_args()
    if args.check or args.assign_splits:
        if args.assign_splits:
            say(f"{assign_splits(args.set)} rows split")
        problems = check(args.set)
        print("\n".join(problems) or f"{args.set}: every row checks out")
        raise SystemExit(1 if problems else 0)
    rows = [row for row in read_jsonl(FILES[args.set]) if args.split in ("all", row["split"])]
    say(f"{len(rows)} follow-ups")
    if args.chains:
        publish(f"followups_{args.set}_chains.md", [chained(args.set, rows)])
        return
    with assistant_for(args.set) as (citewise, prefix):
        outcomes = ask_all(citewise, prefix, rows, args.bars or [None])
    if args.bars:
        swept = [[bar, *row] for bar, found in outcomes.items() for row in per_split(found)]
        sections = [
            f"# The follow-up bar, swept over the {args.set} follow-ups",
            machine_line(),
            markdown_table(["bar", "split", *HEADERS], swept),
        ]
        name = "followups_bars.md" if args.set == "seeds" else f"followups_{args.set}_bars.md"
    else:
        found = outcomes[None]
        sections = [
            f"# Follow-up questions over the {args.set}",
            machine_line(),
            markdown_table(["split", *HEADERS], per_split(found)),
            *(["## By kind of turn", markdown_table(["split, turn", *HEADERS], by_turn)] if (by_turn := per_turn(found)) else []),
            "## Misses (after the question)",
            markdown_table(["split", "turn", "question", "follow-up", "kind", "answer"], misses(found)),
        ]
        name = "followups.md" if args.set == "seeds" else f"followups_{args.set}.md"
    publish(name, ["\n\n".join(sections)])


if __name__ == "__main__":
    main()
