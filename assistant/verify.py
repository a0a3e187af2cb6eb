"""Checking each sentence of a generated answer against the sources it cites."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.citations import Citation, SentenceCheck
from assistant.rerank import Reranker
from index import Embedder
from index.sentences import split_sentences
from index.text import DIGITS, MARKER, TRAILING, claim_names


class Verifier:
    """Decides whether a passage supports a sentence: semantic match plus exact numbers and names.

    Args:
        embedder: fallback scorer (cosine between the claim and the passage's best sentence).
        reranker: preferred scorer (cross-encoder logit of the claim against the passage).
        min_rerank: logit a passage needs to support a claim.
        min_similarity: cosine needed when there is no reranker.
    """

    def __init__(self, embedder: Embedder, reranker: Reranker | None, min_rerank: float = 0.0, min_similarity: float = 0.6):
        self.embedder = embedder
        self.reranker = reranker
        self.min_rerank = min_rerank
        self.min_similarity = min_similarity

    def check(self, text: str, citations: Sequence[Citation]) -> tuple[str, list[SentenceCheck]]:
        """Verify ``text`` against ``citations``; returns the corrected text and each sentence's verdict.

        Markers that point at no source are removed. A sentence citing a source that does not
        support it, when another source does, is re-pointed to the one that does.
        """
        by_n = {c.n: c for c in citations}
        pieces: list[str] = []
        checked: list[SentenceCheck] = []
        position = 0
        for span in split_sentences(text):
            pieces.append(text[position : span.start])
            sentence = text[span.start : span.end]
            claim = MARKER.sub("", sentence).strip()
            cited = [n for n in dict.fromkeys(int(m) for m in MARKER.findall(sentence)) if n in by_n]
            if not claim or MARKER.sub("", sentence).strip(" .") == "":
                pieces.append(sentence)
                position = span.end
                continue
            supporting = self._supporting(claim, list(by_n.values()))
            keep = [n for n in cited if n in supporting]
            if not keep and supporting:
                keep = [max(supporting, key=lambda n: supporting[n])]
            final = keep or cited
            checked.append(SentenceCheck(claim, final, bool(keep)))
            pieces.append(_with_markers(claim, final))
            position = span.end
        pieces.append(text[position:])
        return "".join(pieces), checked

    def highlights(self, claims: list[str], text: str) -> list[tuple[int, int]]:
        """For each claim, the span of the sentence of ``text`` that shares the most words with it."""
        spans = split_sentences(text)
        # Each sentence's words are read once, not once per claim.
        vocabularies = [set(text[s.start : s.end].lower().split()) for s in spans]
        found: set[tuple[int, int]] = set()
        for claim in claims:
            words = set(claim.lower().split())
            best = max(zip(spans, vocabularies, strict=True), key=lambda pair: len(words & pair[1]), default=None)
            if best is not None:
                found.add((best[0].start, best[0].end))
        return sorted(found)

    def _supporting(self, claim: str, citations: list[Citation]) -> dict[int, float]:
        """The citations that support ``claim``, with their scores."""
        candidates = [c for c in citations if _facts_present(claim, c.text)]
        if not candidates:
            return {}
        if self.reranker is not None:
            scores = self.reranker.score(claim, [c.text for c in candidates])
            return {c.n: s for c, s in zip(candidates, scores, strict=True) if s >= self.min_rerank}
        result = {}
        claim_vector = self.embedder.encode([claim])[0]
        for citation in candidates:
            sentences = [citation.text[s:e] for s, e in split_sentences(citation.text)] or [citation.text]
            best = float(np.max(self.embedder.encode(sentences) @ claim_vector))
            if best >= self.min_similarity:
                result[citation.n] = best
        return result


def _facts_present(claim: str, source: str) -> bool:
    """Every number (in digits) and name in the claim appears in the source text."""
    lowered = source.lower()
    numbers = {n.replace(",", "") for n in DIGITS.findall(claim)}
    source_numbers = {n.replace(",", "") for n in DIGITS.findall(source)}
    names = {name.lower() for name in claim_names(claim)}
    return numbers <= source_numbers and all(name in lowered for name in names)


def _with_markers(claim: str, numbers: list[int]) -> str:
    """``claim`` with its markers placed before the closing punctuation."""
    if not numbers:
        return claim
    marks = "".join(f"[{n}]" for n in numbers)
    match = TRAILING.search(claim)
    if match is None:
        return f"{claim} {marks}"
    return f"{claim[: match.start()]} {marks}{claim[match.start() :]}"
