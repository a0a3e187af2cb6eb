"""Small deterministic stand-ins for the embedding model and the cross-encoder, for unit tests of logic.

Both still rank: similar texts get similar vectors and overlapping texts higher scores, so a test
that runs on them exercises the same code paths as with the real models. Tests whose assertions
depend on how the real models rank (answers over the seeds, the browser, the CLIs) use the real
ones from conftest.py; bench/eval.py measures those.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from assistant.retrieval import Passage

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s]")  # roughly how a WordPiece tokenizer counts: words and punctuation marks
_STEM = 5  # characters kept of each word: "specialists" and "specialist" share a dimension


def stems(text: str) -> list[str]:
    """The lower-cased word stems of ``text``, in order."""
    return [word[:_STEM] for word in _WORD.findall(text.lower())]


class FakeEmbedder(BaseEmbedding):
    """Hashed bag of word stems in a fixed number of dimensions, L2-normalised: texts sharing words point alike.

    It offers what the code calls on ``index.Embedder``: ``encode``, ``count_tokens``, ``max_tokens``,
    ``dimensions``, ``batch_tokenizer``, and llama-index's query and text embedding methods.
    """

    def __init__(self, dims: int = 256, max_tokens: int = 256, **kwargs: Any) -> None:
        super().__init__(model_name="fake-hashed-stems", embed_batch_size=64, **kwargs)
        self._dims = dims
        self._max_tokens = max_tokens

    @classmethod
    def class_name(cls) -> str:
        """Name llama-index uses when serialising this component."""
        return "FakeEmbedder"

    @property
    def max_tokens(self) -> int:
        """The longest input, in tokens, the 'model' reads."""
        return self._max_tokens

    @property
    def dimensions(self) -> int:
        """Length of each vector."""
        return self._dims

    def count_tokens(self, text: str) -> int:
        """Words and punctuation marks in ``text``."""
        return len(_TOKEN.findall(text))

    def batch_tokenizer(self) -> None:
        """No fast tokenizer: callers fall back to ``count_tokens``."""
        return None

    def words(self) -> frozenset[str]:
        """No vocabulary: every word the index lacks may be a slip (``Embedder.words``)."""
        return frozenset()

    def longest_first(self, texts: list[str]) -> np.ndarray:
        """The indexes of ``texts`` by ``count_tokens``, longest first (``Embedder.longest_first``)."""
        return np.argsort(-np.asarray([self.count_tokens(text) for text in texts], dtype=np.int64), kind="stable")

    def encode(self, texts: list[str], *, presorted: bool = False) -> np.ndarray:
        """One unit vector per text (a text with no words gets the zero vector); order plays no part."""
        vectors = np.zeros((len(texts), self._dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for stem in stems(text):
                vectors[row, zlib.crc32(stem.encode()) % self._dims] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self.encode([query])[0]]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self.encode([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.encode(texts)]


class FakeReranker:
    """Scores a text by the query's word stems it shares: 2 points each, minus 4 (a logit-like scale around 0).

    Satisfies ``assistant.rerank.Reranker``. A text sharing nothing scores -4, one sharing four stems +4:
    the same side of the default retrieval bar (``min_rerank_score`` -1) as the real
    cross-encoder puts an unrelated and an answering passage.
    """

    name = "fake-overlap"

    def score(self, query: str, texts: list[str]) -> list[float]:
        """One score per text."""
        asked = set(stems(query))
        return [2.0 * len(asked & set(stems(text))) - 4.0 for text in texts]


def passage(text: str, score: float, section: str = "", title: str = "Doc", source: str = "doc.txt") -> Passage:
    """A whole-text passage as retrieval hands it to the answerer, with ``score`` as its cross-encoder score."""
    return Passage(f"{source}@0#0", source, title, text, None, 0, len(text), section, score=score, scores={"rerank": score})
