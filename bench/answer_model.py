"""Fit the extractive answerer's answer model (``AnswerModel`` in assistant/extractive.py) on the tuning half.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_model.py

Every sentence the default answerer weighs for a question of the tuning half of bench/data/dev_qa.jsonl is
one row: the cross-encoder's fit, its passage's score, its word overlap and its passage's rank. A row is
positive when the sentence holds a gold answer of an answerable question. The script prints the fitted
weights, then, on the tuning half only, what each bar would answer: the held-out half is never read, so
its figures (``bench/eval.py --dataset dev-heldout``) stay a fair test of the weights and the bar.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import markdown_table, say, write_result
from bench.corpus import load_dev
from bench.eval import contains_answer, index_settings, open_assistant

BARS = (-2.0, -1.75, -1.5, -1.25, -1.0, -0.75, -0.5)


def main() -> int:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from assistant.extractive import AnswerModel

    dataset = load_dev()
    citewise, _ = open_assistant(index_settings(dataset), None)
    assistant = citewise.assistant
    tuning = [q for q in dataset.questions if q.split == "tune"]
    answerer = assistant.extractive
    answerer.min_score = -math.inf  # every question answered: the bars are swept below
    weighed = []  # per question: (answerable, the answer holds gold, [(features, the sentence holds gold)])
    for n, question in enumerate(tuning, 1):
        retrieval = assistant.retriever.search(question.question, assistant.retriever.defaults)
        extract = answerer.answer(question.question, retrieval.relevant)
        rows = [
            ([c.fit, c.passage.score, c.overlap, c.rank], bool(question.answers) and contains_answer(question, c.text))
            for c in extract.considered
        ]
        weighed.append((bool(question.answers), bool(question.answers) and contains_answer(question, extract.text), rows))
        if n % 25 == 0:
            say(f"[answer model] {n}/{len(tuning)} questions weighed")
    features = np.array([x for _, _, rows in weighed for x, _ in rows])
    labels = np.array([y for _, _, rows in weighed for _, y in rows])
    fitted = LogisticRegression(C=1.0, max_iter=2000).fit(features, labels)
    weights = dict(zip(("fit", "passage", "overlap", "rank"), fitted.coef_[0].round(3), strict=True))
    model = AnswerModel(**{k: float(v) for k, v in weights.items()}, bias=float(fitted.intercept_[0].round(3)))
    lines = [f"Fitted on {len(labels)} sentences of {len(tuning)} tuning-half questions: `{model}`", ""]
    rows = []
    for bar in BARS:
        gold = wrong = answered = refused = 0
        for answerable, holds_gold, scored in weighed:
            # The answer as composed (best sentence first) is kept or refused by its best sentence's log-odds.
            if not scored or max(model.log_odds(*features) for features, _ in scored) < bar:
                refused += not answerable
                continue
            answered += 1
            gold += holds_gold
            wrong += not holds_gold
        answerable_n = sum(a for a, _, _ in weighed)
        rows.append(
            [
                bar,
                f"{gold / answerable_n:.1%}",
                f"{refused / (len(weighed) - answerable_n):.1%}",
                f"{wrong / max(answered, 1):.1%}",
            ]
        )
    lines.append(markdown_table(["bar (log-odds)", "answer holds gold", "unanswerable refused", "wrong-answer rate"], rows))
    print("\n".join(lines))
    say(f"wrote {write_result('answer_model.md', chr(10).join(lines) + chr(10))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
