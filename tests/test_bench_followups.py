"""The follow-up sets of ``bench/followups.py`` keep their form: every row complete, the split balanced."""

from __future__ import annotations

import pytest

from bench.common import read_jsonl
from bench.followups import FILES, form_problems


@pytest.mark.parametrize("name", ["wiki", "manual", "encyclopedia", "jargon", "postfix"])
def test_a_follow_up_set_is_well_formed_and_split_evenly(name: str) -> None:
    rows = read_jsonl(FILES[name])
    assert len(rows) == 40 and form_problems(rows) == []
    assert {row["turn"] for row in rows} == {"pronoun", "elliptical", "standalone"}


def test_a_row_missing_its_gold_or_split_is_reported() -> None:
    rows = read_jsonl(FILES["wiki"])
    answerable = next(row for row in rows if row["answerable"])
    broken = [{**answerable, "answers": []}, {**answerable, "id": "fw-new", "split": "later", "turn": "aside"}]
    problems = form_problems(rows[1:] + broken)
    assert any("needs answers" in p for p in problems) and any("no split" in p for p in problems)
    assert any("unknown turn" in p for p in problems)
