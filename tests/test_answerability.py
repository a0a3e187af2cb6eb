"""The extractive answerer's bar: an on-topic passage whose sentences do not say what was asked gets a refusal.

The fake reranker stands in for the cross-encoder (scores follow shared words: 2 points each, minus 4),
so the rule itself is tested; the real model's thresholds are measured in bench/eval.py.
"""

from __future__ import annotations

from fakes import FakeReranker

from assistant.extractive import ExtractiveAnswerer
from assistant.retrieval import Passage


def passage(text: str, score: float) -> Passage:
    return Passage("doc@0#0", "doc.txt", "Doc", text, None, 0, len(text), score=score, scores={"rerank": score})


LAKE = "The lake lies high in the northern valley. The lake is 12 km long and 3 km wide, with two islands."


def answerer(**bars: float) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(embedder=None, reranker=FakeReranker(), **bars)  # type: ignore[arg-type]


def test_a_sentence_that_answers_on_its_own_strength_is_quoted() -> None:
    extract = answerer(min_fit=4.0, sure_passage=6.0).answer("How long is the lake in the northern valley?", [passage(LAKE, 1.0)])
    assert extract.sentences and "12 km long" in extract.sentences[0][0]


def test_an_on_topic_sentence_below_the_bar_is_refused() -> None:
    # "deep" is nowhere in the passage: its best sentence fits the question weakly and the passage is no sure answer.
    extract = answerer(min_fit=4.0, sure_passage=6.0).answer("How deep is the lake?", [passage(LAKE, 1.0)])
    assert extract.sentences == [] and extract.considered  # sentences were weighed, none was good enough
    assert max(c.fit for c in extract.considered) < 4.0


def test_a_passage_judged_a_sure_answer_vouches_for_its_best_sentence() -> None:
    # News prose often answers through context ("the group included 10 specialists"): the passage's score carries it.
    extract = answerer(min_fit=4.0, sure_passage=6.0).answer("How deep is the lake?", [passage(LAKE, 7.0)])
    assert extract.sentences


def test_without_a_reranker_there_is_no_bar() -> None:
    plain = ExtractiveAnswerer(embedder=None, reranker=None, min_fit=4.0, sure_passage=6.0)  # type: ignore[arg-type]
    assert plain.min_fit == float("-inf") and plain.sure_passage == float("-inf")
