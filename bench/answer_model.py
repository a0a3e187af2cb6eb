"""Fit the extractive answerer's answer model (``AnswerModel`` in assistant/extractive.py) on tuning halves.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_model.py            # the development set (answer_model.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_model.py --sets all # every question set (answer_model_all.md)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_model.py --sets jargon postfix zsh --output answer_model_fresh.md
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_model.py --sets all --decision  # answer_decision.md

Every sentence the default answerer weighs for a question of the tuning halves is one row: the cross-encoder's
fit, its passage's score, its word overlap and its passage's rank. A row is positive when the sentence holds a
gold answer of an answerable question. The script prints the fitted weights, then, on the tuning halves only,
what each bar would answer with today's weights (``AnswerModel()``), with the refit scored on the questions it
was fitted on, with the refit 5-fold cross-validated over questions (each question scored by weights fitted
without it) and, over several sets, with the refit fitted without the question's own set (what a refit promises
on a corpus it never saw): a refit is adopted only when the cross-validated sweeps beat today's. The held-out
halves are never read, so their figures (``bench/eval.py``) stay a fair test of the weights and the bar.

``--decision`` asks another question of the same rows: whether the choice to answer or refuse, made on the best
sentence's log-odds alone, is bettered by what the whole question's candidates show (how far the best sentence
stands above the next, how many sentences fit the question's shape, how many come close, the best passage's score).
A classifier per question, linear or boosted trees, is fitted on those and cross-validated as above
(``answer_decision.md``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import markdown_table, publish, say
from bench.corpus import QUESTION_SETS, Question
from bench.eval import contains_answer, synced_question_sets

BARS = (-2.0, -1.75, -1.5, -1.25, -1.0, -0.75, -0.5, -0.25, 0.0)
FOLDS = 5
FEATURES = ("fit", "passage", "overlap", "rank")


@dataclass
class Weighed:
    """One tuning question: the sentences the answerer weighed for it, best first by today's model."""

    question: Question
    candidates: list[Any]  # assistant.extractive.Candidate
    golds: list[bool]  # per candidate: the sentence holds a gold answer
    question_set: str = "dev"  # the name of the question set it comes from

    @property
    def answerable(self) -> bool:
        return bool(self.question.answers)


def weigh_tuning_half(sets: Sequence[str] = ("dev",)) -> list[Weighed]:
    """Every candidate sentence of every tuning-half question of ``sets``, weighed by the default answerer with no bar."""
    weighed: list[Weighed] = []
    for name, dataset, citewise in synced_question_sets(list(sets)):
        assistant = citewise.assistant
        answerer = assistant.extractive
        answerer.min_score = -math.inf  # every question answered: the bars are swept afterwards
        tuning = [q for q in dataset.questions if q.split == "tune"]
        for question in tuning:
            retrieval = assistant.retriever.search(question.question, assistant.retriever.defaults)
            considered = answerer.answer(question.question, retrieval.relevant).considered
            golds = [bool(question.answers) and contains_answer(question, c.text) for c in considered]
            weighed.append(Weighed(question, considered, golds, name))
        say(f"[answer model] {name}: {len(tuning)} tuning questions weighed")
    return weighed


def sweep(weighed: Sequence[Weighed], scores: Sequence[Sequence[float]], bars: Sequence[float] = BARS) -> list[list[Any]]:
    """Per bar: the answers' gold rate, unanswerables refused and wrong-answer rate, the best-scored sentence answering.

    ``scores``: per question, a log-odds per candidate. The answer is its best sentence plus those within 2.0 of it
    (at most 3, as the answerer composes them); it holds gold when any of them does.
    """
    rows = []
    answerable = sum(w.answerable for w in weighed)
    for bar in bars:
        gold = wrong = answered = refused = 0
        for question, score in zip(weighed, scores, strict=True):
            best = max(score, default=-math.inf)
            if best < bar:
                refused += not question.answerable
                continue
            holds = holds_gold(question, score)
            answered += 1
            gold += holds
            wrong += not holds
        rows.append(
            [
                bar,
                f"{gold / answerable:.1%} ({gold})",
                f"{refused / (len(weighed) - answerable):.1%}",
                f"{wrong / max(answered, 1):.1%} ({wrong})",
                gold - 2 * wrong,
            ]
        )
    return rows


def holds_gold(question: Weighed, score: Sequence[float]) -> bool:
    """Whether the answer composed from ``score`` (a log-odds per candidate) holds gold: its best sentence plus those
    within 2.0 of it, at most 3, as the answerer composes them."""
    chosen = sorted(range(len(score)), key=lambda i: -score[i])[:3]
    best = max(score, default=-math.inf)
    return question.answerable and any(question.golds[i] for i in chosen if score[i] >= best - 2.0)


SWEEP_HEADERS = ["bar (log-odds)", "answer holds gold", "unanswerable refused", "wrong-answer rate", "right - 2 x wrong"]


def fit(features: Sequence[Sequence[Sequence[float]]], weighed: Sequence[Weighed], strength: float | None = None) -> Any:
    """A logistic regression of "the sentence holds gold" on ``features`` (per question, a row per candidate).

    By default on the inputs as they are, with scikit-learn's default penalty (the answer model's weights are in their
    units). Given ``strength`` (the inverse of the L2 penalty, scikit-learn's ``C``), each input is standardized first,
    so that the penalty weighs many inputs alike."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.array([row for rows in features for row in rows])
    y = np.array([gold for w in weighed for gold in w.golds])
    if strength is None:
        return LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    return make_pipeline(StandardScaler(), LogisticRegression(C=strength, max_iter=5000)).fit(x, y)


def log_odds(model: Any, features: Sequence[Sequence[Sequence[float]]]) -> list[list[float]]:
    """The fitted model's log-odds, per question and candidate."""
    return [list(model.decision_function(rows)) if len(rows) else [] for rows in features]


def base_features(weighed: Sequence[Weighed]) -> list[list[list[float]]]:
    """The answer model's inputs, per question and candidate."""
    return [[[c.fit, c.passage.score, c.overlap, c.rank] for c in w.candidates] for w in weighed]


def main(argv: list[str] | None = None) -> int:
    from assistant.extractive import AnswerModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["dev"], choices=[*QUESTION_SETS, "all"])
    parser.add_argument("--output", help="the results file's name (answer_model.md for dev, else answer_model_all.md)")
    parser.add_argument("--decision", action="store_true", help="study the answer-or-refuse decision per question instead")
    args = parser.parse_args(argv)
    sets = list(QUESTION_SETS) if "all" in args.sets else args.sets
    weighed = weigh_tuning_half(sets)
    if args.decision:
        publish(args.output or "answer_decision.md", decision_report(weighed, sets))
        return 0
    features = base_features(weighed)
    fitted = fit(features, weighed)
    weights = {name: float(w) for name, w in zip(FEATURES, fitted.coef_[0].round(3), strict=True)}
    model = AnswerModel(**weights, bias=float(fitted.intercept_[0].round(3)))
    today = AnswerModel()
    rows = sum(len(w.candidates) for w in weighed)
    sweeps = {
        f"Today's weights, `{today}`": [[today.log_odds(*row) for row in rows] for rows in features],
        f"Refitted on {rows} sentences of {len(weighed)} tuning-half questions, scored on them: `{model}`": log_odds(
            fitted, features
        ),
        f"The refit, {FOLDS}-fold cross-validated over questions": cross_validated(features, weighed),
    }
    if len(sets) > 1:
        sweeps["The refit fitted without the question's own set (leave one set out)"] = left_out_sets(features, weighed)
    lines = [f"Tuning halves of: {', '.join(sets)}.", ""]
    for title, scores in sweeps.items():
        lines += [title, "", markdown_table(SWEEP_HEADERS, sweep(weighed, scores)), ""]
    publish(args.output or ("answer_model.md" if sets == ["dev"] else "answer_model_all.md"), lines)
    return 0


def left_out_sets(
    features: Sequence[Sequence[Sequence[float]]], weighed: Sequence[Weighed], strength: float | None = None
) -> list[list[float]]:
    """Each question's log-odds from weights fitted on the other question sets only."""
    return fitted_without(features, weighed, [w.question_set for w in weighed], strength)


def cross_validated(
    features: Sequence[Sequence[Sequence[float]]], weighed: Sequence[Weighed], strength: float | None = None
) -> list[list[float]]:
    """Each question's log-odds from weights fitted on the other folds (questions dealt to folds by a fixed seed)."""
    return fitted_without(features, weighed, _folds(len(weighed)), strength)


def fitted_without(
    features: Sequence[Sequence[Sequence[float]]],
    weighed: Sequence[Weighed],
    groups: Sequence[object],
    strength: float | None = None,
) -> list[list[float]]:
    """Each question's log-odds from weights fitted on the questions of the other groups (``groups``: one per question)."""
    scores: list[list[float]] = [[] for _ in weighed]
    for group in dict.fromkeys(groups):
        train = [i for i, g in enumerate(groups) if g != group]
        model = fit([features[i] for i in train], [weighed[i] for i in train], strength)
        for i, g in enumerate(groups):
            if g == group:
                scores[i] = log_odds(model, [features[i]])[0]
    return scores


# --------------------------------------------------------------------------- the answer-or-refuse decision per question

DECISION_FEATURES = {
    "best": "the best sentence's log-odds (today's decision)",
    "fit": "its cross-encoder fit",
    "overlap": "its word overlap",
    "passage": "its passage's score",
    "rank": "its passage's rank",
    "margin": "how far it stands above the next sentence",
    "candidates": "how many sentences fit the question's shape (log)",
    "close": "how many sentences come within 1.0 of it",
    "top_passage": "the best passage's score",
}
DECISION_SETS = {
    "today's bar": ("best",),
    "with the margin": ("best", "margin"),
    "with the count of candidates": ("best", "candidates"),
    "with the close ones": ("best", "close"),
    "with the best passage": ("best", "top_passage"),
    "every feature": tuple(DECISION_FEATURES),
}


@dataclass
class Decision:
    """One tuning question with candidates: what today's answerer would answer, and whether that answer holds gold."""

    features: dict[str, float]
    right: bool
    question_set: str


def decisions(weighed: Sequence[Weighed]) -> list[Decision]:
    """Per question with candidates, the features of ``DECISION_FEATURES`` and whether today's answer holds gold."""
    from assistant.extractive import AnswerModel

    model = AnswerModel()
    rows = []
    for w in weighed:
        if not w.candidates:
            continue
        scores = [model.log_odds(c.fit, c.passage.score, c.overlap, c.rank) for c in w.candidates]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        best, top = scores[order[0]], w.candidates[order[0]]
        right = holds_gold(w, scores)
        features = {
            "best": best,
            "fit": top.fit,
            "overlap": top.overlap,
            "passage": top.passage.score,
            "rank": float(top.rank),
            "margin": best - scores[order[1]] if len(order) > 1 else 5.0,
            "candidates": math.log1p(len(scores)),
            "close": float(sum(score >= best - 1.0 for score in scores)),
            "top_passage": max(c.passage.score for c in w.candidates),
        }
        rows.append(Decision(features, right, w.question_set))
    return rows


def decision_scores(rows: Sequence[Decision], keys: Sequence[str], groups: Sequence[object], boosted: bool) -> list[float]:
    """Each question's log-odds that today's answer holds gold, from a classifier fitted on the other groups."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    x = np.array([[row.features[key] for key in keys] for row in rows])
    y = np.array([row.right for row in rows])
    scores = [0.0] * len(rows)
    for group in dict.fromkeys(groups):
        train = [i for i, g in enumerate(groups) if g != group]
        test = [i for i, g in enumerate(groups) if g == group]
        if boosted:
            model: Any = HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, min_samples_leaf=20)
        else:
            model = LogisticRegression(C=1.0, max_iter=5000)
        model.fit(x[train], y[train])
        p = np.clip(model.predict_proba(x[test])[:, 1], 1e-6, 1 - 1e-6)
        for i, value in zip(test, np.log(p / (1 - p)), strict=True):
            scores[i] = float(value)
    return scores


def best_cut(rows: Sequence[Decision], scores: Sequence[float]) -> list[Any]:
    """The cut on ``scores`` with the most right minus twice wrong answers, and its counts (every other is refused)."""
    best: list[Any] = []
    for cut in sorted(set(scores)):
        right = sum(row.right for row, score in zip(rows, scores, strict=True) if score >= cut)
        wrong = sum(not row.right for row, score in zip(rows, scores, strict=True) if score >= cut)
        if not best or right - 2 * wrong > best[3]:
            best = [round(cut, 2), right, wrong, right - 2 * wrong]
    return best


def decision_report(weighed: Sequence[Weighed], sets: Sequence[str]) -> list[str]:
    """The decision study's report: per feature set and classifier, the best cut cross-validated and per left-out set.

    Every cut here is chosen after the fact on the scores it is counted on, for today's bar as for the rest, so the
    rows compare like with like (each row's best case); only a row well above today's would be worth a held-out test.
    """
    rows = decisions(weighed)
    folds = _folds(len(rows))
    by_set = [row.question_set for row in rows]
    table = []
    for title, keys in DECISION_SETS.items():
        for boosted in (False, True):
            if keys == ("best",) and not boosted:
                cuts = [best_cut(rows, [row.features["best"] for row in rows])] * 2  # today's: no fit at all
            else:
                cuts = [best_cut(rows, decision_scores(rows, keys, groups, boosted)) for groups in (folds, by_set)]
            model = "boosted trees" if boosted else ("none: the log-odds itself" if keys == ("best",) else "logistic")
            table.append([title, model, *(f"{c[1]} / {c[2]} ({c[3]})" for c in cuts)])
    right = sum(row.right for row in rows)
    return [
        f"Tuning halves of: {', '.join(sets)}. {len(rows)} questions with candidate sentences; today's answer holds gold "
        f"for {right} of them.",
        "",
        "Features: " + "; ".join(f"`{key}`: {text}" for key, text in DECISION_FEATURES.items()) + ".",
        "",
        "Each cell: right / wrong answers (right - 2 x wrong) at the best cut, every question under it refused.",
        "",
        markdown_table(
            ["features", "classifier", f"{FOLDS}-fold cross-validated over questions", "fitted without the question's set"],
            table,
        ),
        "",
    ]


def _folds(count: int) -> list[int]:
    """Questions dealt to ``FOLDS`` folds by a fixed seed (as ``cross_validated`` deals them)."""
    import random

    order = list(range(count))
    random.Random(0).shuffle(order)
    folds = [0] * count
    for position, i in enumerate(order):
        folds[i] = position % FOLDS
    return folds


if __name__ == "__main__":
    raise SystemExit(main())
