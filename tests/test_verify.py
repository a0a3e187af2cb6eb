"""Checking an answer's sentences against their sources: the rules, on the fake scorers.

The fakes score by shared words, so which source supports a claim is plain from the texts below;
the real cross-encoder's judgement on real answers is tested end to end in tests/test_llm.py.
"""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder, FakeReranker

from assistant.citations import Citation
from assistant.verify import Verifier

DONATION = "In addition, the country has donated 20 million dollars to the World Health Organization."
TEAMS = "China sent 37 medical expert teams to 34 countries. They shared experience with local doctors."


def sources() -> list[Citation]:
    return [Citation(1, "who.txt", "WHO", DONATION, "", 1.0), Citation(2, "teams.txt", "Teams", TEAMS, "", 1.0)]


@pytest.fixture(params=["reranker", "embedder"])
def verifier(request: pytest.FixtureRequest, fake_embedder: FakeEmbedder, fake_reranker: FakeReranker) -> Verifier:
    """A verifier scoring with the fake cross-encoder, or without one (cosine on the fake embedder)."""
    return Verifier(fake_embedder, fake_reranker if request.param == "reranker" else None)


def test_a_supported_sentence_keeps_its_marker(verifier: Verifier) -> None:
    text, checks = verifier.check("The country donated 20 million dollars to the World Health Organization [1].", sources())
    assert text == "The country donated 20 million dollars to the World Health Organization [1]."
    assert [(c.citations, c.supported) for c in checks] == [([1], True)]


def test_a_wrong_marker_is_pointed_at_the_source_that_supports_the_sentence(verifier: Verifier) -> None:
    text, checks = verifier.check("China sent 37 medical expert teams to 34 countries [1].", sources())
    assert text == "China sent 37 medical expert teams to 34 countries [2]."
    assert [(c.citations, c.supported) for c in checks] == [([2], True)]


def test_a_claim_no_source_states_is_flagged_and_keeps_its_marker(verifier: Verifier) -> None:
    # The number is in no source: however well the words match, the claim is not supported.
    text, checks = verifier.check("China sent 99 medical expert teams to 34 countries [2].", sources())
    assert text == "China sent 99 medical expert teams to 34 countries [2]."
    assert [(c.citations, c.supported) for c in checks] == [([2], False)]


def test_markers_that_point_at_no_source_are_removed(verifier: Verifier) -> None:
    text, checks = verifier.check("The country donated 20 million dollars [7]. See also [42].", sources())
    assert "[7]" not in text and "[42]" not in text
    assert checks[0].citations == [1] and checks[0].supported
    assert (checks[1].citations, checks[1].supported) == ([], False)


def test_an_unrelated_sentence_is_not_supported(verifier: Verifier) -> None:
    # Its one name ("The") and no number are in the first source: the score decides, and it is low.
    _, checks = verifier.check("The bread needs flour, water and salt [1].", sources())
    assert [(c.citations, c.supported) for c in checks] == [([1], False)]
