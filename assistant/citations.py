"""Citations as data: numbered sources, the quoted sentences, and where they sit in the chunk."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.retrieval import Passage
from index.text import MARKER as _MARKER


@dataclass
class Citation:
    """Source ``n`` of an answer: the chunk, and the sentences of it that support the answer."""

    n: int
    source: str
    title: str
    text: str
    quote: str
    score: float
    page: int | None = None
    chunk_id: str = ""
    start_char: int = 0  # where the chunk starts in its document's text
    section: str = ""  # the headings the chunk sits under, joined by " > "; "" for none
    # [start, end) offsets of each supporting sentence inside ``text``, for highlighting.
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``ask --json`` shape of one citation."""
        data = asdict(self)
        data["highlights"] = [list(h) for h in self.highlights]
        return data


@dataclass
class SentenceCheck:
    """One sentence of an answer, the sources it cites, and whether they support it."""

    text: str
    citations: list[int]
    supported: bool


class CitationBook:
    """Hands out citation numbers in order of first use, one number per passage."""

    def __init__(self) -> None:
        self._by_chunk: dict[str, Citation] = {}

    def cite(self, passage: Passage, highlight: tuple[int, int] | None = None) -> int:
        """The number for ``passage``; records ``highlight`` (offsets into its text) as supporting."""
        citation = self._by_chunk.get(passage.chunk_id)
        if citation is None:
            citation = Citation(
                n=len(self._by_chunk) + 1,
                source=passage.source,
                title=passage.title,
                text=passage.text,
                quote="",
                score=round(passage.score, 4),
                page=passage.page,
                chunk_id=passage.chunk_id,
                start_char=passage.start_char,
                section=passage.section,
            )
            self._by_chunk[passage.chunk_id] = citation
        if highlight is not None and highlight not in citation.highlights:
            citation.highlights.append(highlight)
            citation.highlights.sort()
            citation.quote = " ".join(citation.text[s:e] for s, e in citation.highlights)
        return citation.n

    def citations(self) -> list[Citation]:
        """Every citation handed out, by number."""
        return sorted(self._by_chunk.values(), key=lambda c: c.n)


def markers(text: str) -> list[int]:
    """The citation numbers ``[n]`` that appear in ``text``, in order."""
    return [int(m) for m in _MARKER.findall(text)]


def renumber_markers(text: str, mapping: dict[int, int]) -> str:
    """Rewrite ``[n]`` markers through ``mapping``; markers not in it are removed."""

    def renumbered(match: re.Match[str]) -> str:
        new = mapping.get(int(match.group(1)))
        return match.group(0).replace(match.group(1), str(new)) if new is not None else ""

    return _MARKER.sub(renumbered, text)


Highlighter = Callable[[list[str], str], list[tuple[int, int]]]
"""Given claims and a passage's text, the [start, end) spans of the text that support them."""


def keep_cited(
    citations: Sequence[Citation], sentences: Sequence[SentenceCheck], highlights: Highlighter
) -> tuple[list[Citation], list[SentenceCheck], dict[int, int]]:
    """The citations some sentence cites, renumbered 1, 2, ... in order, each quoting its sentences that support them.

    ``highlights(claims, text)`` gives the spans of ``text`` that support ``claims`` (``Verifier.highlights``).
    Returns the kept citations, the sentences with their citation numbers rewritten, and the
    numbering (old -> new) for the text's markers (``renumber_markers``).

    Example:
        >>> kept, checked, numbering = keep_cited(citations, sentences, verifier.highlights)
        >>> [c.n for c in citations], [s.citations for s in sentences], numbering
        ([1, 2, 3], [[3], [1, 3]], {1: 1, 3: 2})
    """
    used = sorted({n for sentence in sentences for n in sentence.citations})
    numbering = {old: new for new, old in enumerate(used, start=1)}
    kept = []
    for citation in citations:
        if citation.n not in numbering:
            continue
        claims = [sentence.text for sentence in sentences if citation.n in sentence.citations]
        spans = highlights(claims, citation.text)
        quote = " ".join(citation.text[start:end] for start, end in spans)
        kept.append(replace(citation, n=numbering[citation.n], highlights=spans, quote=quote))
    checked = [replace(sentence, citations=[numbering[n] for n in sentence.citations]) for sentence in sentences]
    return kept, checked, numbering
