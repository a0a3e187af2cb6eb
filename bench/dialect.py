"""Questions asked in the other spelling, British or American: does the answer depend on how a word is spelt?

    HF_HUB_OFFLINE=1 .venv/bin/python bench/dialect.py      # both halves of every set (dialect.md)

Every question of every set (both halves: no rule was chosen on them) that holds a word spelt differently in British
and American English ("colours", "initialize", "licence", "behavior") is asked as written and with those words in
the other spelling, over its set's cached index (``bench/eval.py`` builds them), twice in the same run: with the
spelling folds of ``index.text`` (stems fold "colour" into "color"; keyword search looks a word up in both
spellings; a verb's action is met in both spellings) and without them (the three made the identity, as before they
existed). Counted: each way's outcomes (right, wrong, refused, as ``bench/eval.py`` judges them) and the questions
whose outcome the spelling changes.

A word is flipped from American to British by ``index.text.spellings`` when the British form folds back to it, or by
"-ize"/"-yze" to "-ise"/"-yse"; from British to American when ``index.text.american`` changes it, or by "-ise" to
"-ize" unless the word is spelt "-ise" in American English too (``SPELT_ISE`` below, a list for this benchmark only).
"program" stays: British English writes a computer program so.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.keywords
import index.lexicon
import index.text
from bench.common import machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS
from bench.eval import clip, outcome, synced_question_sets
from index.text import WORD, american, spellings

# Words spelt "-ise" in both: their "-ize" form is no word (for the British-to-American flip only).
SPELT_ISE = frozenset(
    """advise advertise arise chastise circumcise clockwise compromise comprise concise demise despise devise
    disguise enterprise excise exercise expertise franchise improvise incise likewise merchandise noise otherwise
    paradise poise praise precise premise promise raise revise rise supervise surmise surprise televise treatise
    wise""".split()
)
KEPT = frozenset({"program", "programs"})
_ISE = re.compile(r"(?<=[a-z]{3})(?<!s)([iy])([sz])(?=(?:e|es|ed|ing|ation|ations|er|ers)$)")


def other_spelling(word: str) -> str | None:
    """``word`` in the other dialect's spelling, or None when it is spelt alike in both (or not known to differ)."""
    lower = word.lower()
    if not lower.isalpha() or lower in KEPT:
        return None
    if american(lower) != lower:
        flipped = american(lower)
    elif (match := _ISE.search(lower)) is not None:
        root = re.sub(r"(?:e|es|ed|ing|ation|ations|er|ers)$", "e", lower)
        if match.group(2) == "s" and (root in SPELT_ISE or any(root.endswith(w) for w in SPELT_ISE)):
            return None
        flipped = lower[: match.start(2)] + ("z" if match.group(2) == "s" else "s") + lower[match.end(2) :]
    else:
        flipped = next((form for form in spellings(lower)[1:] if american(form) == lower), "")
    if not flipped:
        return None
    return flipped.capitalize() if word[:1].isupper() else flipped


def respelt(question: str) -> str | None:
    """``question`` with every word that differs in the other spelling, or None when it has none."""
    changed = False

    def flip(match: re.Match[str]) -> str:
        nonlocal changed
        other = other_spelling(match.group())
        changed |= other is not None
        return other or match.group()

    text = WORD.sub(flip, question)
    return text if changed else None


@contextmanager
def without_folds() -> Iterator[None]:
    """The spelling folds switched off: stems and keyword search read words as written."""
    saved: tuple[Callable[[str], str], Callable[[str], list[str]]] = (index.text.american, index.keywords.spellings)
    index.text.american = lambda word: word  # type: ignore[assignment]
    index.keywords.spellings = index.lexicon.spellings = lambda word: [word]  # type: ignore[assignment]
    index.lexicon.action_forms.cache_clear()  # a verb's forms are kept once read, in both spellings
    try:
        yield
    finally:
        index.text.american, index.keywords.spellings = saved  # type: ignore[assignment]
        index.lexicon.spellings = saved[1]  # type: ignore[assignment]
        index.lexicon.action_forms.cache_clear()


def main() -> int:
    tallies = {(folds, way): Counter[str]() for folds in ("with", "without") for way in ("as written", "respelt")}
    changed: list[list[object]] = []
    asked = 0
    for name, dataset, citewise in synced_question_sets(list(QUESTION_SETS)):
        for question in dataset.questions:
            if (other := respelt(question.question)) is None:
                continue
            asked += 1
            results = {}
            for folds in ("with", "without"):
                with without_folds() if folds == "without" else _nothing():
                    for way, text in (("as written", question.question), ("respelt", other)):
                        results[folds, way] = outcome(question, citewise.assistant.ask(text).complete())
                        tallies[folds, way][results[folds, way]] += 1
            if len({results[key] for key in results}) > 1:
                cells = [results[key] for key in (("without", "as written"), ("without", "respelt"))]
                cells += [results[key] for key in (("with", "as written"), ("with", "respelt"))]
                changed.append([name, question.id, question.split, clip(question.question, 120), clip(other, 120), *cells])
    kinds = ("right", "wrong", "refused")
    rows = [[f"{folds} the folds, {way}", *(tallies[folds, way][k] for k in kinds)] for folds, way in tallies]
    differ = {
        folds: sum(1 for row in changed if row[5 + 2 * (folds == "with")] != row[6 + 2 * (folds == "with")])
        for folds in ("with", "without")
    }
    lines = [f"# Questions asked in the other spelling (both halves of: {', '.join(QUESTION_SETS)})", "", machine_line(), ""]
    lines += [
        f"{asked} questions hold a word spelt otherwise in British or American English.",
        "",
        markdown_table(["asked", *kinds], rows),
        "",
        f"Outcome changed by the spelling: without the folds {differ['without']}, with them {differ['with']}.",
        "",
        "## Questions whose outcome differs anywhere",
        "",
        markdown_table(
            [
                "set",
                "id",
                "half",
                "as written",
                "respelt",
                "without: written",
                "without: respelt",
                "with: written",
                "with: respelt",
            ],
            changed,
            text=[0, 1, 2, 3, 4],
        ),
    ]
    publish("dialect.md", lines)
    return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    raise SystemExit(main())
